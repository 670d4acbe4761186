// The style world's photos: the manifest scripts/fetch-photos.sh writes (and its errors), random training
// patches (deterministic, in range, cut from the images, varied in scale and mirrored), and the real photos
// themselves when fetched (scripts/test.sh fetches them; skipped, and said so, where they are not).
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include <torch/torch.h>

#include "core/imaging/photo_set.h"
#include "core/util/error.h"
#include "tests/support/fetched_photos.h"

using namespace lorastudio;

namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A binary PPM of w × h pixels whose red channel rises from left to right.
void write_ramp_ppm(const std::string& path, int w, int h) {
  std::ofstream f(path, std::ios::binary);
  f << "P6\n" << w << " " << h << "\n255\n";
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) f.put(char(255 * x / (w - 1))).put(char(40)).put(char(200));
}

const char* kLine = "ramp\tramp.ppm\ttrain\ttest-package\t1.0\tusr/share/ramp.ppm\tCC0\n";

// A [3, s, s] image whose red channel is the x coordinate in [0, 1].
torch::Tensor ramp_image(int64_t s) {
  torch::Tensor im = torch::zeros({3, s, s});
  im[0] = torch::linspace(0, 1, s).unsqueeze(0).expand({s, s});
  im[1].fill_(0.5);
  return im;
}

// The red-channel span of each patch (crop width relative to the image, for a ramp image).
std::vector<double> spans(const torch::Tensor& patches) {
  std::vector<double> out;
  for (int64_t i = 0; i < patches.size(0); ++i) {
    const torch::Tensor red = patches[i][0];
    out.push_back((red.max() - red.min()).item<double>());
  }
  return out;
}

// Do the crops vary in size? (max - min of the spans over the batch.)
bool scales_vary(const torch::Tensor& patches) {
  const std::vector<double> s = spans(patches);
  return *std::max_element(s.begin(), s.end()) - *std::min_element(s.begin(), s.end()) > 0.3;
}

}  // namespace

class TestPhotoSet : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void reads_a_manifest() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    write_ramp_ppm(dir + "/ramp.ppm", 16, 8);
    write_text(dir + "/manifest.tsv", std::string("# header\n") + kLine);
    const PhotoSet set = PhotoSet::open(dir);
    QCOMPARE(set.photos().size(), size_t(1));
    QCOMPARE(set.split("train").size(), size_t(1));
    QCOMPARE(set.split("held_out").size(), size_t(0));
    const torch::Tensor im = set.load(set.photos()[0]);
    QCOMPARE(im.sizes().vec(), (std::vector<int64_t>{3, 8, 16}));
    QVERIFY(std::abs(im[0][0][15].item<double>() - 1.0) < 1e-6);
  }

  void manifest_errors_name_the_file_data() {
    QTest::addColumn<QString>("manifest");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << QString() << "missing: no photo manifest";
    QTest::newRow("fields") << "ramp\tramp.ppm\ttrain\n" << "line 1: expected 7 tab-separated fields, found 3";
    QTest::newRow("split") << "ramp\tramp.ppm\ttest\tp\t1\tx\tCC0\n" << "split \"test\" is not train";
    QTest::newRow("outside") << "ramp\t../ramp.ppm\ttrain\tp\t1\tx\tCC0\n" << "must be a file name in the photo folder";
    QTest::newRow("no file") << "gone\tgone.jpg\ttrain\tp\t1\tx\tCC0\n" << "gone.jpg: missing: listed in the manifest";
    QTest::newRow("empty") << "# only a comment\n" << "lists no photos";
  }
  void manifest_errors_name_the_file() {
    QFETCH(QString, manifest);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    write_ramp_ppm(dir + "/ramp.ppm", 4, 4);
    if (!manifest.isNull()) write_text(dir + "/manifest.tsv", manifest.toStdString());
    try {
      PhotoSet::open(dir);
      QFAIL("a bad manifest was accepted");
    } catch (const FileError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
      QVERIFY2(QString::fromStdString(e.path()).startsWith(tmp.path()), e.what());
      QVERIFY2(QString::fromUtf8(e.what()).contains("fetch-photos.sh"), e.what());
    }
  }

  void patches_are_deterministic_and_in_range() {
    torch::manual_seed(1);
    const std::vector<torch::Tensor> images{torch::rand({3, 40, 60}), torch::rand({3, 90, 30})};
    PatchOptions o;
    o.size = 16;
    const torch::Tensor a = random_patches(images, 12, o, 7), b = random_patches(images, 12, o, 7);
    const torch::Tensor c = random_patches(images, 12, o, 8);
    QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{12, 3, 16, 16}));
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::equal(a, c));
    QVERIFY(a.min().item<double>() >= 0 && a.max().item<double>() <= 1);
  }

  // A whole-image crop at the image's size is the image, or its mirror image: both appear, nothing else.
  void patches_are_the_image_or_its_mirror() {
    const torch::Tensor im = ramp_image(12);
    PatchOptions o;
    o.size = 12;
    o.min_scale = o.max_scale = 1.0;
    const torch::Tensor p = random_patches({im}, 40, o, 3);
    int same = 0, mirrored = 0;
    for (int64_t i = 0; i < p.size(0); ++i) {
      same += torch::equal(p[i], im);
      mirrored += torch::equal(p[i], im.flip({2}));
    }
    QCOMPARE(same + mirrored, 40);
    QVERIFY(same > 5 && mirrored > 5);
    o.flips = false;
    QVERIFY(torch::equal(random_patches({im}, 5, o, 3), im.unsqueeze(0).expand({5, 3, 12, 12})));
  }

  // Crops vary in size between the scales asked for; the check tells varied crops from fixed-size ones.
  void crop_scales_vary() {
    const torch::Tensor im = ramp_image(200);
    PatchOptions o;
    o.size = 32;
    o.flips = false;
    o.min_scale = 0.25;
    const torch::Tensor varied = random_patches({im}, 60, o, 11);
    for (double s : spans(varied)) QVERIFY2(s > 0.2 && s <= 1.0 + 1e-6, qPrintable(QString::number(s)));
    QVERIFY(scales_vary(varied));
    o.min_scale = o.max_scale = 0.5;  // a deliberately fixed scale: the check must reject it
    QVERIFY(!scales_vary(random_patches({im}, 60, o, 11)));
  }

  void bad_patch_requests_are_errors() {
    const std::vector<torch::Tensor> images{torch::rand({3, 8, 8})};
    PatchOptions o;
    QVERIFY_EXCEPTION_THROWN(random_patches({}, 4, o, 0), Error);
    QVERIFY_EXCEPTION_THROWN(random_patches(images, 0, o, 0), Error);
    QVERIFY_EXCEPTION_THROWN(random_patches({torch::rand({1, 8, 8})}, 4, o, 0), Error);
    o.min_scale = 0;
    QVERIFY_EXCEPTION_THROWN(random_patches(images, 4, o, 0), Error);
  }

  // The fetched photos: colour images of a useful size, every one with its source and licence, held-out
  // photos apart from the training ones, and the two paintings.
  void real_photos() {
    std::string why;
    const std::optional<PhotoSet> fetched = test::fetched_photos(&why);
    if (!fetched) QSKIP(why.c_str());
    const PhotoSet& set = *fetched;
    const auto train = set.split("train"), held_out = set.split("held_out"), paintings = set.split("painting");
    QVERIFY(train.size() >= 12);
    QVERIFY(held_out.size() >= 3);
    QCOMPARE(paintings.size(), size_t(2));
    std::set<std::string> names;
    for (const auto& p : set.photos()) {
      QVERIFY2(names.insert(p.name).second, p.name.c_str());
      QVERIFY2(!p.licence.empty() && !p.package.empty() && !p.version.empty(), p.name.c_str());
      const torch::Tensor im = set.load(p);
      QVERIFY2(im.size(1) >= 128 && im.size(2) >= 128, p.name.c_str());
      const double colour = (im[0] - im[1]).abs().mean().item<double>() + (im[1] - im[2]).abs().mean().item<double>();
      QVERIFY2(colour > 0.01, (p.name + " is not a colour image").c_str());
    }
    std::vector<torch::Tensor> images;
    for (const auto& p : train) images.push_back(set.load(p));
    PatchOptions o;
    const torch::Tensor patches = random_patches(images, 64, o, 1);
    QCOMPARE(patches.sizes().vec(), (std::vector<int64_t>{64, 3, 64, 64}));
    QVERIFY(patches.std().item<double>() > 0.1);  // real content, not flat
  }
};

#include "tests/support/test_main.h"
LORASTUDIO_TEST_MAIN(TestPhotoSet)
#include "test_photo_set.moc"
