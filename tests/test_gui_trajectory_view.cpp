// The trajectory view: layers per task and kind, positions arriving frame by frame, hover text, click
// selection, and PNG / SVG export (offscreen).
#include <QtTest/QtTest>

#include <QSignalSpy>

#include <cmath>

#include "widgets/trajectory_svg.h"
#include "widgets/trajectory_view.h"

using namespace lorastudio::widgets;

namespace {

// Three tasks of 20 checkpoints in rings, one soup each, and two samples of 6 steps ending at task 1.
TrajectoryScene demo_scene(std::vector<float>& xy) {
  TrajectoryScene scene;
  scene.space = QStringLiteral("t-SNE of the autoencoder latent");
  for (int g = 0; g < 3; ++g) scene.groups.push_back({QStringLiteral("style %1").arg(g), group_color(g)});
  for (int g = 0; g < 3; ++g) {
    const double cx = 10.0 * g, cy = g == 1 ? 8.0 : 0.0;
    for (int i = 0; i < 20; ++i) {
      ScenePoint p;
      p.group = g;
      p.label = QStringLiteral("checkpoint %1").arg(i);
      scene.points.push_back(p);
      xy.push_back(static_cast<float>(cx + std::cos(i * 0.3) * 1.5));
      xy.push_back(static_cast<float>(cy + std::sin(i * 0.3) * 1.5));
    }
    ScenePoint soup;
    soup.kind = PointKind::Soup;
    soup.group = g;
    scene.points.push_back(soup);
    xy.push_back(static_cast<float>(cx));
    xy.push_back(static_cast<float>(cy));
  }
  for (int s = 0; s < 2; ++s)
    for (int step = 0; step <= 5; ++step) {
      ScenePoint p;
      p.kind = step == 5 ? PointKind::Generated : PointKind::SampleStep;
      p.group = 1;
      p.sample = s;
      p.step = step;
      p.metric = step == 5 ? 31.4 : NAN;
      p.metric_name = QStringLiteral("PSNR dB");
      scene.points.push_back(p);
      xy.push_back(static_cast<float>(20 - 2 * step + s));
      xy.push_back(static_cast<float>(-6 + 2.5 * step));
    }
  return scene;
}

}  // namespace

class TestGuiTrajectoryView : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void showsPointsAsTheyArrive() {
    std::vector<float> xy;
    TrajectoryView view;
    view.resize(700, 500);
    view.set_scene(demo_scene(xy));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.shown_points(), 0);
    view.set_positions(std::make_shared<const std::vector<float>>(xy.begin(), xy.begin() + 2 * 30));  // a frame of 30
    QCOMPARE(view.shown_points(), 30);
    view.set_positions(std::make_shared<const std::vector<float>>(xy));
    QCOMPARE(view.shown_points(), view.scene().points.size());
    QCoreApplication::processEvents();
    // Every shown point is found where it is drawn; empty space finds nothing.
    for (int i : {0, 25, 62, 74}) QCOMPARE(view.point_at(view.pixel_of(i), 3), i);
    QCOMPARE(view.point_at(QPointF(-50, -50)), -1);
  }

  void hoverTextSaysWhatAPointIs() {
    std::vector<float> xy;
    TrajectoryView view;
    view.set_scene(demo_scene(xy));
    view.set_positions(std::make_shared<const std::vector<float>>(xy));
    const QString checkpoint = view.describe_point(3);
    QVERIFY(checkpoint.contains(QStringLiteral("checkpoint 3")));
    QVERIFY(checkpoint.contains(QStringLiteral("style 0")));
    const QString step = view.describe_point(63 + 2);  // sample 0, step 2
    QVERIFY2(step.contains(QStringLiteral("step 2")) && step.contains(QStringLiteral("style 1")), qPrintable(step));
    const QString generated = view.describe_point(63 + 5);
    QVERIFY2(generated.contains(QStringLiteral("31.400")) && generated.contains(QStringLiteral("PSNR")), qPrintable(generated));
    QVERIFY(view.describe_point(999).isEmpty());
  }

  void clickSelectsAPoint() {
    std::vector<float> xy;
    TrajectoryView view;
    view.resize(700, 500);
    view.set_scene(demo_scene(xy));
    view.set_positions(std::make_shared<const std::vector<float>>(xy));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCoreApplication::processEvents();
    QSignalSpy selected(&view, &TrajectoryView::point_selected);
    auto* plot = view.findChild<QWidget*>();
    QVERIFY(plot);
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, plot->mapFrom(&view, view.pixel_of(68).toPoint()));
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.first().first().toInt(), 68);
    QCOMPARE(view.selected_point(), 68);
  }

  void exportsPngAndSvg() {
    std::vector<float> xy;
    TrajectoryView view;
    view.resize(700, 500);
    const auto scene = demo_scene(xy);
    view.set_scene(scene);
    view.set_positions(std::make_shared<const std::vector<float>>(xy));
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("view.png")), svg = dir.filePath(QStringLiteral("view.svg"));
    QVERIFY(view.export_png(png, 800, 600));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(800, 600));
    // Not blank: the task colours are on it.
    int coloured = 0;
    for (int y = 0; y < image.height(); y += 2)
      for (int x = 0; x < image.width(); x += 2) coloured += image.pixelColor(x, y) == group_color(0);
    QVERIFY(coloured > 10);
    if (const QByteArray where = qgetenv("LORASTUDIO_SCREENSHOT_DIR"); !where.isEmpty())
      view.export_png(QString::fromLocal8Bit(where) + QStringLiteral("/trajectory_view.png"), 900, 650);
    QVERIFY(view.export_svg(svg));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY(text.startsWith(QStringLiteral("<?xml")));
    QCOMPARE(text.count(QStringLiteral("<polyline")), 2);                       // one path per sample
    QCOMPARE(text.count(QStringLiteral("<circle")), 60 + 2 * 5 + 3);           // checkpoints, steps, legend
    QVERIFY(text.contains(scene.space));
    QVERIFY(!QFile::exists(svg + QStringLiteral(".part")));
  }

  // A world of many tasks (the text world has 160): the legend names the tasks generated for and gives the others'
  // checkpoints one entry, on screen and in the SVG; a scene of a few tasks still names them all.
  void aCrowdedLegendNamesOnlyTheTasksGeneratedFor_data() {
    QTest::addColumn<int>("tasks");
    QTest::addColumn<int>("named");
    QTest::newRow("few tasks") << 3 << 3;
    QTest::newRow("40 tasks") << 40 << 1;
  }
  void aCrowdedLegendNamesOnlyTheTasksGeneratedFor() {
    QFETCH(int, tasks);
    QFETCH(int, named);
    std::vector<float> xy;
    TrajectoryScene scene = demo_scene(xy);  // generated for task 1
    for (int g = 3; g < tasks; ++g) {
      scene.groups.push_back({QStringLiteral("task %1").arg(g), QColor()});
      for (int i = 0; i < 4; ++i) {
        ScenePoint p;
        p.group = g;
        scene.points.push_back(p);
        xy.push_back(static_cast<float>(g));
        xy.push_back(static_cast<float>(i));
      }
    }
    const LegendGroups legend = legend_groups(scene);
    QCOMPARE(legend.named.size(), named);
    QCOMPARE(legend.others, tasks - named);
    if (named == 1) QCOMPARE(legend.named.front(), 1);
    TrajectoryView view;
    view.set_scene(scene);
    view.set_positions(std::make_shared<const std::vector<float>>(xy));
    QTemporaryDir dir;
    const QString svg = dir.filePath(QStringLiteral("view.svg"));
    QVERIFY(view.export_svg(svg));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    QCOMPARE(text.contains(QStringLiteral("style 0")), named > 1);
    QVERIFY(text.contains(QStringLiteral(">style 1<")));
    QCOMPARE(text.contains(QStringLiteral("other tasks")), named < tasks);
    if (named < tasks) QVERIFY(text.contains(QStringLiteral("checkpoints of %1 other tasks").arg(tasks - named)));
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_GUI_TEST_MAIN(TestGuiTrajectoryView)
#include "test_gui_trajectory_view.moc"
