#pragma once
// lora-studio --demo --screenshot FILE [--screenshot-panel NAME]: a scripted session for pictures of the
// studio: the checkpoints settle, two styles (in a text world: two tasks and a typed description) are generated
// one after the other (each settling among its checkpoints), the candidates are scored, the best is selected
// and inspected, the interpolation slides between the first and last condition's best candidates, a condition
// walk joins them; then the window (or one panel) is saved and the program quits.
#include <QString>
#include <QStringList>

namespace lorastudio::gui {

class StudioWindow;

// Panels: trajectory, results, interpolate, inspector (empty: the whole window). `styles`: the conditions to
// generate for when the demo has them all.
QStringList screenshot_panels();
void run_screenshot_script(StudioWindow& window, const QString& file, const QString& panel,
                           const QStringList& styles = {QStringLiteral("sepia"), QStringLiteral("colormap_jet")});

}  // namespace lorastudio::gui
