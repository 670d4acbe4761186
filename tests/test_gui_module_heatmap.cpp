// The inspector's layer × module-type heatmap: module paths split after their last number (PEFT, diffusers and
// the stylizer's names), the prefix every layer shares dropped, each module's ‖ΔW‖ in its own cell and blank
// cells where no module is.
#include <QtTest/QtTest>

#include <cmath>

#include "tests/support/test_main.h"
#include "widgets/module_heatmap.h"

using lorastudio::widgets::ModuleRow;

namespace {

ModuleRow row(const QString& name, double norm) {
  ModuleRow r;
  r.name = name;
  r.delta_norm = norm;
  return r;
}

}  // namespace

class TestGuiModuleHeatmap : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void splitsAfterTheLastNumber_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QString>("type");
    QTest::newRow("diffusers") << "transformer_blocks.3.attn1.to_q" << "transformer_blocks.3" << "attn1.to_q";
    QTest::newRow("peft") << "base_model.model.encoder.layer.11.attention.self.query" << "base_model.model.encoder.layer.11"
                          << "attention.self.query";
    QTest::newRow("two numbers") << "down_blocks.1.attentions.0.proj_in" << "down_blocks.1.attentions.0" << "proj_in";
    QTest::newRow("stylizer block") << "blocks.0.conv1" << "blocks.0" << "conv1";
    QTest::newRow("no number") << "conv_in" << "(top)" << "conv_in";
    QTest::newRow("number last") << "layers.2" << "layers.2" << "(module)";
  }
  void splitsAfterTheLastNumber() {
    QFETCH(QString, path);
    QFETCH(QString, layer);
    QFETCH(QString, type);
    const auto split = lorastudio::widgets::split_module_path(path);
    QCOMPARE(split.first, layer);
    QCOMPARE(split.second, type);
  }

  void gridPlacesEachModuleInItsCell() {
    const QVector<ModuleRow> rows = {row("base_model.model.layer.0.attn.q", 1), row("base_model.model.layer.0.attn.v", 2),
                                     row("base_model.model.layer.1.attn.q", 3), row("base_model.model.layer.1.mlp.fc", 4),
                                     row("base_model.model.head", 5)};
    const auto grid = lorastudio::widgets::make_module_grid(rows);
    QCOMPARE(grid.layers, (QStringList{"layer.0", "layer.1", "(top)"}));  // "base_model.model." shared: dropped
    QCOMPARE(grid.types, (QStringList{"attn.q", "attn.v", "mlp.fc", "base_model.model.head"}));
    QCOMPARE(grid.values.size(), 12);
    QCOMPARE(grid.at(0, 0), 1.0);
    QCOMPARE(grid.at(0, 1), 2.0);
    QCOMPARE(grid.at(1, 0), 3.0);
    QCOMPARE(grid.at(1, 2), 4.0);
    QCOMPARE(grid.at(2, 3), 5.0);
    QVERIFY(std::isnan(grid.at(0, 2)));  // layer.0 has no mlp.fc
    QVERIFY(std::isnan(grid.at(1, 1)));
    int filled = 0;
    for (double v : grid.values) filled += std::isfinite(v);
    QCOMPARE(filled, rows.size());
  }

  void layersKeepTheirLastTwoComponents() {
    auto grid = lorastudio::widgets::make_module_grid({row("blocks.0.conv1", 1), row("blocks.1.conv1", 2)});
    QCOMPARE(grid.layers, (QStringList{"blocks.0", "blocks.1"}));  // never cut to a bare "0"
    grid = lorastudio::widgets::make_module_grid({row("blocks.0.conv1", 1), row("blocks.0.conv2", 2)});
    QCOMPARE(grid.layers, QStringList{"blocks.0"});
  }

  void widgetShowsTheGrid() {
    lorastudio::widgets::ModuleHeatmap map;
    map.set_modules({row("blocks.0.conv1", 1), row("blocks.1.conv1", 2), row("conv_in", 3)});
    QCOMPARE(map.grid().layers.size(), 3);
    QCOMPARE(map.grid().types.size(), 2);
    map.resize(400, 300);
    const QImage image = map.grab().toImage();
    QVERIFY(!image.isNull());
  }
};

LORASTUDIO_GUI_TEST_MAIN(TestGuiModuleHeatmap)
#include "test_gui_module_heatmap.moc"
