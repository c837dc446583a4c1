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

}  // namespace
}  // namespace mmgraph
