#pragma once
// A chart-like preview (PreviewImage::bars: a task's agreement, a definition's answer) drawn as an image, so the
// interpolation panel, the contact sheet and the screenshot treat it like any other preview. Any thread.
#include <vector>

#include <QImage>

#include "core/studio/preview_provider.h"

namespace lorastudio::gui {

QImage draw_preview_bars(const std::vector<PreviewBar>& bars, int width = 360);

}  // namespace lorastudio::gui
