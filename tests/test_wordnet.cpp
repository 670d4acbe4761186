// WordNet 3.0 read from Debian's wordnet-base (core/wordnet): counts and relations checked against the files
// themselves and a few facts of WordNet 3.0; a small database written here for the gloss parsing and for the
// malformed files each refused with the file and line named.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include "core/util/error.h"
#include "core/wordnet/wordnet_database.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::wordnet;

namespace {

// data.noun lines whose offsets are their byte positions (after a one-line licence header); `body[i]` is the
// line without its offset. Returns the offsets.
std::vector<uint32_t> write_data(const std::string& path, const std::vector<std::string>& body, int64_t shift = 0) {
  std::ofstream out(path, std::ios::binary);
  std::string header = "  1 This software and database is being provided (a test copy)\n";
  out << header;
  std::vector<uint32_t> offsets;
  size_t position = header.size();
  for (const std::string& b : body) {
    char offset[16];
    std::snprintf(offset, sizeof offset, "%08lld", static_cast<long long>(position + shift));
    const std::string line = std::string(offset) + " " + b + "  \n";
    offsets.push_back(static_cast<uint32_t>(position));
    out << line;
    position += line.size();
  }
  return offsets;
}

size_t data_lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty() && line.rfind("  ", 0) != 0;
  return n;
}

}  // namespace

class TestWordNet : public QObject {
  Q_OBJECT

  std::string dir_ = WordNet::default_directory().string();

 private Q_SLOTS:
  void reads_the_installed_database() {
    LS_REQUIRE_FILE(dir_ + "/data.noun");
    const WordNet wn = WordNet::load(dir_);
    for (PartOfSpeech pos : all_parts_of_speech()) {
      QCOMPARE(wn.synsets(pos).size(), data_lines(dir_ + "/data." + to_string(pos)));
    }
    const std::vector<const Synset*> dog = wn.lookup("dog", PartOfSpeech::Noun);
    QVERIFY(dog.size() >= 2);
    QCOMPARE(dog[0]->lemmas.front(), std::string("dog"));
    QCOMPARE(WordNet::lexicographer_file_name(dog[0]->lex_file), std::string("noun.animal"));
    QVERIFY2(dog[0]->definition.rfind("a member of the genus Canis", 0) == 0, dog[0]->definition.c_str());
    QCOMPARE(dog[0]->examples, std::vector<std::string>{"the dog barked all night"});
    bool canine = false;
    for (const Synset* h : wn.hypernyms(*dog[0])) canine |= h->lemmas.front() == "canine";
    QVERIFY(canine);
    // Lemmas with spaces, any case; a hyponym's hypernyms lead back.
    QVERIFY(!wn.lookup("Domestic Dog", PartOfSpeech::Noun).empty());
    for (const Synset* child : wn.hyponyms(*dog[0])) {
      const auto up = wn.hypernyms(*child);
      QVERIFY(std::find(up.begin(), up.end(), dog[0]) != up.end());
    }
    QVERIFY(wn.lookup("no such lemma at all", PartOfSpeech::Noun).empty());
  }

  void every_pointer_resolves() {
    LS_REQUIRE_FILE(dir_ + "/data.noun");
    const WordNet wn = WordNet::load(dir_);
    size_t pointers = 0;
    for (PartOfSpeech pos : all_parts_of_speech()) {
      for (const Synset& s : wn.synsets(pos)) {
        for (const Pointer& p : s.pointers) {
          QVERIFY(wn.find(p.pos, p.target));
          ++pointers;
        }
      }
    }
    QVERIFY(pointers > wn.size());
  }

  void parses_glosses_and_markers() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    auto o = write_data(dir + "/data.adj", {"00 a 02 able(a) 0 Capable_of 1 000 | having the means; \"able to swim\"; \"she was able to program\"",
                                            "00 s 01 plain 0 000 | not fancy"});
    std::ofstream(dir + "/index.adj") << "able a 1 0 1 0 " << o[0] << "  \n";
    const WordNet wn = WordNet::load(dir, {PartOfSpeech::Adjective});
    const Synset& s = wn.synsets(PartOfSpeech::Adjective)[0];
    QCOMPARE(s.lemmas, (std::vector<std::string>{"able", "Capable of"}));
    QCOMPARE(s.definition, std::string("having the means"));
    QCOMPARE(s.examples, (std::vector<std::string>{"able to swim", "she was able to program"}));
    QVERIFY(wn.synsets(PartOfSpeech::Adjective)[1].satellite);
    QCOMPARE(wn.lookup("ABLE", PartOfSpeech::Adjective).at(0), &s);
  }

  void malformed_files_are_named_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("offset not its position") << "shifted" << "data.noun:2";
    QTest::newRow("fewer pointers than counted") << "pointers" << "pointer";
    QTest::newRow("no gloss") << "gloss" << "no gloss";
    QTest::newRow("index names a missing synset") << "index" << "index.noun";
    QTest::newRow("no database") << "missing" << "wordnet-base";
  }
  void malformed_files_are_named() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    std::string dir = tmp.path().toStdString();
    const std::string good = "03 n 01 entity 0 000 | that which exists";
    std::vector<std::string> body = {good};
    if (kind == "pointers") body = {"03 n 01 entity 0 002 ~ 00000000 n 0000 | cut short"};
    if (kind == "gloss") body = {"03 n 01 entity 0 000"};
    auto o = write_data(dir + "/data.noun", body, kind == "shifted" ? 1 : 0);
    std::ofstream(dir + "/index.noun") << "entity n 1 0 1 0 " << (kind == "index" ? o[0] + 7 : o[0]) << "  \n";
    if (kind == "missing") dir += "/nowhere";
    const QString error = test::error_of([&] { WordNet::load(dir, {PartOfSpeech::Noun}); });
    QVERIFY2(error.contains(expected), qPrintable(error));
  }
};

LORASTUDIO_TEST_MAIN(TestWordNet)
#include "test_wordnet.moc"
