// Every model's backward pass against central finite differences of its own
// loss: for each parameter tensor, the element with the largest gradient and a few
// random elements, most of them among those with a clearly non-zero gradient (see
// tests/support/finite_difference.h). This checks the composition of the ops (each op's own
// backward is checked in float64 in tests/kernels/); it runs in float32 on the
// CPU device, so the tolerance is loose (see kAbsTol, kRelTol) but a missing term, a
// transposed product or a dropped scale factor moves a gradient far outside it.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/models/blocks/objective.h"
#include "engine/src/device.h"
#include "engine/src/model.h"
#include "engine/src/training_inputs.h"
#include "mmgraph/synthetic.h"
#include "support/finite_difference.h"
#include "support/model_configs.h"

namespace mmgraph {
namespace {

struct GradientCase {
  std::string model;
  std::string loss;
};

std::ostream& operator<<(std::ostream& os, const GradientCase& c) { return os << c.model << "/" << c.loss; }

class ModelGradient : public ::testing::TestWithParam<GradientCase> {};

// Parameters whose gradient is zero by construction: FREEDOM's and LATTICE's projections
// H = F W + b reach the loss only through BPR(u, H[pos], H[neg]) (LATTICE's graph is a
// k-nearest-neighbour choice on H, with no gradient), where the bias b cancels.
bool zero_by_construction(const std::string& model, const std::string& param) {
  return (model == "freedom" || model == "lattice") && param.ends_with(".proj.bias");
}

TEST_P(ModelGradient, MatchesFiniteDifferences) {
  const GradientCase gc = GetParam();
  omp_set_num_threads(1);  // tiny sizes: threads only add barriers (and the sums stay in one order)
  SyntheticOptions s;
  s.users = 40;
  s.items = 30;
  s.interactions = 500;
  s.image_dim = 7;
  s.text_dim = 5;
  s.seed = 5;
  Dataset data = make_synthetic_dataset(s);
  // Items 0 and 1 lose their training interactions: the gradient must hold with cold items present
  // (no loss term reads their rows; evaluation places them, blocks/cold_items.h).
  InteractionCsr train;
  train.row_ptr.push_back(0);
  for (int32_t u = 0; u < data.n_users; ++u) {
    for (int64_t k = data.train.row_ptr[u]; k < data.train.row_ptr[u + 1]; ++k)
      if (data.train.col[k] > 1) train.col.push_back(data.train.col[k]);
    train.row_ptr.push_back(train.nnz());
  }
  data.train = std::move(train);
  TrainConfig c = testing::shipped_config(gc.model);
  c.loss = gc.loss;
  c.device = "cpu";
  c.embedding_size = 6;
  c.n_layers = 2;
  c.n_mm_layers = 2;
  c.knn_k = 4;
  c.dropout = 0.3;
  c.mm_bpr_weight = 0.3;
  c.cl_weight = 0.5;
  c.cl_temperature = 0.5;
  c.reg_weight = 0.05;
  c.train_batch_size = 24;
  c.seed = 11;

  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const detail::TrainingInputs inputs(data, c, *dev);
  std::unique_ptr<detail::Model> model = detail::make_model(c.model, inputs.context());
  std::vector<int32_t> users(24), pos(24), neg(24);
  dev->sample_triples(inputs.sampler(), c.seed, 0, 0, 24, users.data(), pos.data(), neg.data());
  const detail::TripleBatch batch{0, 0, 24, users.data(), pos.data(), neg.data()};
  // Every parameter at 3 times its initial value: at the initial scale the attention
  // gradients of MGCN and mmgraph (at most 3.5e-4) are within the tolerance below of zero,
  // so their check could not tell a wrong gradient from a right one.
  for (const auto& p : model->params().all()) {
    std::vector<float> value = p->value.to_host();
    for (float& v : value) v *= 3;
    p->value.upload(value);
  }
  model->begin_epoch(0);

  auto loss_at = [&]() {
    double loss = 0;
    model->compute_gradients(batch, &loss);
    return loss;
  };
  loss_at();
  std::vector<std::vector<float>> analytic;
  for (const auto& p : model->params().all()) analytic.push_back(p->grad.to_host());

  // Central differences with step h in float32: truncation O(h^2) (~1e-5 relative here),
  // rounding O(1e-7 |loss| / h) ~ 5e-5; |fd - g| <= 2e-4 + 1e-2 max(|fd|, |g|) leaves room
  // for both, while halving one path of a gradient (tried: the item graph's share of
  // dE_i in mmgraph) fails it. The checked entries of a tensor are its largest, 5 drawn
  // among those above 4e-4 (twice the absolute tolerance, so that a difference of zero
  // fails them; a tensor needs kMinNonzeroEntries of them) and 2 among the rest; every
  // entry of a tensor whose gradient is zero by construction.
  constexpr float kStep = 2e-3f;
  constexpr double kAbsTol = 2e-4, kRelTol = 1e-2, kNonzero = 2 * kAbsTol;
  std::mt19937 rng(17);
  int checked = 0;
  const auto& params = model->params().all();
  for (size_t t = 0; t < params.size(); ++t) {
    detail::Param& p = *params[t];
    std::vector<float> value = p.value.to_host();
    std::vector<size_t> picks;
    if (zero_by_construction(gc.model, p.name)) {
      EXPECT_TRUE(testing::entries_above(analytic[t], kNonzero).empty()) << gc << " parameter " << p.name;
      for (size_t e = 0; e < value.size(); ++e) picks.push_back(e);
    } else {
      ASSERT_TRUE(testing::sample_checked_entries(analytic[t], kNonzero, 5, 2, rng, p.name, picks)) << gc;
    }
    for (size_t e : picks) {
      const float saved = value[e];
      value[e] = saved + kStep;
      p.value.upload(value);
      const double plus = loss_at();
      value[e] = saved - kStep;
      p.value.upload(value);
      const double minus = loss_at();
      value[e] = saved;
      p.value.upload(value);
      const double fd = (plus - minus) / (2.0 * kStep);
      const double g = analytic[t][e];
      EXPECT_NEAR(fd, g, kAbsTol + kRelTol * std::max(std::fabs(fd), std::fabs(g)))
          << gc << " parameter " << p.name << " element " << e;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

// Every model of the registry with every smooth objective. WARP is left out: which
// negative it charges is a discrete choice, so a finite difference can cross a switch.
std::vector<GradientCase> every_model_and_smooth_objective() {
  std::vector<GradientCase> cases;
  for (const std::string& model : detail::model_names())
    for (const std::string& loss : testing::objectives())
      if (loss != "warp") cases.push_back({model, loss});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllModels, ModelGradient, ::testing::ValuesIn(every_model_and_smooth_objective()),
                         [](const ::testing::TestParamInfo<GradientCase>& p) {
                           return p.param.model + "_" + p.param.loss;
                         });

// A model on small synthetic data: the device, inputs and model its config makes (at epoch 0).
struct RowsModel {
  TrainConfig config;  // kept: the inputs and the model refer to it
  std::unique_ptr<detail::Device> dev;
  detail::TrainingInputs inputs;
  std::unique_ptr<detail::Model> model;
  RowsModel(const Dataset& data, TrainConfig c)
      : config(std::move(c)), dev(detail::make_cpu_device()), inputs(data, config, *dev),
        model(detail::make_model(config.model, inputs.context())) {
    model->begin_epoch(0);
  }
};

// The loss of `batch` computed over every row: the objective over the representations that
// propagate() gives every row, plus the L2 (config reg_weight) on the batch's rows of the
// layer-0 tables user_emb0 [users x rep_dim] and item_emb0 [items x rep_dim]. Call after propagate().
double full_loss(RowsModel& m, const Dataset& data, const detail::TripleBatch& batch, const float* user_emb0,
                 const float* item_emb0) {
  const int64_t d = m.model->rep_dim();
  std::vector<float> grad_u(static_cast<size_t>(data.n_users * d)), grad_i(static_cast<size_t>(data.n_items * d));
  std::vector<float> grad_u0(grad_u.size()), grad_i0(grad_i.size());
  detail::Objective objective(m.inputs.context());
  double loss = 0;
  objective.add(batch, d, m.model->user_rep(), m.model->item_rep(), grad_u.data(), grad_i.data(), user_emb0,
                item_emb0, grad_u0.data(), grad_i0.data(), &loss);
  return loss;
}

// The batch the BatchRows tests step on: the first 32 triples of epoch 0.
struct RowsBatch {
  std::vector<int32_t> users, pos, neg;
  detail::TripleBatch batch;
  explicit RowsBatch(RowsModel& m) : users(32), pos(32), neg(32) {
    m.dev->sample_triples(m.inputs.sampler(), m.config.seed, 0, 0, 32, users.data(), pos.data(), neg.data());
    batch = detail::TripleBatch{0, 0, 32, users.data(), pos.data(), neg.data()};
  }
};

// Every model, with every objective and no other loss term: the step's loss must equal the
// objective over the representations of every row (propagate). Models that compute a step's
// representations only at the batch's rows (MGCN's fuser, LightGCN's last layer, VBPR's
// projection) would read a stale or zero representation at a row the step leaves out (WARP's
// candidates, say).
TEST(BatchRows, LossEqualsTheObjectiveOverEveryRowsRepresentations) {
  const Dataset data = testing::batch_rows_dataset();
  for (const std::string& name : detail::model_names()) for (const std::string& loss : testing::objectives()) {
    SCOPED_TRACE(name + "/" + loss);
    TrainConfig c = testing::batch_rows_config(name, loss);
    // The objective alone: no InfoNCE, modality BPR or L2 term, and no edges pruned for training.
    c.cl_weight = 0;
    c.mm_bpr_weight = 0;
    c.reg_weight = 0;
    c.dropout = 0;
    RowsModel m(data, c);
    const RowsBatch b(m);
    double rows_loss = 0;
    m.model->compute_gradients(b.batch, &rows_loss);
    m.model->propagate();
    const double full = full_loss(m, data, b.batch, m.model->user_rep(), m.model->item_rep());
    EXPECT_NEAR(rows_loss, full, 1e-6 * std::fabs(full));
  }
}

// The model's id embedding table E = [E_u; E_i]: a row-sharded parameter over every user's and
// item's row at the representations' width; nullptr when the model has none.
const detail::Param* id_embedding(detail::Model& model, const Dataset& data) {
  const std::vector<int64_t> shape = {static_cast<int64_t>(data.n_users) + data.n_items, model.rep_dim()};
  for (const auto& p : model.params().all())
    if (p->placement.row_sharded && p->placement.global_shape == shape) return p.get();
  return nullptr;
}

// Every model with the L2 term on (objectives with the L2 fused into BPR and added on its own):
// the step's loss must equal the full computation, the objective over every row's
// representations plus the L2 over every row of the model's layer-0 tables. Those are its id
// embedding table E where its representations are propagated from E, or its representations
// themselves (the L2 of MMRec's MGCN and VBPR); the full computation is made over each table the
// model has, and the step must match one of them. A step whose L2 reads a row it left stale or
// zero, or a row of another node, matches neither.
TEST(BatchRows, LossWithTheL2EqualsTheFullComputation) {
  const Dataset data = testing::batch_rows_dataset();
  for (const std::string& name : detail::model_names()) for (const char* loss : {"bpr", "warp"}) {
    SCOPED_TRACE(name + "/" + loss);
    TrainConfig c = testing::batch_rows_config(name, loss);
    c.cl_weight = 0;
    c.mm_bpr_weight = 0;
    c.dropout = 0;
    c.reg_weight = 0.05;  // on for every model, also where the shipped config turns it off
    RowsModel m(data, c);
    const RowsBatch b(m);
    double rows_loss = 0;
    m.model->compute_gradients(b.batch, &rows_loss);
    m.model->propagate();
    std::vector<std::pair<std::string, double>> full = {
        {"representations", full_loss(m, data, b.batch, m.model->user_rep(), m.model->item_rep())}};
    if (const detail::Param* e = id_embedding(*m.model, data)) {
      const float* rows = e->value.data();
      full.emplace_back("id embedding", full_loss(m, data, b.batch, rows, rows + data.n_users * m.model->rep_dim()));
    }
    std::string matched;
    std::ostringstream tried;
    tried.precision(17);
    for (const auto& [tables, value] : full) {
      if (std::fabs(rows_loss - value) <= 1e-6 * std::fabs(value)) matched = tables;
      tried << "; with the L2 over the " << tables << " " << value;
    }
    EXPECT_FALSE(matched.empty()) << "step loss " << rows_loss << ", full computation" << tried.str();
  }
}

// Every model: a step must give the same gradients whatever step came before (LightGCN, say,
// keeps per-step scratch: its dX is cleared by its backward, at the batch's rows alone).
TEST(BatchRows, StepsLeaveNothingBehindForTheNext) {
  SyntheticOptions s;
  s.users = 60;
  s.items = 45;
  s.interactions = 900;
  s.seed = 9;
  const Dataset data = make_synthetic_dataset(s);
  for (const std::string& name : detail::model_names()) for (const char* loss : {"bpr", "warp"}) {
    SCOPED_TRACE(name + "/" + loss);
    RowsModel m(data, testing::batch_rows_config(name, loss));
    auto& [config, dev, inputs, model] = m;
    std::vector<int32_t> users(64), pos(64), neg(64);
    dev->sample_triples(inputs.sampler(), config.seed, 0, 0, 64, users.data(), pos.data(), neg.data());
    const detail::TripleBatch first{0, 0, 32, users.data(), pos.data(), neg.data()};
    const detail::TripleBatch second{0, 32, 32, users.data() + 32, pos.data() + 32, neg.data() + 32};
    const auto gradients = [&](const detail::TripleBatch& batch) {
      double loss_sum = 0;
      model->compute_gradients(batch, &loss_sum);
      std::vector<std::vector<float>> g;
      for (const auto& p : model->params().all()) g.push_back(p->grad.to_host());
      return g;
    };
    const auto before = gradients(first);
    gradients(second);
    EXPECT_EQ(gradients(first), before);
  }
}

}  // namespace
}  // namespace mmgraph
