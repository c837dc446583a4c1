#pragma once
// The sharded code path of a model in one process (a layout of one block, the given communicator
// of one process: halo exchange, batch gather, owner gather, layer-at-a-time propagation) against
// the single-process path on the same device: two steps (a full batch, then a shorter one, with an
// Adam step between) and the representations after them, bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/src/communicator.h"
#include "engine/src/device.h"
#include "engine/src/model.h"
#include "engine/src/training_inputs.h"
#include "support/model_configs.h"

namespace mmgraph::testing {

struct PathModel {
  TrainConfig config;
  detail::Device& dev;
  detail::TrainingInputs inputs;
  std::unique_ptr<detail::Model> model;
  detail::Buffer<double> loss;
  PathModel(const Dataset& data, TrainConfig c, detail::Device& d, std::unique_ptr<detail::Communicator> comm,
            std::optional<detail::ShardLayout> layout)
      : config(std::move(c)), dev(d), inputs(data, config, dev, std::move(comm), std::move(layout)),
        model(detail::make_model(config.model, inputs.context())), loss(detail::Buffer<double>::zeros(dev, 1, "loss")) {
    model->begin_epoch(0);
  }
  double step(int64_t first, int64_t b) {
    detail::Buffer<int32_t> users(dev, static_cast<size_t>(b), "batch"), pos(dev, static_cast<size_t>(b), "batch"),
        neg(dev, static_cast<size_t>(b), "batch");
    dev.sample_triples(inputs.sampler(), config.seed, 0, first, b, users.data(), pos.data(), neg.data());
    loss.set_zero();
    model->compute_gradients(detail::TripleBatch{0, first, b, users.data(), pos.data(), neg.data()}, loss.data());
    return loss.to_host()[0];
  }
  std::vector<float> reps(bool users) const {
    const int64_t n = users ? inputs.context().data->n_users : inputs.context().data->n_items;
    std::vector<float> out(static_cast<size_t>(n * model->rep_dim()));
    dev.download(out.data(), users ? model->user_rep() : model->item_rep(), out.size() * sizeof(float));
    return out;
  }
};

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// make_comm: the one-process communicator the sharded path runs over, on the device.
inline void expect_sharded_path_equals_single(
    detail::Device& dev, const std::string& model,
    const std::function<std::unique_ptr<detail::Communicator>(detail::Device&)>& make_comm) {
  SCOPED_TRACE(model);
  const Dataset data = batch_rows_dataset();
  TrainConfig c = batch_rows_config(model, "bpr");
  c.device = dev.is_cuda() ? "cuda" : "cpu";
  c.deterministic = true;
  const detail::ShardLayout one{0, 1, {0, data.n_users}, {0, data.n_items}};
  PathModel single(data, c, dev, nullptr, std::nullopt), sharded(data, c, dev, make_comm(dev), one);
  for (const auto& [first, b] : {std::pair<int64_t, int64_t>{0, 32}, std::pair<int64_t, int64_t>{32, 19}}) {
    SCOPED_TRACE("batch at " + std::to_string(first));
    EXPECT_EQ(sharded.step(first, b), single.step(first, b)) << "loss";
    const auto& p = single.model->params().all();
    const auto& q = sharded.model->params().all();
    ASSERT_EQ(p.size(), q.size());
    for (size_t k = 0; k < p.size(); ++k) {
      EXPECT_TRUE(same_bits(q[k]->value.to_host(), p[k]->value.to_host())) << p[k]->name << " value";
      EXPECT_TRUE(same_bits(q[k]->grad.to_host(), p[k]->grad.to_host())) << p[k]->name << " gradient";
    }
    single.model->params().adam_step(0.01f);
    sharded.model->params().adam_step(0.01f);
  }
  single.model->propagate();
  sharded.model->propagate();
  EXPECT_TRUE(same_bits(sharded.reps(true), single.reps(true))) << "user representations";
  EXPECT_TRUE(same_bits(sharded.reps(false), single.reps(false))) << "item representations";
}

}  // namespace mmgraph::testing
