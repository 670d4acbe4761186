// A generator trained on a zoo, opened as a studio world (zoo_world.h): the pairing file is refused for what is
// not a generator or not a zoo, a zoo of another size is refused by name, the zoo's tasks become conditions,
// and the score (agreement with the task's ΔW soup) separates a task's own adapters from another task's.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include "core/generator/conditional_generator.h"
#include "core/generator/generator_trainer.h"
#include "core/generator/latent_atlas.h"
#include "core/util/error.h"
#include "core/world/studio_world.h"
#include "core/world/zoo_world.h"
#include "core/zoo/synthetic_zoo.h"
#include "core/zoo/zoo.h"
#include "tests/support/test_main.h"

using namespace lorastudio;

class TestZooWorld : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  std::string zoo_, gen_;

  static GeneratorConfig tiny_config() {
    GeneratorConfig c;
    c.autoencoder.patch = 8;
    c.autoencoder.channels = {16, 32};
    c.autoencoder.latent_length = 8;
    c.denoiser.channels = {16, 32};
    c.denoiser.emb_dim = 32;
    c.condition.dim = 32;
    c.normalization.mode = NormalizationMode::Global;
    c.train.ae_steps = 20;
    c.train.diffusion_steps = 20;
    return c;
  }

 private Q_SLOTS:
  void initTestCase() {
    zoo_ = tmp_.filePath("zoo").toStdString();
    gen_ = tmp_.filePath("gen").toStdString();
    const Zoo zoo = make_synthetic_zoo(zoo_, {});
    train_generator(zoo, tiny_config(), gen_, false);
  }

  void pairingRefusesWhatIsNotAGeneratorOrAZoo() {
    QVERIFY_THROWS_EXCEPTION(FileError, write_zoo_world(tmp_.path().toStdString(), zoo_));  // no generator.json
    QVERIFY_THROWS_EXCEPTION(FileError, write_zoo_world(gen_, gen_));                       // not a zoo
    QVERIFY(!ZooWorld::holds(gen_));
    SyntheticZooSpec other;
    other.width = 8;  // adapters of another size
    const std::string small = tmp_.filePath("small").toStdString();
    make_synthetic_zoo(small, other);
    write_zoo_world(gen_, small);
    try {
      ZooWorld::open(gen_);
      QFAIL("a zoo of another size was paired");
    } catch (const FileError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("world.json")), e.what());
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("parameters per adapter")), e.what());
    }
  }

  void opensWithTheZoosTasksAndScoresAgainstTheirSoups() {
    write_zoo_world(gen_, zoo_);
    QVERIFY(ZooWorld::holds(gen_));
    const auto world = open_studio_world(gen_, "");  // found by its world.json
    QCOMPARE(world->condition_kind(), ConditionKind::Text);
    QCOMPARE(world->conditions().size(), size_t(4));
    QCOMPARE(world->conditions()[1].text, synthetic_task_text(1));
    QCOMPARE(world->atlas().size(), int64_t(4 * 32));
    QVERIFY(QString::fromStdString(world->notice()).contains(QString::fromStdString(zoo_)));
    const Zoo zoo = Zoo::open(zoo_);
    const auto as_adapters = [&](const std::string& task) {
      std::vector<LoraAdapter> out;
      const auto rows = zoo.task_params(task).narrow(0, 0, 5);
      for (int64_t i = 0; i < rows.size(0); ++i) out.push_back(world->generator()->layout.unflatten(rows[i]));
      return std::make_pair(out, atlas_latents(*world->generator(), "", rows));
    };
    const WorldCondition& task1 = world->conditions()[1];
    const auto [own, own_latents] = as_adapters("task1");
    const CandidateTable right = world->candidate_table(own, own_latents, task1);
    QCOMPARE(right.task, std::string("task1"));
    QVERIFY(right.original_best.has_value() && !right.soup.has_value());
    for (const auto& r : right.rows) QVERIFY2(r.score > 90, qPrintable(QString::number(r.score)));
    const auto [other, other_latents] = as_adapters("task2");  // wrong: another task's adapters
    const CandidateTable wrong = world->candidate_table(other, other_latents, task1);
    for (const auto& r : wrong.rows) QVERIFY2(r.score < 50, qPrintable(QString::number(r.score)));
    auto preview = world->preview_provider();
    const auto a = std::make_shared<const LoraAdapter>(own.front()), b = std::make_shared<const LoraAdapter>(other.front());
    QVERIFY(preview->render(a, b, 0.0, 0, PreviewQuality::Draft).bars.at(1).highlight);
    QVERIFY(preview->render(a, b, 1.0, 0, PreviewQuality::Draft).bars.at(2).highlight);
  }
};

LORASTUDIO_TEST_MAIN(TestZooWorld)
#include "test_zoo_world.moc"
