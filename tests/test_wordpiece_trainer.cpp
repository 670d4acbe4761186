// WordPiece vocabulary training (core/text/wordpiece_trainer.h): the vocabulary's layout, the most frequent pair
// merged first, determinism, and on WordNet's glosses a vocabulary that the WordPiece tokenizer reads and that
// compresses the corpus (words per token) far better than its alphabet alone — the wrong variant the same check
// rejects.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include "core/text/wordpiece_tokenizer.h"
#include "core/text/wordpiece_trainer.h"
#include "core/wordnet/wordnet_database.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::text;

namespace {

// Tokens per word of the corpus under a vocabulary, and how many [UNK] it produced.
std::pair<double, int64_t> tokens_per_word(const std::vector<std::string>& vocab, const std::vector<std::string>& corpus) {
  QTemporaryDir tmp;
  const std::string file = tmp.filePath("vocab.txt").toStdString();
  {
    std::ofstream out(file);
    for (const auto& t : vocab) out << t << "\n";
  }
  WordPieceTokenizer tokenizer(file);
  int64_t words = 0, tokens = 0, unknown = 0;
  for (const std::string& line : corpus) {
    words += static_cast<int64_t>(tokenizer.pre_tokenize(line).size());
    for (const Token& t : tokenizer.tokenize(line)) tokens += 1, unknown += t.text == "[UNK]";
  }
  return {static_cast<double>(tokens) / static_cast<double>(words), unknown};
}

}  // namespace

class TestWordPieceTrainer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void layout_and_first_merge() {
    WordPieceTrainerOptions o;
    o.vocab_size = 0;  // the alphabet only
    const std::vector<std::string> corpus = {"hug hug hug pug", "hugs Bun"};
    const auto alphabet = train_wordpiece_vocabulary(corpus, o);
    QCOMPARE(std::vector<std::string>(alphabet.begin(), alphabet.begin() + 5), o.special_tokens);
    for (const char* t : {"h", "##u", "##g", "p", "b", "##n", "##s"}) {
      QVERIFY2(std::find(alphabet.begin(), alphabet.end(), t) != alphabet.end(), t);
    }
    QVERIFY(std::find(alphabet.begin(), alphabet.end(), "B") == alphabet.end());  // lower-cased
    o.vocab_size = static_cast<int64_t>(alphabet.size()) + 1;
    const auto one = train_wordpiece_vocabulary(corpus, o);
    // "##u ##g" occurs 6 times (hug ×3, pug, hugs): the first merge.
    QCOMPARE(one.back(), std::string("##ug"));
    o.vocab_size = 1000;
    const auto all = train_wordpiece_vocabulary(corpus, o);
    QVERIFY(std::find(all.begin(), all.end(), "hug") != all.end());
    // "hugs" and "bun" occur once: their last pairs are below min_frequency.
    QVERIFY(std::find(all.begin(), all.end(), "hugs") == all.end());
    QVERIFY(std::find(all.begin(), all.end(), "bun") == all.end());
    QCOMPARE(train_wordpiece_vocabulary(corpus, o), all);  // deterministic
  }

  void trains_on_wordnet_glosses() {
    using namespace lorastudio::wordnet;
    LS_REQUIRE_FILE((WordNet::default_directory() / "data.noun").string());
    const WordNet wn = WordNet::load(WordNet::default_directory(), {PartOfSpeech::Noun});
    std::vector<std::string> corpus;
    for (const Synset& s : wn.synsets(PartOfSpeech::Noun)) {
      if (corpus.size() >= 20000) break;
      corpus.push_back(s.definition);
    }
    WordPieceTrainerOptions o;
    o.vocab_size = 4000;
    const auto vocab = train_wordpiece_vocabulary(corpus, o);
    QCOMPARE(static_cast<int64_t>(vocab.size()), o.vocab_size);
    const auto [trained, unknown] = tokens_per_word(vocab, corpus);
    o.vocab_size = 0;
    const auto [alphabet_only, unknown_alphabet] = tokens_per_word(train_wordpiece_vocabulary(corpus, o), corpus);
    qInfo("tokens per word: trained %.2f, alphabet only %.2f; [UNK] %lld", trained, alphabet_only,
          static_cast<long long>(unknown));
    QCOMPARE(unknown, int64_t(0));
    QCOMPARE(unknown_alphabet, int64_t(0));
    QVERIFY(trained < 1.4);
    QVERIFY(alphabet_only > 1.4);  // the same check rejects a vocabulary without merges
  }
};

LORASTUDIO_TEST_MAIN(TestWordPieceTrainer)
#include "test_wordpiece_trainer.moc"
