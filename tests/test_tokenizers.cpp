// The tokenizers against the reference libraries' outputs in $LORASTUDIO_GOLDEN/tokenizers: every case's ids (and
// tokens or pieces where the golden lists them) must match exactly; the vocabulary files are found from what each
// golden.json names, so another golden set made the same way passes unchanged.
#include <QtTest/QtTest>
#include <QTemporaryDir>

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/text/byte_level_bpe_tokenizer.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/sentencepiece_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/text/unicode_text.h"
#include "core/text/wordpiece_tokenizer.h"
#include "tests/support/error_text.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"

using namespace lorastudio;
using namespace lorastudio::text;

namespace {

nlohmann::json read_golden(const std::string& name) {
  std::ifstream in(test::golden_path("tokenizers/" + name + "/golden.json"));
  return nlohmann::json::parse(in);
}

// The first "vocab/<path>" a golden's description names, under ../shared/vocab (the golden folder's sibling).
std::string shared_vocab(const std::string& description) {
  size_t at = description.find("vocab/");
  if (at == std::string::npos) return {};
  size_t end = description.find_first_of(" )+", at);
  return test::golden_dir() + "/../vocab/" + description.substr(at + 6, end == std::string::npos ? end : end - at - 6);
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

QString show(const std::vector<int64_t>& ids) {
  QStringList parts;
  for (int64_t id : ids) parts << QString::number(id);
  return parts.join(' ');
}

// Rows "<tokenizer>: <case text>" for every case of tokenizers/<name>/golden.json.
void add_case_rows(const std::string& name) {
  QTest::addColumn<int>("index");
  const std::string file = test::golden_path("tokenizers/" + name + "/golden.json");
  if (!test::exists(file)) {
    QTest::newRow("missing golden") << -1;
    return;
  }
  nlohmann::json g = read_golden(name);
  for (size_t i = 0; i < g["cases"].size(); ++i) {
    std::string text = g["cases"][i]["text"];
    QTest::newRow((std::to_string(i) + ": " + text.substr(0, 40)).c_str()) << static_cast<int>(i);
  }
}

#define LS_REQUIRE_CASE(name, index)                                                                   \
  do {                                                                                                 \
    if ((index) < 0) QSKIP(("no golden tokenizers/" + std::string(name) + " in this golden set").c_str()); \
  } while (0)

}  // namespace

class TestTokenizers : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void bert_wordpiece_data() { add_case_rows("bert_wordpiece"); }
  void bert_wordpiece() {
    QFETCH(int, index);
    LS_REQUIRE_CASE("bert_wordpiece", index);
    nlohmann::json g = read_golden("bert_wordpiece");
    WordPieceTokenizer tok(shared_vocab(g["vocab"]));
    const auto& c = g["cases"][static_cast<size_t>(index)];
    Encoding e = tok.encode(c["text"].get<std::string>());
    QCOMPARE(show(e.ids), show(c["ids"].get<std::vector<int64_t>>()));
    QCOMPARE(e.tokens, c["tokens"].get<std::vector<std::string>>());
    QCOMPARE(e.type_ids, std::vector<int64_t>(e.size(), 0));
  }

  void bert_pairs() {
    const std::string file = test::golden_path("tokenizers/bert_wordpiece/golden.json");
    LS_REQUIRE_FILE(file);
    nlohmann::json g = read_golden("bert_wordpiece");
    WordPieceTokenizer tok(shared_vocab(g["vocab"]));
    QVERIFY(!g["pairs"].empty());
    for (const auto& p : g["pairs"]) {
      Encoding e = tok.encode_pair(p["text_a"].get<std::string>(), p["text_b"].get<std::string>());
      QCOMPARE(show(e.ids), show(p["ids"].get<std::vector<int64_t>>()));
      QCOMPARE(show(e.type_ids), show(p["token_type_ids"].get<std::vector<int64_t>>()));
    }
  }

  // The comparison can fail: without lower-casing or accent stripping, the cases that need them differ.
  void bert_options_change_the_ids() {
    const std::string file = test::golden_path("tokenizers/bert_wordpiece/golden.json");
    LS_REQUIRE_FILE(file);
    nlohmann::json g = read_golden("bert_wordpiece");
    WordPieceTokenizer cased(shared_vocab(g["vocab"]), {false, false});
    WordPieceTokenizer no_strip(shared_vocab(g["vocab"]), {true, false});
    int cased_differs = 0, strip_differs = 0;
    for (const auto& c : g["cases"]) {
      std::string text = c["text"];
      auto ids = c["ids"].get<std::vector<int64_t>>();
      bool has_upper = false, has_accent = false;
      for (char32_t ch : decode_utf8(text)) {
        has_upper |= ch != to_lower(ch);
        has_accent |= canonical_decomposition(std::u32string(1, ch)).size() > 1;
      }
      if (has_upper && cased.encode(text).ids != ids) ++cased_differs;
      if (has_accent && no_strip.encode(text).ids != ids) ++strip_differs;
    }
    QVERIFY(cased_differs > 0);
    QVERIFY(strip_differs > 0);
  }

  void gpt2_byte_level_data() { add_case_rows("gpt2"); }
  void gpt2_byte_level() {
    QFETCH(int, index);
    LS_REQUIRE_CASE("gpt2", index);
    nlohmann::json g = read_golden("gpt2");
    std::string encoder = shared_vocab(g["vocab"]);
    auto tok = load_tokenizer(parent_of(encoder));
    QCOMPARE(tok->kind(), TokenizerKind::ByteLevelBpe);
    const auto& c = g["cases"][static_cast<size_t>(index)];
    Encoding e = tok->encode(c["text"].get<std::string>());
    QCOMPARE(show(e.ids), show(c["ids"].get<std::vector<int64_t>>()));
    QCOMPARE(tok->decode(e.ids), c["decoded"].get<std::string>());
  }

  void clip_bpe_data() {
    add_case_rows("clip");
    QTest::addColumn<QString>("source");
  }
  void clip_bpe() {
    QFETCH(int, index);
    LS_REQUIRE_CASE("clip", index);
    nlohmann::json g = read_golden("clip");
    const auto& c = g["cases"][static_cast<size_t>(index)];
    // Both vocabulary forms: the golden folder's vocab.json + merges.txt, and OpenAI's gzip file.
    std::vector<std::unique_ptr<Tokenizer>> tokenizers;
    tokenizers.push_back(load_tokenizer(test::golden_path("tokenizers/clip")));
    std::string gz = test::golden_dir() + "/../vocab/clip_bpe_simple_vocab_16e6.txt.gz";
    if (test::exists(gz)) tokenizers.push_back(load_tokenizer(gz));
    for (const auto& tok : tokenizers) {
      QCOMPARE(tok->kind(), TokenizerKind::ClipBpe);
      Encoding e = tok->encode(c["text"].get<std::string>());
      QCOMPARE(show(e.ids), show(c["ids"].get<std::vector<int64_t>>()));
      Encoding padded = static_cast<const ClipTokenizer&>(*tok).encode_context(c["text"].get<std::string>());
      QCOMPARE(show(padded.ids), show(c["ids_padded77"].get<std::vector<int64_t>>()));
    }
    if (!test::exists(gz)) QSKIP("the gzip vocabulary is not beside this golden set; vocab.json + merges.txt checked");
  }

  // CLIP keeps the end token when it truncates to 77.
  void clip_truncates_to_the_context() {
    const std::string dir = test::golden_path("tokenizers/clip");
    LS_REQUIRE_FILE(dir + "/vocab.json");
    auto tok = load_tokenizer(dir);
    std::string long_text;
    for (int i = 0; i < 120; ++i) long_text += "word ";
    Encoding e = static_cast<const ClipTokenizer&>(*tok).encode_context(long_text);
    QCOMPARE(e.size(), size_t(77));
    QCOMPARE(e.tokens.front(), std::string("<|startoftext|>"));
    QCOMPARE(e.tokens.back(), std::string("<|endoftext|>"));
    QCOMPARE(e.attention_mask, std::vector<int64_t>(77, 1));
    QCOMPARE(clip_clean_text("  A&amp;B &#39;quoted&#39;\t\n  Text "), std::u32string(U"a&b 'quoted' text"));
  }

  void t5_sentencepiece_data() { add_case_rows("t5_sentencepiece"); }
  void t5_sentencepiece() {
    QFETCH(int, index);
    LS_REQUIRE_CASE("t5_sentencepiece", index);
    nlohmann::json g = read_golden("t5_sentencepiece");
    auto tok = load_tokenizer(test::golden_path("tokenizers/t5_sentencepiece"));
    QCOMPARE(tok->kind(), TokenizerKind::SentencePiece);
    const auto& c = g["cases"][static_cast<size_t>(index)];
    Encoding e = tok->encode(c["text"].get<std::string>());
    QCOMPARE(show(e.ids), show(c["ids_with_eos"].get<std::vector<int64_t>>()));
    std::vector<std::string> pieces(e.tokens.begin(), e.tokens.end() - 1);
    QCOMPARE(pieces, c["pieces"].get<std::vector<std::string>>());
  }

  void truncation_and_padding() {
    const std::string vocab = test::golden_dir() + "/../vocab/bert-base-uncased/vocab.txt";
    LS_REQUIRE_FILE(vocab);
    WordPieceTokenizer tok(vocab);
    Encoding e = tok.encode_pair("one two three four five six", "alpha beta", {true, 8, true});
    // [CLS] + 3 + [SEP] + 2 + [SEP] = 8: the longer text lost its tail first.
    QCOMPARE(e.size(), size_t(8));
    QCOMPARE(e.tokens, (std::vector<std::string>{"[CLS]", "one", "two", "three", "[SEP]", "alpha", "beta", "[SEP]"}));
    Encoding padded = tok.encode("hi", {true, 6, true});
    QCOMPARE(padded.tokens, (std::vector<std::string>{"[CLS]", "hi", "[SEP]", "[PAD]", "[PAD]", "[PAD]"}));
    QCOMPARE(padded.attention_mask, (std::vector<int64_t>{1, 1, 1, 0, 0, 0}));
    QVERIFY(test::error_of([&] { tok.encode_pair("a", "b", {true, 2, false}); }).contains("special tokens"));
    QCOMPARE(tok.decode(tok.encode("Tabs and newlines").ids), std::string("tabs and newlines"));
  }

  void invalid_utf8_is_replaced_not_refused() {
    QCOMPARE(decode_utf8(std::string("a\xff" "b", 3)), std::u32string(U"a\uFFFDb"));
    QCOMPARE(encode_utf8(decode_utf8("naïve 日本")), std::string("naïve 日本"));
  }

  void bad_files_are_named() {
    QTemporaryDir dir;
    const std::string root = dir.path().toStdString();
    QString none = test::error_of([&] { load_tokenizer(root); });
    QVERIFY2(none.contains(QString::fromStdString(root)) && none.contains("holds no tokenizer"), qPrintable(none));
    std::ofstream(root + "/vocab.txt") << "hello\nworld\n";
    QString no_specials = test::error_of([&] { load_tokenizer(root); });
    QVERIFY2(no_specials.contains("vocab.txt") && no_specials.contains("[UNK]"), qPrintable(no_specials));
    std::filesystem::remove(root + "/vocab.txt");
    std::ofstream(root + "/vocab.json") << "{\"a\": 0, \"<|endoftext|>\": 1}";
    QString no_merges = test::error_of([&] { load_tokenizer(root); });
    QVERIFY2(no_merges.contains("merges.txt"), qPrintable(no_merges));
    std::ofstream(root + "/merges.txt") << "#version: 0.2\nbroken-line-without-space\n";
    QString bad_merge = test::error_of([&] { load_tokenizer(root); });
    QVERIFY2(bad_merge.contains("merges.txt") && bad_merge.contains("line 2"), qPrintable(bad_merge));
    std::ofstream(root + "/spiece.model") << "not a model";
    QString bad_model = test::error_of([&] { load_tokenizer(root); });
    QVERIFY2(bad_model.contains("spiece.model") && bad_model.contains("SentencePiece"), qPrintable(bad_model));
    QCOMPARE(tokenizer_kind_from_string("WordPiece"), TokenizerKind::WordPiece);
    QCOMPARE(tokenizer_kind_from_string(to_string(TokenizerKind::ClipBpe)), TokenizerKind::ClipBpe);
    QVERIFY(test::error_of([] { tokenizer_kind_from_string("bpe"); }).contains("sentencepiece"));
  }
};

LORASTUDIO_TEST_MAIN(TestTokenizers)
#include "test_tokenizers.moc"
