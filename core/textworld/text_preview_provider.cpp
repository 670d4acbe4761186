#include "core/textworld/text_preview_provider.h"

#include <iomanip>
#include <sstream>

#include "core/math/lora_mixing.h"
#include "core/util/error.h"
#include "core/wordnet/task_suite_file.h"

namespace lorastudio::textworld {

namespace {

std::string two_decimals(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << v;
  return s.str();
}

std::string shortened(const std::string& text, size_t length) {
  return text.size() <= length ? text : text.substr(0, length - 3) + "...";
}

// Up to `count` test definitions, alternating yes and no.
std::vector<wordnet::LabelledText> balanced(const std::vector<wordnet::LabelledText>& test, size_t count) {
  std::vector<wordnet::LabelledText> yes, no, out;
  for (const auto& e : test) (e.label ? yes : no).push_back(e);
  for (size_t i = 0; out.size() < count && (i < yes.size() || i < no.size()); ++i) {
    if (i < yes.size()) out.push_back(yes[i]);
    if (i < no.size() && out.size() < count) out.push_back(no[i]);
  }
  return out;
}

}  // namespace

TextPreviewProvider::TextPreviewProvider(YesNoModel model, std::vector<TextPreviewSubject> subjects)
    : model_(std::move(model)), subjects_(std::move(subjects)) {
  if (subjects_.empty()) throw Error("text preview: no subjects");
}

std::unique_ptr<TextPreviewProvider> TextPreviewProvider::for_demo(const TextDemo& demo, size_t per_task) {
  std::vector<TextPreviewSubject> subjects;
  std::vector<std::string> names = demo.check.tasks;
  if (names.empty())
    for (size_t i = 0; i < std::min<size_t>(4, demo.suite.tasks.size()); ++i) names.push_back(demo.suite.tasks[i].name);
  for (const auto& name : names)
    if (const auto* task = wordnet::find_task(demo.suite, name)) subjects.push_back({task->name, balanced(task->test, per_task)});
  return std::make_unique<TextPreviewProvider>(demo.base(), std::move(subjects));
}

std::vector<std::string> TextPreviewProvider::subjects() const {
  std::vector<std::string> out;
  for (const auto& s : subjects_) out.push_back(s.name);
  return out;
}

PreviewImage TextPreviewProvider::render(const std::shared_ptr<const LoraAdapter>& a, const std::shared_ptr<const LoraAdapter>& b,
                                         double lambda, int subject, PreviewQuality) {
  if (subject < 0 || subject >= static_cast<int>(subjects_.size())) throw Error("text preview: no subject " + std::to_string(subject));
  const TextPreviewSubject& s = subjects_[static_cast<size_t>(subject)];
  std::vector<std::string> texts;
  for (const auto& d : s.definitions) texts.push_back(d.text);
  const std::vector<double> base = answers_with(model_, nullptr, texts);
  const LoraAdapter mixed = interpolate(*a, *b, lambda);
  const std::vector<double> p = answers_with(model_, &mixed, texts);
  PreviewImage image;
  int right = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const bool yes = p[i] > 0.5;
    right += yes == (s.definitions[i].label == 1);
    image.bars.push_back({shortened(texts[i], 60), p[i], 0, 1, base[i], (yes ? "yes " : "no ") + two_decimals(p[i]),
                          s.definitions[i].label == 1});
  }
  image.caption = "is it a kind of " + s.name + "? λ = " + two_decimals(lambda) + ": " + std::to_string(right) + "/" +
                  std::to_string(texts.size()) + " answered right (highlighted: truly yes; tick: the base model)";
  return image;
}

}  // namespace lorastudio::textworld
