#include "app/gui/candidate_store.h"

#include <cmath>

#include <QDateTime>

#include <torch/torch.h>

#include "app/gui/module_rows.h"
#include "app/gui/worker_thread.h"
#include "core/formats/adapter_io.h"
#include "core/lora/lora_adapter.h"
#include "core/math/lora_stats.h"
#include "core/generator/condition_walk.h"
#include "core/generator/latent_atlas.h"
#include "core/world/studio_world.h"
#include "core/util/version.h"

#include <nlohmann/json.hpp>

namespace lorastudio::gui {

CandidateStore::CandidateStore(std::shared_ptr<const StudioWorld> world, QObject* parent) : QObject(parent), world_(std::move(world)) {
  qRegisterMetaType<lorastudio::gui::ModuleCosine>();
  qRegisterMetaType<QVector<lorastudio::gui::ModuleCosine>>();
  qRegisterMetaType<QVector<lorastudio::widgets::ModuleRow>>();
}

CandidateStore::~CandidateStore() = default;

template <typename Work>
void CandidateStore::run_async(Work work) {
  run_in_worker(this, std::move(work), [this](const QString& message) { Q_EMIT failed(message); });
}

// The generation's settings and where it came from, in every exported file's metadata.
static std::map<std::string, std::string> provenance(const GenerationRecord& r, int index) {
  std::map<std::string, std::string> p{{"generator", "lora-studio demo " + r.demo.toStdString() + "/generator"},
          {"condition", r.condition.image.empty() ? r.condition.text : r.condition.image},
          {"condition_name", r.condition.name},
          {"sampler", r.sampler.toStdString()},
          {"steps", std::to_string(r.steps)},
          {"seed", std::to_string(r.seed)},
          {"guidance", QString::number(r.guidance).toStdString()},
          {"index", std::to_string(index)},
          {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()},
          {"software", std::string("LoRA Studio ") + kVersion}};
  if (!r.condition.examples.empty()) p["condition_examples"] = nlohmann::json(r.condition.examples).dump();
  return p;
}

QVector<int> CandidateStore::add(const GenerationRecord& record, const GenerationOutcome& outcome) {
  QVector<int> ids;
  if (outcome.cancelled || !outcome.adapters) return ids;
  ++generations_;
  for (size_t i = 0; i < outcome.adapters->size(); ++i) {
    auto adapter = std::make_shared<LoraAdapter>((*outcome.adapters)[i]);  // shares the tensors; own provenance
    adapter->provenance = provenance(record, static_cast<int>(i));
    Entry e;
    e.adapter = std::move(adapter);
    e.row.id = next_id_++;
    e.row.name = QStringLiteral("%1 #%2.%3").arg(record.name()).arg(generations_).arg(i + 1);
    e.row.condition = record.name();
    ids << e.row.id;
    entries_[e.row.id] = std::move(e);
  }
  Q_EMIT changed();
  score(ids, outcome, record.condition);
  return ids;
}

QVector<int> CandidateStore::add_walk(const QString& from, const QString& to, const QString& demo, const ConditionWalk& walk) {
  QVector<int> ids;
  const auto points = static_cast<int64_t>(walk.weights.size());
  if (points == 0 || walk.adapters.empty()) return ids;
  const int64_t count = static_cast<int64_t>(walk.adapters.size()) / points;
  auto adapters = std::make_shared<std::vector<LoraAdapter>>();
  const torch::Tensor firsts = walk.latents.index({torch::indexing::Slice(torch::indexing::None, torch::indexing::None, count)}).contiguous();
  for (int64_t i = 0; i < points; ++i) {
    auto adapter = std::make_shared<LoraAdapter>(walk.adapters[static_cast<size_t>(i * count)]);
    GenerationRecord record;
    record.condition.name = from.toStdString();
    record.demo = demo;
    adapter->provenance = provenance(record, static_cast<int>(i));
    adapter->provenance["walk_to"] = to.toStdString();
    adapter->provenance["walk_weight"] = QString::number(walk.weights[static_cast<size_t>(i)]).toStdString();
    adapters->push_back(*adapter);
    Entry e;
    e.adapter = std::move(adapter);
    e.row.id = next_id_++;
    e.row.name = QStringLiteral("walk %1→%2 @%3").arg(from, to).arg(walk.weights[static_cast<size_t>(i)], 0, 'f', 2);
    e.row.condition = QStringLiteral("%1 → %2").arg(from, to);
    ids << e.row.id;
    entries_[e.row.id] = std::move(e);
  }
  Q_EMIT changed();
  GenerationOutcome outcome;
  outcome.adapters = adapters;
  outcome.dims = firsts.size(1);
  outcome.final_latents = std::make_shared<const std::vector<float>>(firsts.data_ptr<float>(), firsts.data_ptr<float>() + firsts.numel());
  score(ids, outcome, WorldCondition{}, true);
  return ids;
}

void CandidateStore::score(QVector<int> ids, GenerationOutcome outcome, WorldCondition condition, bool place_only) {
  if (!world_ || !outcome.final_latents || outcome.dims <= 0) return;
  ++scoring_;
  auto world = world_;
  run_async([this, world, ids, outcome, condition, place_only]() -> Continuation {
    const auto n = static_cast<int64_t>(outcome.adapters->size());
    const torch::Tensor latents = torch::from_blob(const_cast<float*>(outcome.final_latents->data()), {n, outcome.dims}).clone();
    const CandidateTable table = place_only ? lorastudio::candidate_table(world->atlas(), latents, "", {})
                                            : world->candidate_table(*outcome.adapters, latents, condition);
    return [this, ids, table] {
      --scoring_;
      if (!table.score_name.empty()) score_name_ = QString::fromStdString(table.score_name);
      for (int i = 0; i < ids.size(); ++i) {
        const auto it = entries_.find(ids[i]);
        if (it == entries_.end()) continue;
        const CandidateRow& r = table.rows[static_cast<size_t>(i)];
        auto& row = it->second.row;
        row.score = r.score;
        row.rank = r.rank;
        row.nearest = r.nearest_distance;
        row.nearest_task = QString::fromStdString(r.nearest_task);
        row.spread_ratio = r.spread_ratio;
        row.copy = r.is_copy;
        row.beats_original = r.beats_original ? int(*r.beats_original) : -1;
        row.beats_soup = r.beats_soup ? int(*r.beats_soup) : -1;
      }
      Q_EMIT scored();
    };
  });
}

std::shared_ptr<const LoraAdapter> CandidateStore::adapter(int id) const {
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second.adapter;
}

QString CandidateStore::name(int id) const {
  const auto it = entries_.find(id);
  return it == entries_.end() ? QString() : it->second.row.name;
}

QVector<widgets::CandidateRowView> CandidateStore::rows() const {
  QVector<widgets::CandidateRowView> rows;
  for (const auto& [id, e] : entries_) rows << e.row;
  return rows;
}

QVector<widgets::AdapterChoice> CandidateStore::choices() const {
  QVector<widgets::AdapterChoice> choices;
  for (const auto& [id, e] : entries_) choices << widgets::AdapterChoice{id, e.row.name};
  return choices;
}

void CandidateStore::inspect(int id) {
  const auto a = adapter(id);
  if (!a) return;
  run_async([this, id, a]() -> Continuation {
    const auto rows = module_rows(*a, 64);  // the spectra: up to 64 singular values per module
    return [this, id, rows] { Q_EMIT inspected(id, rows); };
  });
}

void CandidateStore::compare(int a, int b) {
  const auto x = adapter(a), y = adapter(b);
  if (!x || !y) return;
  run_async([this, a, b, x, y]() -> Continuation {
    torch::NoGradGuard no_grad;
    const AdapterComparison c = compare_adapters(*x, *y);
    QVector<ModuleCosine> cosines;
    for (const auto& m : c.modules) cosines << ModuleCosine{QString::fromStdString(m.module), m.cosine};
    const double mean = c.mean_cosine;
    return [this, a, b, cosines, mean] { Q_EMIT compared(a, b, cosines, mean); };
  });
}

void CandidateStore::export_adapter(int id, const QString& format, const QString& path) {
  const auto a = adapter(id);
  const auto f = parse_format_name(format.toStdString());
  if (!a || !f) {
    Q_EMIT failed(tr("%1: nothing to export as %2").arg(path, format));
    return;
  }
  run_async([this, a, f, path]() -> Continuation {
    const SaveResult saved = save_adapter(*a, *f, path.toStdString());
    QString notes;
    for (const auto& n : saved.notes) notes += QString::fromStdString(n) + QLatin1Char(' ');
    const QString written = QString::fromStdString(saved.weights_path);
    return [this, written, notes] { Q_EMIT exported(written, notes.trimmed()); };
  });
}

}  // namespace lorastudio::gui
