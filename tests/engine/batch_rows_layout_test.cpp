// A GPU lays a batch's rows out padded (kernels/batch_rows.h), so that a step reads no row
// count back; the CPU packs them. Every model, with every objective and its shipped loss
// terms, trained two steps on a CPU device that pads must match the packing CPU: the padded
// rows gather zeros, reach no table and weigh nothing in InfoNCE, so they add only exact
// zeros; what may differ is the order of float sums (a GEMM over rows interleaved with zero
// rows, InfoNCE's log-sum-exp including their columns), hence the tolerance of 1e-5 relative
// to each tensor's largest magnitude.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/model.h"
#include "engine/src/training_inputs.h"
#include "support/model_configs.h"

namespace mmgraph {
namespace {

struct LayoutModel {
  TrainConfig config;  // kept: the inputs and the model refer to it
  std::unique_ptr<detail::Device> dev;
  detail::TrainingInputs inputs;
  std::unique_ptr<detail::Model> model;
  detail::Buffer<double> loss;
  LayoutModel(const Dataset& data, TrainConfig c, bool padded)
      : config(std::move(c)), dev(detail::make_cpu_device(padded)), inputs(data, config, *dev),
        model(detail::make_model(config.model, inputs.context())), loss(detail::Buffer<double>::zeros(*dev, 1, "loss")) {
    model->begin_epoch(0);
  }
  // One step on the batch starting at `first` of epoch 0: the step's loss; the gradients stay in the parameters.
  double step(int64_t first, int64_t b) {
    std::vector<int32_t> users(b), pos(b), neg(b);
    dev->sample_triples(inputs.sampler(), config.seed, 0, first, b, users.data(), pos.data(), neg.data());
    const detail::TripleBatch batch{0, first, b, users.data(), pos.data(), neg.data()};
    loss.set_zero();
    model->compute_gradients(batch, loss.data());
    return loss.to_host()[0];
  }
};

// |got - want| <= tol * (1 + max |want|), element by element.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 1;
  for (const float w : want) scale = std::max(scale, 1.0 + std::fabs(static_cast<double>(w)));
  for (size_t e = 0; e < got.size(); ++e)
    ASSERT_LE(std::fabs(static_cast<double>(got[e]) - want[e]), tol * scale) << what << " element " << e;
}

TEST(BatchRowsLayout, PaddedRowsTrainLikePackedRows) {
  const Dataset data = testing::batch_rows_dataset();
  const double tol = 1e-5;
  for (const std::string& name : detail::model_names()) for (const std::string& loss : testing::objectives()) {
    SCOPED_TRACE(name + "/" + loss);
    const TrainConfig c = testing::batch_rows_config(name, loss);
    LayoutModel packed(data, c, false), padded(data, c, true);
    // A full batch, then a shorter one (an epoch's last), after an Adam step on the first.
    for (const auto& [first, b] : {std::pair<int64_t, int64_t>{0, 32}, std::pair<int64_t, int64_t>{32, 19}}) {
      SCOPED_TRACE("batch at " + std::to_string(first));
      const double want = packed.step(first, b), got = padded.step(first, b);
      EXPECT_NEAR(got, want, tol * (1 + std::fabs(want))) << "loss";
      const auto& pp = packed.model->params().all();
      const auto& qp = padded.model->params().all();
      ASSERT_EQ(pp.size(), qp.size());
      for (size_t k = 0; k < pp.size(); ++k) {
        expect_close(qp[k]->value.to_host(), pp[k]->value.to_host(), tol, pp[k]->name + " value");
        expect_close(qp[k]->grad.to_host(), pp[k]->grad.to_host(), tol, pp[k]->name + " gradient");
      }
      packed.model->params().adam_step(0.01f);
      padded.model->params().adam_step(0.01f);
    }
  }
}

}  // namespace
}  // namespace mmgraph
