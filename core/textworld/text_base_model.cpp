#include "core/textworld/text_base_model.h"

#include <algorithm>

#include "core/text/wordpiece_trainer.h"

namespace lorastudio::textworld {

std::vector<std::string> wordnet_corpus(const wordnet::WordNet& wn) {
  std::vector<std::string> out;
  for (wordnet::PartOfSpeech pos : wordnet::all_parts_of_speech()) {
    for (const wordnet::Synset& s : wn.synsets(pos)) {
      if (s.definition.empty()) continue;
      std::string entry;
      for (const auto& lemma : s.lemmas) entry += (entry.empty() ? "" : ", ") + lemma;
      entry += ": " + s.definition;
      if (!s.examples.empty()) entry += "\t" + s.examples.front();
      out.push_back(std::move(entry));
    }
  }
  return out;
}

std::vector<std::string> text_world_vocabulary(const std::vector<std::string>& corpus, int64_t size,
                                               const std::function<bool(int64_t, int64_t)>& progress) {
  text::WordPieceTrainerOptions options;
  options.vocab_size = size;
  std::vector<std::string> texts;
  texts.reserve(corpus.size());
  for (std::string t : corpus) {
    std::replace(t.begin(), t.end(), '\t', ' ');
    texts.push_back(std::move(t));
  }
  std::vector<std::string> vocab = text::train_wordpiece_vocabulary(texts, options, progress);
  for (const char* word : {"yes", "no"})
    if (std::find(vocab.begin(), vocab.end(), word) == vocab.end()) vocab.push_back(word);
  return vocab;
}

std::function<void(models::BertForPreTraining&, const text::Tokenizer&)> word_vector_initialiser(
    text::WordVectors vectors, const std::vector<std::string>& vocabulary, int64_t* initialised) {
  return [vectors = std::move(vectors), vocabulary, initialised](models::BertForPreTraining& model, const text::Tokenizer&) {
    torch::NoGradGuard no_grad;
    torch::Tensor table = model->encoder()->word_embedding_weight();
    const int64_t width = std::min(table.size(1), vectors.dimensions());
    std::vector<int64_t> rows, sources;
    for (size_t id = 0; id < vocabulary.size() && static_cast<int64_t>(id) < table.size(0); ++id) {
      const std::string& token = vocabulary[id];
      if (token.empty() || token.rfind("##", 0) == 0 || token.front() == '[') continue;
      if (auto row = vectors.row(token)) {
        rows.push_back(static_cast<int64_t>(id));
        sources.push_back(*row);
      }
    }
    if (initialised) *initialised = static_cast<int64_t>(rows.size());
    if (rows.empty()) return;
    torch::Tensor picked = vectors.vectors.index_select(0, torch::tensor(sources)).narrow(1, 0, width).to(torch::kFloat);
    picked = picked * (0.02 / picked.std().clamp_min(1e-8));
    table.index_copy_(0, torch::tensor(rows), torch::cat({picked, table.index_select(0, torch::tensor(rows)).narrow(1, width, table.size(1) - width)}, 1));
  };
}

}  // namespace lorastudio::textworld
