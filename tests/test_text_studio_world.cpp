// The shipped text demo (models/demo/text-wordnet) opened as a studio world (text_studio_world.h): the suite's
// tasks become text conditions with their two shots, its atlas holds every task's checkpoints in the generator's
// latent space, candidates are scored by their test accuracy with the yes/no base model (the same figures the
// bundle's check records, so a wrong split, model or task would show), against the task's best original and soup
// from the bundle's Table 1 (a held-out task: its oracle), a typed paraphrase is scored as its task and an
// unknown description is placed unscored; a bundle without an atlas says so; conditions the generator never trained
// on sample with the bundle's unseen guidance.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>

#include "core/generator/generation.h"
#include "core/generator/latent_atlas.h"
#include "core/textworld/text_demo.h"
#include "core/textworld/text_zoo.h"
#include "core/util/error.h"
#include "core/wordnet/task_suite_file.h"
#include "core/world/text_studio_world.h"
#include "tests/support/test_main.h"
#include "tests/support/test_paths.h"
#include "tests/support/text_demo_copy.h"

using namespace lorastudio;
using namespace lorastudio::textworld;
namespace fs = std::filesystem;

namespace {

std::string bundle_dir() { return test::project_path("models/demo/text-wordnet"); }

struct Candidates {
  std::vector<LoraAdapter> adapters;
  torch::Tensor latents;
};

// The check's generation (its samples, sampler, steps and seed; the world's guidance for the condition) for
// `condition`, with the adapters' latents.
Candidates generate(const StudioWorld& world, const TextDemoCheck& check, const WorldCondition& condition) {
  ConditionInput in;
  in.text = condition.text;
  in.examples = condition.examples;
  GenerateOptions o;
  o.count = check.samples, o.steps = check.steps, o.sampler = check.sampler, o.seed = check.seed;
  o.guidance = world.sampling_for(condition).guidance;
  ConditionalGenerator& g = *world.generator();
  GeneratedAdapters out = generate_adapters(g, in, o);
  return {out.adapters, atlas_latents(g, "", out.params)};
}

}  // namespace

class TestTextStudioWorld : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<const StudioWorld> world_;
  std::shared_ptr<const TextDemo> demo_;

 private Q_SLOTS:
  void initTestCase() {
    world_ = open_studio_world("text-wordnet", test::project_path("models"));
    demo_ = std::make_shared<const TextDemo>(TextDemo::load(bundle_dir()));
  }

  void opens_with_the_suites_tasks_as_text_conditions() {
    QVERIFY(dynamic_cast<const TextStudioWorld*>(world_.get()));
    QCOMPARE(world_->condition_kind(), ConditionKind::Text);
    QCOMPARE(world_->conditions().size(), demo_->suite.tasks.size());
    QVERIFY(world_->notice().empty());
    for (size_t i = 0; i < demo_->suite.tasks.size(); ++i) {
      const auto& t = demo_->suite.tasks[i];
      const WorldCondition& c = world_->conditions()[i];
      QCOMPARE(c.name, t.name);
      QCOMPARE(c.held_out, t.held_out);
      QCOMPARE(c.text, t.descriptions.front());
      QCOMPARE(c.examples.size(), size_t(2));
      QCOMPARE(c.examples[0], shot_text(t.shots()[0]));
    }
  }

  void its_atlas_holds_every_task() {
    const LatentAtlas& atlas = world_->atlas();
    QCOMPARE(atlas.tasks.size(), demo_->suite.tasks.size());
    QVERIFY(atlas.has_soups());
    const auto& ae = world_->generator()->config.autoencoder;
    QCOMPARE(atlas.dimension(), ae.latent_channels * ae.latent_length);
    for (size_t t = 0; t < atlas.tasks.size(); ++t) {
      QCOMPARE(atlas.tasks[t], demo_->suite.tasks[t].name);
      QCOMPARE(bool(atlas.held_out[t]), demo_->suite.tasks[t].held_out);
      const int64_t rows = atlas.task_index.eq(static_cast<int64_t>(t)).sum().item<int64_t>();
      QVERIFY2(rows >= 2 && rows <= 10, atlas.tasks[t].c_str());
    }
  }

  // The table's scores are the check's recorded figures (as percentages): the same adapters, the same test split,
  // the same model. Deliberately wrong: another task's adapters, scored as this task, are not.
  void scores_candidates_by_test_accuracy_data() {
    QTest::addColumn<int>("figure");
    const TextDemo demo = TextDemo::load(bundle_dir());
    for (size_t i = 0; i < demo.check.figures.size(); ++i) QTest::newRow(demo.check.figures[i].task.c_str()) << static_cast<int>(i);
  }
  void scores_candidates_by_test_accuracy() {
    QFETCH(int, figure);
    const TextDemoCheck& check = demo_->check;
    const auto& want = check.figures[static_cast<size_t>(figure)];
    const WorldCondition* condition = world_->condition(want.task);
    QVERIFY(condition);
    QCOMPARE(world_->sampling_for(*condition).guidance, condition->held_out ? check.unseen_guidance : check.guidance);
    const Candidates c = generate(*world_, check, *condition);
    const CandidateTable table = world_->candidate_table(c.adapters, c.latents, *condition);
    QCOMPARE(table.task, want.task);
    QCOMPARE(table.rows.size(), want.test_accuracy.size());
    for (size_t i = 0; i < table.rows.size(); ++i)
      QVERIFY2(std::abs(table.rows[i].score - 100 * want.test_accuracy[i]) <= 100 * check.tolerance,
               (want.task + " #" + std::to_string(i)).c_str());
    const wordnet::WordNetTask* task = wordnet::find_task(demo_->suite, want.task);
    const auto best = demo_->evaluated(task->name, task->held_out ? "oracle" : "best_original");
    QVERIFY(best && table.original_best);
    QCOMPARE(*table.original_best, 100 * *best);
    QCOMPARE(table.soup.has_value(), !task->held_out);
    if (table.soup) QCOMPARE(*table.soup, 100 * *demo_->evaluated(task->name, "soup"));
    QVERIFY(table.rows.front().beats_original.has_value());

    // Another task's adapters under this task's name: their scores are not the recorded ones.
    const WorldCondition* other = world_->condition(check.figures[(static_cast<size_t>(figure) + 1) % check.figures.size()].task);
    const Candidates wrong = generate(*world_, check, *other);
    const CandidateTable swapped = world_->candidate_table(wrong.adapters, wrong.latents, *condition);
    double differs = 0;
    for (size_t i = 0; i < swapped.rows.size(); ++i) differs += std::abs(swapped.rows[i].score - 100 * want.test_accuracy[i]);
    QVERIFY2(differs > 100 * check.tolerance, "another task's adapters reproduced this task's figures");
  }

  // A bundle with a guidance of its own for descriptions its generator never trained on: the world samples a
  // training task (or a typed paraphrase of one) with the guidance, a held-out task and an unknown description with
  // the unseen one; the window starts at the guidance.
  void samples_what_it_never_trained_on_with_the_unseen_guidance() {
    QTemporaryDir tmp;
    const std::string copy = test::copy_text_demo_with_sampling(tmp.path().toStdString(), test::test_text_sampling());
    const auto world = open_studio_world(copy, test::project_path("models"));
    QCOMPARE(world->sampling().guidance, 3.5);
    int held = 0, trained = 0;
    for (const auto& c : world->conditions()) {
      (c.held_out ? held : trained)++;
      QCOMPARE(world->sampling_for(c).guidance, c.held_out ? 1.5 : 3.5);
      QCOMPARE(world->sampling_for(c).steps, int64_t(20));
    }
    QVERIFY(held > 0 && trained > 0);
    WorldCondition typed;
    typed.name = "yours 1";
    typed.own = true;
    typed.text = demo_->suite.tasks.front().unseen_paraphrase;  // a training task's paraphrase
    QCOMPARE(world->sampling_for(typed).guidance, demo_->suite.tasks.front().held_out ? 1.5 : 3.5);
    typed.text = "Is this the definition of a musical instrument with strings?";
    QCOMPARE(world->sampling_for(typed).guidance, 1.5);
  }

  void a_typed_paraphrase_is_its_task_and_an_unknown_description_is_placed_only() {
    const auto& task = demo_->suite.tasks.front();
    WorldCondition typed;
    typed.name = "yours 1";
    typed.own = true;
    typed.text = task.unseen_paraphrase;
    const Candidates c = generate(*world_, demo_->check, typed);
    const CandidateTable table = world_->candidate_table(c.adapters, c.latents, typed);
    QCOMPARE(table.task, task.name);
    for (const auto& r : table.rows) QVERIFY(!std::isnan(r.score) && r.score >= 0 && r.score <= 100);

    typed.text = "Is this the definition of a musical instrument with strings?";
    const CandidateTable unknown = world_->candidate_table(c.adapters, c.latents, typed);
    QCOMPARE(unknown.task, std::string());
    QVERIFY(!unknown.original_best);
    for (const auto& r : unknown.rows) {
      QVERIFY(std::isnan(r.score));
      QVERIFY(world_->condition(r.nearest_task));  // placed among the atlas's tasks
    }
  }

  void previews_the_merged_model_answers() {
    auto provider = world_->preview_provider();
    QCOMPARE(provider->kind(), std::string("text"));
    QVERIFY(!provider->subjects().empty());
    const WorldCondition& c = world_->conditions().front();
    const Candidates g = generate(*world_, demo_->check, c);
    const auto a = std::make_shared<const LoraAdapter>(g.adapters[0]), b = std::make_shared<const LoraAdapter>(g.adapters[1]);
    const PreviewImage image = provider->render(a, b, 0.5, 0, PreviewQuality::Full);
    QVERIFY(!image.bars.empty());
    for (const auto& bar : image.bars) QVERIFY(bar.value >= 0 && bar.value <= 1 && std::isfinite(bar.reference));
  }

  // Deliberately wrong: a bundle without its atlas opens, says what is missing, and its table refuses clearly.
  void a_bundle_without_an_atlas_says_so() {
    QTemporaryDir tmp;
    const std::string copy = tmp.filePath("demo").toStdString();
    fs::copy(bundle_dir(), copy, fs::copy_options::recursive);
    fs::remove(fs::path(copy) / "atlas.safetensors");
    const auto world = open_studio_world(copy, "");
    QVERIFY(world->notice().find("no atlas") != std::string::npos);
    const Candidates c = generate(*world_, demo_->check, world->conditions().front());
    QVERIFY_THROWS_EXCEPTION(Error, world->candidate_table(c.adapters, c.latents, world->conditions().front()));
  }
};

LORASTUDIO_TEST_MAIN(TestTextStudioWorld)
#include "test_text_studio_world.moc"
