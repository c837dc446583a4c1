// The memory plan (mmgraph/memory_plan.h) against the device's own count: every model trains
// on the CPU device for a few steps and evaluates the validation and test splits, as the
// trainer runs them, at three sizes of a synthetic set; the plan's total for one process is
// within 10 % of the most bytes the device held at once. And the plan's arithmetic: sizes read
// from a manifest and a synthetic specification, byte sizes, the devices a run needs.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "engine/src/device.h"
#include "engine/src/evaluate.h"
#include "engine/src/model.h"
#include "engine/src/training_inputs.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/memory_plan.h"
#include "support/model_configs.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

// The peak bytes the device counts over training `steps` steps of epoch 0 and one evaluation of
// the validation and the test split, in the trainer's order of allocations.
size_t measured_peak(const Dataset& data, const TrainConfig& c, int steps) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const detail::TrainingInputs inputs(data, c, *dev);
  std::unique_ptr<detail::Model> model = detail::make_model(c.model, inputs.context());
  const int64_t b = c.train_batch_size;
  detail::Buffer<int32_t> users(*dev, static_cast<size_t>(b), "batch"), pos(*dev, static_cast<size_t>(b), "batch"),
      neg(*dev, static_cast<size_t>(b), "batch");
  detail::Buffer<double> loss = detail::Buffer<double>::zeros(*dev, 1, "loss");
  const detail::EvalSplit valid = detail::make_eval_split(*dev, data, Split::kValid, true, c.test_masks_valid);
  const detail::EvalSplit test = detail::make_eval_split(*dev, data, Split::kTest, true, c.test_masks_valid);
  model->begin_epoch(0);
  for (int t = 0; t < steps; ++t) {
    dev->sample_triples(inputs.sampler(), c.seed, 0, t * b, b, users.data(), pos.data(), neg.data());
    model->compute_gradients(detail::TripleBatch{0, t * b, b, users.data(), pos.data(), neg.data()}, loss.data());
    model->params().adam_step(static_cast<float>(c.learning_rate));
  }
  model->propagate();
  for (const detail::EvalSplit* split : {&valid, &test})
    detail::evaluate(*dev, *split, model->user_rep(), model->item_rep(), model->rep_dim(), data.n_items, c.topk,
                     c.eval_batch_size);
  return dev->peak_bytes();
}

Dataset synthetic(int32_t users, int32_t items, int64_t interactions) {
  SyntheticOptions s;
  s.users = users;
  s.items = items;
  s.interactions = interactions;
  s.seed = 5;
  return make_synthetic_dataset(s);
}

TEST(MemoryPlan, EveryModelsPlanIsWithinTenPercentOfTheDevicesPeak) {
  const Dataset sets[] = {synthetic(3000, 1500, 60000), synthetic(8000, 3000, 150000), synthetic(16000, 5000, 300000)};
  for (const std::string& model : detail::model_names()) {
    for (const Dataset& data : sets) {
      TrainConfig c = testing::shipped_config(model);
      c.device = "cpu";
      c.eval_batch_size = 1024;
      const size_t peak = measured_peak(data, c, 2);
      const MemoryPlan plan = plan_memory(c, data_sizes_of(data), 1);
      const double ratio = static_cast<double>(plan.total()) / static_cast<double>(peak);
      std::printf("%-8s %6d users %5d items: plan %10lld, peak %10lld bytes (plan / peak %.3f)\n", model.c_str(),
                  data.n_users, data.n_items, static_cast<long long>(plan.total()), static_cast<long long>(peak),
                  ratio);
      EXPECT_NEAR(ratio, 1.0, 0.10) << model << " on " << data.n_users << " users, " << data.n_items << " items";
    }
  }
}

// With bf16 storage the features, and where they are learnt their values and Adam moments, take
// half the bytes: the plan follows (the models that learn them, at the largest size).
TEST(MemoryPlan, Bf16LearntFeaturesPlanIsWithinTenPercentOfTheDevicesPeak) {
  const Dataset data = synthetic(16000, 5000, 300000);
  for (const std::string& model : detail::model_names()) {
    TrainConfig c = testing::shipped_config(model);
    if (!c.learn_features) continue;
    c.device = "cpu";
    c.eval_batch_size = 1024;
    c.feature_storage = "bf16";
    const double ratio = static_cast<double>(plan_memory(c, data_sizes_of(data), 1).total()) /
                         static_cast<double>(measured_peak(data, c, 2));
    std::printf("%-8s bf16 learnt features: plan / peak %.3f\n", model.c_str(), ratio);
    EXPECT_NEAR(ratio, 1.0, 0.10) << model;
  }
}

TEST(MemoryPlan, ReadsSizesFromAManifestAndASyntheticSpecification) {
  const Dataset data = synthetic(300, 200, 4000);
  testing::TempDir dir;
  save_dataset_binary(data, dir.path().string());
  const DataSizes loaded = data_sizes_of(data), read = data_sizes(dir.path().string());
  EXPECT_EQ(read.users, loaded.users);
  EXPECT_EQ(read.items, loaded.items);
  EXPECT_EQ(read.train, loaded.train);
  EXPECT_EQ(read.valid, loaded.valid);
  EXPECT_EQ(read.test, loaded.test);
  EXPECT_EQ(read.modalities, loaded.modalities);
  EXPECT_EQ(read.feature_dims, loaded.feature_dims);

  // A specification is planned without drawing the set: its split is the one the generator gives.
  const std::string spec = "synthetic:users=1000,items=500,interactions=20000,image=7,text=0,unconsumed=5";
  const DataSizes asked = data_sizes(spec), drawn = data_sizes_of(load_dataset(spec));
  EXPECT_EQ(asked.users, 1000);
  EXPECT_EQ(asked.items, 505);
  EXPECT_EQ(asked.train + asked.valid + asked.test, 20000);
  EXPECT_EQ(asked.train, drawn.train);
  EXPECT_EQ(asked.valid, drawn.valid);
  EXPECT_EQ(asked.test, drawn.test);
  EXPECT_EQ(asked.feature_dims, std::vector<int64_t>{7});
  EXPECT_THROW(data_sizes((dir.path() / "missing").string()), InputError);
}

TEST(MemoryPlan, ByteSizesAndTheDevicesARunNeeds) {
  EXPECT_EQ(parse_byte_size("80GiB", "m"), int64_t{80} << 30);
  EXPECT_EQ(parse_byte_size("40GB", "m"), int64_t{40'000'000'000});
  EXPECT_EQ(parse_byte_size("1.5 KiB", "m"), 1536);
  EXPECT_EQ(parse_byte_size("1000", "m"), 1000);
  for (const char* bad : {"", "GiB", "80XB", "0", "-5GB", "1e3", "8 0GB"})
    EXPECT_THROW(parse_byte_size(bad, "m"), InputError) << bad;

  TrainConfig c = testing::shipped_config("lightgcn");
  const DataSizes data = data_sizes("synthetic:users=100000,items=50000,interactions=2000000");
  const int64_t one = plan_memory(c, data, 1).total();
  // Each process holds less as the run spreads: a device that holds a quarter of one process's
  // plan (with the headroom) needs several, and the number found is the smallest that fits.
  EXPECT_LT(plan_memory(c, data, 4).total(), one);
  EXPECT_EQ(devices_needed(c, data, static_cast<int64_t>(static_cast<double>(one) / (1 - kPlanHeadroom)) + 1), 1);
  const auto small = static_cast<int64_t>(static_cast<double>(one) / 2);
  const int n = devices_needed(c, data, small);
  ASSERT_GT(n, 1);
  const auto usable = static_cast<int64_t>(static_cast<double>(small) * (1 - kPlanHeadroom));
  EXPECT_LE(plan_memory(c, data, n).total(), usable);
  EXPECT_GT(plan_memory(c, data, n - 1).total(), usable);
  EXPECT_EQ(devices_needed(c, data, 1000), 0);  // the parts every process holds whole never fit
  EXPECT_THROW(plan_memory(c, data, 0), InputError);
}

}  // namespace
}  // namespace mmgraph
