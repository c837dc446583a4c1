// The memory plan of a training run (see mmgraph/memory_plan.h). Each function below counts
// what one piece of the engine allocates on the device (the Buffers of its constructor and of its
// steps), named after that piece; a model's plan adds up the pieces it is built of. Sizes are of
// one process of P: it owns u = ceil(U / P) users and i = ceil(I / P) items (n = u + i rows of
// [users; items] tables), a 1/P share of Â's entries and of each split's interactions.
//
// Assumptions, stated once:
// - Every user ranked by an evaluation has held-out items (its users are all u users).
// - A kNN item graph of M modalities has M x i x knn_k entries (their union can only be smaller);
//   LATTICE's mixed graph twice that, mmgraph's (M + 1) x i x knn_k (one re-learnt view).
// - A batch of B triples touches U (1 - (1 - 1/U)^B) distinct users and I (1 - (1 - 1/I)^2B)
//   distinct items (uniform draws: an upper estimate for skewed degrees).
// - Over P > 1 processes the halo of a process is (N - N/P)(1 - (1 - 1/P)^deg) rows, deg the mean
//   training degree 2T / N, the random-ownership model of bench/results/distributed.md
//   (contiguous blocks behave so; METIS halos are about 0.73 of it).
// - The evaluation's block of scores and the ops' scratch are counted together, as the CPU holds
//   them (a GPU shares one pool between them, so the plan is an upper bound there).
#include "mmgraph/memory_plan.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "io/binary_cache.h"
#include "io/synthetic_generator.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"

namespace mmgraph {

namespace {

constexpr int64_t kFloat = 4, kBf16 = 2, kInt32 = 4, kInt64 = 8, kDouble = 8;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Expected distinct values among `draws` uniform draws from `n`.
int64_t distinct_draws(int64_t n, int64_t draws) {
  if (n <= 0) return 0;
  const double expected = static_cast<double>(n) * -std::expm1(static_cast<double>(draws) * std::log1p(-1.0 / static_cast<double>(n)));
  return std::min<int64_t>(n, static_cast<int64_t>(std::ceil(expected)));
}

// Bytes of a device CSR of `rows` rows and `entries` entries (row_ptr int64, col int32, val float when weighted).
int64_t csr_bytes(int64_t rows, int64_t entries, bool weighted = true) {
  return kInt64 * (rows + 1) + (kInt32 + (weighted ? kFloat : 0)) * entries;
}

// One process's share of the run: the rows and entries it holds.
struct Shard {
  int processes = 1;
  int64_t users = 0, items = 0;  // owned
  int64_t rows() const { return users + items; }
  int64_t halo = 0;              // halo rows of [users; items] tables (P > 1)
  int64_t adjacency_entries = 0; // its rows' entries of Â
  int64_t train = 0, valid = 0, test = 0;  // its users' interactions
};

Shard shard_of(const DataSizes& data, int p) {
  Shard s;
  s.processes = p;
  s.users = ceil_div(data.users, p);
  s.items = ceil_div(data.items, p);
  s.adjacency_entries = ceil_div(2 * data.train, p);
  s.train = ceil_div(data.train, p);
  s.valid = ceil_div(data.valid, p);
  s.test = ceil_div(data.test, p);
  if (p > 1) {
    const double n = static_cast<double>(data.users + data.items);
    const double degree = n > 0 ? 2.0 * static_cast<double>(data.train) / n : 0.0;
    s.halo = static_cast<int64_t>(std::ceil((n - n / p) * (1.0 - std::pow(1.0 - 1.0 / p, degree))));
  }
  return s;
}

// Adds to a plan's parts; parameters come with their gradient and Adam's m and v (ParamSet::add).
struct Tally {
  MemoryPlan plan;
  void add(MemoryPart part, int64_t bytes) { plan.bytes[static_cast<size_t>(part)] += bytes; }
  void params(int64_t floats) {
    add(MemoryPart::kParameters, kFloat * floats);
    add(MemoryPart::kGradients, kFloat * floats);
    add(MemoryPart::kAdamMoments, 2 * kFloat * floats);
  }
  // Parameters with bf16 storage (params.h add_bf16): bf16 values and moments, float32 gradients.
  void params_bf16(int64_t values) {
    add(MemoryPart::kParameters, kBf16 * values);
    add(MemoryPart::kGradients, kFloat * values);
    add(MemoryPart::kAdamMoments, 2 * kBf16 * values);
  }
};

struct Context {
  const TrainConfig& c;
  const DataSizes& data;
  Shard s;
  int64_t d;                       // embedding_size
  int64_t m;                       // modalities
  int64_t feature_width;           // sum of the feature widths
  int64_t widest;                  // the widest feature
  int64_t k;                       // knn_k, at most the items
  bool bf16;                       // feature_storage: bf16
  int64_t batch_users, batch_items;  // distinct users and items of a batch
};

// TrainingInputs, the trainer and the evaluation, for every model: Â (this process's rows), the
// training CSR, the sampler's pairs and negative pool (whole on every process), the batch's ids;
// the valid and test splits' users, held-out items and masks of the users ranked here, and one
// block of scores (eval_batch_size / P users x every item) with its user rows and top-K lists;
// over several processes the gathered item table.
void add_run(const Context& x, int64_t rep_dim, Tally& t) {
  const DataSizes& data = x.data;
  const Shard& s = x.s;
  t.add(MemoryPart::kUserItemGraph, csr_bytes(s.rows(), s.adjacency_entries) +
                                        csr_bytes(data.users, data.train, false) + kInt32 * data.train +
                                        kInt32 * data.items);
  t.add(MemoryPart::kWorkspace, 3 * kInt32 * x.c.train_batch_size);
  const int64_t u = s.users;
  auto split = [&](int64_t held, bool valid_mask) {
    return kInt32 * u + csr_bytes(u, held, false) + csr_bytes(u, s.train, false) +
           (valid_mask ? csr_bytes(u, s.valid, false) : 0);
  };
  t.add(MemoryPart::kEvaluation, split(s.valid, false) + split(s.test, x.c.test_masks_valid));
  const int k_max = x.c.topk.empty() ? 0 : *std::max_element(x.c.topk.begin(), x.c.topk.end());
  const int64_t block = std::min(u, std::max<int64_t>(1, ceil_div(x.c.eval_batch_size, s.processes)));
  const int64_t scores = kFloat * block * (data.items + rep_dim) + kInt32 * block * k_max;
  // Over P > 1 processes the gathered item table, and after a best validation every user's row
  // (gathered for the result, once the block of scores is released).
  if (s.processes == 1)
    t.add(MemoryPart::kEvaluation, scores);
  else
    t.add(MemoryPart::kEvaluation, kFloat * data.items * rep_dim + std::max(scores, kFloat * data.users * rep_dim));
}

// The width of the representations the evaluation ranks.
int64_t rep_dim(const TrainConfig& c) { return c.model == "vbpr" ? 2 * int64_t{c.embedding_size} : c.embedding_size; }

// Bytes of an OwnerGather (blocks/owner_gather.h) of `rows` distinct rows of width `width` over P
// processes: the rows received, and this process's share of them sent.
int64_t owner_gather_bytes(const Context& x, int64_t rows, int64_t width) {
  return kFloat * width * (rows + ceil_div(rows, x.s.processes));
}

// Objective (blocks/objective.h): the pointwise losses' examples and targets, WARP's candidates.
// Over P > 1 processes, when the model hands it node tables (every model but VBPR, which gathers
// its own rows), also the batch's distinct rows of the representations, the layer-0 table and
// their gradients (4 tables), gathered from their owners.
void add_objective(const Context& x, Tally& t, bool gathers_rows = true) {
  const int64_t b = x.c.train_batch_size;
  if (x.c.loss == "bce" || x.c.loss == "mse") t.add(MemoryPart::kWorkspace, 4 * kInt32 * b + 2 * kFloat * b);
  if (x.c.loss == "warp") t.add(MemoryPart::kWorkspace, kInt32 * b * x.c.warp_candidates);
  if (x.s.processes == 1 || !gathers_rows) return;
  const int64_t w = rep_dim(x.c);
  t.add(MemoryPart::kWorkspace, 4 * kFloat * w * (x.batch_users + x.batch_items) +
                                    owner_gather_bytes(x, x.batch_users, w) + owner_gather_bytes(x, x.batch_items, w));
}

// The rooms of a batch's distinct rows (kernels::padded_batch_row_sizes): users, positives, others.
int64_t batch_room(const Context& x) {
  const int64_t b = x.c.train_batch_size, extra = x.c.loss == "warp" ? b * x.c.warp_candidates : 0;
  return std::min(b, x.data.users) + std::min(b, x.data.items) + std::min(b + extra, x.data.items);
}

// BatchRowSet (blocks/batch_rows.h): the batch's rows and their counts.
void add_batch_rows(const Context& x, Tally& t) {
  t.add(MemoryPart::kWorkspace, kInt32 * (batch_room(x) + 2 * x.c.train_batch_size));
}

// EmbeddingModel and its Propagation (blocks/embedding_model.h, propagation.h): the table E
// [n x d]; FREEDOM's pruned Â (the whole graph, every process prunes it alike); MGCN's row blocks
// of Â; over several processes the two with-halo tables the layer-at-a-time passes alternate
// between; with one process the passes' work [2 x n x d] where the model asks for it.
void add_embedding(const Context& x, int layers, bool prune, bool row_blocks, bool user_item_work, Tally& t) {
  const Shard& s = x.s;
  t.params(s.rows() * x.d);
  if (prune) {
    const int64_t keep = static_cast<int64_t>(static_cast<double>(x.data.train) * (1.0 - x.c.dropout));
    t.add(MemoryPart::kUserItemGraph, csr_bytes(x.data.users + x.data.items, 2 * keep));
  }
  if (row_blocks) t.add(MemoryPart::kUserItemGraph, csr_bytes(s.users, 0) + csr_bytes(s.items, s.adjacency_entries));
  // Over P > 1 processes: the tables with their halo rows, and the send buffer of the rows others
  // hold as halo (as many, in the random-ownership model, as this process's halo).
  if (s.processes > 1 && layers > 0) t.add(MemoryPart::kPropagation, kFloat * (2 * s.rows() + 3 * s.halo) * x.d);
  if (s.processes == 1 && user_item_work) t.add(MemoryPart::kPropagation, 2 * kFloat * s.rows() * x.d);
}

// Modalities and Projections (blocks/modalities.h): the features of the items held here, each
// modality's projection [dim x d] + [d], and with learn_features the features again as parameters
// (stored as the features are).
void add_modalities(const Context& x, Tally& t) {
  t.add(MemoryPart::kFeatures, (x.bf16 ? kBf16 : kFloat) * x.s.items * x.feature_width);
  t.params(x.feature_width * x.d + x.m * x.d);
  if (!x.c.learn_features) return;
  if (x.bf16)
    t.params_bf16(x.s.items * x.feature_width);
  else
    t.params(x.s.items * x.feature_width);
}

// BatchModalityBpr (blocks/modalities.h) when mm_bpr_weight > 0: float32 storage projects the
// batch's distinct items (and gathers its users' rows); bf16 every item held here. With a fusion
// (mmgraph's attention) also the fused view and the attention's activations and scratch.
void add_modality_bpr(const Context& x, bool fusion, Tally& t) {
  if (x.c.mm_bpr_weight <= 0) return;
  const int64_t d = x.d, m = x.m;
  int64_t rows = x.batch_items, floats = 0;
  if (x.bf16) {
    rows = x.s.items;
    floats = 2 * m * rows * d;
  } else {
    t.add(MemoryPart::kWorkspace, 3 * kInt32 * x.c.train_batch_size);
    floats = 2 * x.batch_users * d + 2 * m * rows * d + rows * x.feature_width + rows * x.widest;
  }
  if (fusion) floats += 2 * rows * d + m * rows * d + rows * m + m * rows * (d + 1);
  t.add(MemoryPart::kWorkspace, kFloat * floats);
}

// ItemGraph (blocks/item_graph.h): S and S^T of `entries` entries over the items held here.
void add_item_graph(const Context& x, int64_t entries, Tally& t) {
  t.add(MemoryPart::kItemItemGraphs, 2 * csr_bytes(x.s.items, entries));
}

// The scratch the CPU device keeps for InfoNCE over k rows of width d (kernels/infonce.h): the
// k x k logits, 4 k x d rows and k floats, 3 k doubles.
int64_t infonce_scratch(int64_t k, int64_t d) { return kFloat * (k * k + 4 * k * d + k) + kDouble * 3 * k; }

// ColdItems (blocks/cold_items.h): when cold_scale > 0 and some items are cold, the calibration's
// sum and work [i x d] (and one more with several graphs), allocated by the first evaluation.
void add_cold_items(const Context& x, int graphs, Tally& t) {
  if (x.c.cold_scale <= 0 || !x.data.cold_items) return;
  t.add(MemoryPart::kPropagation, (graphs > 1 ? 3 : 2) * kFloat * x.s.items * x.d);
}

// BPR-MF and LightGCN (models/lightgcn.cpp): E; with layers the propagated table X, its gradient
// and the pass's work, and the batch's rows.
void plan_lightgcn(const Context& x, int layers, Tally& t) {
  add_embedding(x, layers, false, false, layers > 0, t);
  add_objective(x, t);
  if (layers == 0) return;
  t.add(MemoryPart::kPropagation, 2 * kFloat * x.s.rows() * x.d);
  add_batch_rows(x, t);
}

// VBPR (models/vbpr.cpp): user embeddings [u x 2d], item embeddings [i x d], the projection of
// the concatenated features [W x d] + [d]; the item representations [i x 2d], their gradient and
// the projections [i x d]; the batch items' features, projections, embeddings and representations.
void plan_vbpr(const Context& x, Tally& t) {
  const int64_t d = x.d, i = x.s.items;
  t.add(MemoryPart::kFeatures, (x.bf16 ? 2 : kFloat) * i * x.feature_width);
  t.params(x.s.users * 2 * d + i * d + x.feature_width * d + d);
  t.add(MemoryPart::kPropagation, kFloat * (2 * i * 2 * d + i * d));
  const int64_t b = x.c.train_batch_size, extra = x.c.loss == "warp" ? b * x.c.warp_candidates : 0;
  const int64_t rows = std::min(b, x.data.items) + std::min(b + extra, x.data.items);
  t.add(MemoryPart::kWorkspace, kFloat * rows * (x.feature_width + 4 * d));
  // Over P > 1 processes: the batch items' representation gradients, the batch's user rows and
  // their gradients [B x 2d], and the gathers of the items' features and embeddings and of the
  // users' rows.
  if (x.s.processes > 1)
    t.add(MemoryPart::kWorkspace, kFloat * (rows * 2 * d + 2 * b * 2 * d) +
                                      owner_gather_bytes(x, x.batch_items, std::max(x.feature_width, d)) +
                                      owner_gather_bytes(x, x.batch_users, 2 * d));
  add_batch_rows(x, t);
  add_objective(x, t, false);
}

// FREEDOM (models/freedom.cpp): E with the pruned Â, the features and projections, the frozen
// graph S; X and its gradient [n x d], h [i x d], the work max(2 n d, 2 i d); the modality BPR.
void plan_freedom(const Context& x, Tally& t) {
  const int64_t d = x.d, n = x.s.rows(), i = x.s.items;
  add_embedding(x, x.c.n_layers, x.c.dropout > 0, false, false, t);
  add_modalities(x, t);
  add_item_graph(x, x.m * i * x.k, t);
  t.add(MemoryPart::kPropagation, kFloat * (2 * n * d + i * d + std::max(x.s.processes == 1 ? 2 * n * d : 0, 2 * i * d)));
  add_modality_bpr(x, false, t);
  add_cold_items(x, 1, t);
  add_objective(x, t);
}

// LATTICE (models/lattice.cpp): as FREEDOM without pruning, the mixed graph S (frozen and
// re-learnt), h, h / |h| and dh [i x d], and the projections [M x i x d] S is re-learnt from.
void plan_lattice(const Context& x, Tally& t) {
  const int64_t d = x.d, n = x.s.rows(), i = x.s.items;
  add_embedding(x, x.c.n_layers, false, false, false, t);
  add_modalities(x, t);
  add_item_graph(x, 2 * x.m * i * x.k, t);
  t.add(MemoryPart::kPropagation,
        kFloat * (2 * n * d + 3 * i * d + x.m * i * d + std::max(x.s.processes == 1 ? 2 * n * d : 0, 2 * i * d)));
  add_modality_bpr(x, false, t);
  add_cold_items(x, 1, t);
  add_objective(x, t);
}

// MGCN (models/mgcn.cpp): E with Â's row blocks, the features and projections, per modality a
// purifier and a preference layer [d x d] + [d] and its kNN graph, the attention [d x d] + 2 [d];
// the [n x d] tables x, dx, side, rep, drep; the fuser's [R x d] tables (R = max(n, the batch's
// rows)), its work; per modality [i x d] activations (5), [n x d] views (2), [R x d] fuser
// activations (3); the batch's rows of 6 tables and of the views; InfoNCE's scratch over the
// batch's distinct users, then its distinct positives.
void plan_mgcn(const Context& x, Tally& t) {
  const int64_t d = x.d, n = x.s.rows(), i = x.s.items, m = x.m;
  add_embedding(x, x.c.n_layers, false, true, false, t);
  add_modalities(x, t);
  t.params(m * 2 * (d * d + d) + d * d + 2 * d);
  for (int64_t j = 0; j < m; ++j) add_item_graph(x, i * x.k, t);
  const int64_t room = batch_room(x), r = std::max(n, room);
  const int64_t work = std::max(2 * r * d, m * r * (d + 1));
  t.add(MemoryPart::kPropagation,
        kFloat * (5 * n * d + 4 * r * d + work + 5 * m * i * d + 2 * m * n * d + 3 * m * r * d + r * m));
  t.add(MemoryPart::kWorkspace, kFloat * (6 + 2 * m) * room * d);
  if (x.c.cl_weight > 0)
    t.add(MemoryPart::kWorkspace,
          infonce_scratch(std::max(x.batch_users, distinct_draws(x.data.items, x.c.train_batch_size)), d));
  add_batch_rows(x, t);
  add_cold_items(x, static_cast<int>(m), t);
  add_objective(x, t);
}

// mmgraph (models/mmgraph.cpp): E (pruned Â when dropout > 0), the features and projections, the
// attention [d x d] + 2 [d], the mixed graph S; x, dx, rep, drep [n x d]; h, h / |h|, dh, z
// [i x d]; the projections and attention activations [M x i x d] and weights [i x M]; the work
// max(2 n d, 2 i d, the attention's); InfoNCE's rows [4 x B x d] and its scratch (the CPU's
// scratch over the B positives); the fused modality BPR.
void plan_mmgraph(const Context& x, Tally& t) {
  const int64_t d = x.d, n = x.s.rows(), i = x.s.items, m = x.m, b = x.c.train_batch_size;
  add_embedding(x, x.c.n_layers, x.c.dropout > 0, false, false, t);
  add_modalities(x, t);
  t.params(d * d + 2 * d);
  add_item_graph(x, (m + 1) * i * x.k, t);
  const int64_t work = std::max({x.s.processes == 1 ? 2 * n * d : 0, 2 * i * d, m * i * (d + 1)});
  t.add(MemoryPart::kPropagation, kFloat * (4 * n * d + 4 * i * d + 2 * m * i * d + i * m + work));
  if (x.c.cl_weight > 0)
    t.add(MemoryPart::kWorkspace, kFloat * 4 * b * d + infonce_scratch(b, d));
  add_modality_bpr(x, true, t);
  add_cold_items(x, 1, t);
  add_objective(x, t);
}

DataSizes manifest_sizes(const std::filesystem::path& dir) {
  const std::string path = (dir / "manifest.json").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const io::Manifest manifest = io::parse_manifest(text.str(), path);
  DataSizes s;
  s.name = manifest.name;
  s.users = manifest.n_users;
  s.items = manifest.n_items;
  auto entries = [&](const char* split) {
    const auto it = manifest.arrays.find(std::string(split) + "_col");
    return it == manifest.arrays.end() || it->second.shape.empty() ? int64_t{0} : it->second.shape[0];
  };
  s.train = entries("train");
  s.valid = entries("valid");
  s.test = entries("test");
  for (const std::string& f : manifest.features) {
    const io::ManifestArray& a = manifest.arrays.at("feature_" + f);
    s.modalities.push_back(f);
    s.feature_dims.push_back(a.shape.size() == 2 ? a.shape[1] : 0);
  }
  return s;
}

DataSizes synthetic_sizes(const std::string& spec) {
  const SyntheticOptions o = parse_synthetic_spec(spec.substr(std::string("synthetic:").size()));
  DataSizes s;
  s.name = spec;
  s.users = o.users;
  s.items = int64_t{o.items} + o.unconsumed;
  // The generator splits each user's interactions 8:1:1, rounded per user: 86:7:7 or so over
  // power-law degrees (many users have 3-5 items).
  const io::SplitCounts split = io::synthetic_split_counts(o);
  s.train = split.train;
  s.valid = split.valid;
  s.test = split.test;
  for (const auto& [name, dim] : {std::pair<const char*, int32_t>{"image", o.image_dim}, {"text", o.text_dim}})
    if (dim > 0) {
      s.modalities.push_back(name);
      s.feature_dims.push_back(dim);
    }
  s.estimated = true;
  return s;
}

}  // namespace

const char* memory_part_name(MemoryPart part) {
  static constexpr const char* kNames[kMemoryParts] = {
      "parameters",      "Adam moments", "gradients",        "features", "user-item graph",
      "item-item graphs", "propagation", "evaluation blocks", "workspace"};
  return kNames[static_cast<size_t>(part)];
}

int64_t MemoryPlan::total() const {
  int64_t sum = 0;
  for (int64_t b : bytes) sum += b;
  return sum;
}

DataSizes data_sizes_of(const Dataset& data) {
  DataSizes s;
  s.name = data.name;
  s.users = data.n_users;
  s.items = data.n_items;
  s.train = data.train.nnz();
  s.valid = data.valid.nnz();
  s.test = data.test.nnz();
  for (const FeatureMatrix& f : data.features) {
    s.modalities.push_back(f.name);
    s.feature_dims.push_back(f.cols);
  }
  std::vector<char> seen(static_cast<size_t>(data.n_items), 0);
  for (int32_t i : data.train.col) seen[static_cast<size_t>(i)] = 1;
  s.cold_items = std::find(seen.begin(), seen.end(), 0) != seen.end();
  return s;
}

DataSizes data_sizes(const std::string& spec) {
  if (spec.rfind("synthetic:", 0) == 0) return synthetic_sizes(spec);
  const std::filesystem::path dir(spec);
  if (std::filesystem::is_regular_file(dir / "manifest.json")) return manifest_sizes(dir);
  throw InputError(spec, "",
                   "plan reads a prepared directory's manifest.json or a synthetic: specification; "
                   "convert the data set with `mmgraph prepare --data " + spec + " --out DIR` first");
}

MemoryPlan plan_memory(const TrainConfig& c, const DataSizes& data, int processes) {
  if (processes < 1) throw InputError("--devices", std::to_string(processes), "must be at least 1");
  Context x{c, data, shard_of(data, processes), c.embedding_size, static_cast<int64_t>(data.feature_dims.size()),
            0, 0, std::min<int64_t>(c.knn_k, data.items), c.feature_storage == "bf16",
            distinct_draws(data.users, c.train_batch_size), distinct_draws(data.items, 2 * c.train_batch_size)};
  for (int64_t w : data.feature_dims) {
    x.feature_width += w;
    x.widest = std::max(x.widest, w);
  }
  const bool multimodal = c.model != "bprmf" && c.model != "lightgcn";
  if (multimodal && x.m == 0)
    throw InputError(data.name, "", "model " + c.model + " needs item features and the data set has none");
  Tally t;
  if (c.model == "bprmf") plan_lightgcn(x, 0, t);
  else if (c.model == "lightgcn") plan_lightgcn(x, c.n_layers, t);
  else if (c.model == "vbpr") plan_vbpr(x, t);
  else if (c.model == "freedom") plan_freedom(x, t);
  else if (c.model == "lattice") plan_lattice(x, t);
  else if (c.model == "mgcn") plan_mgcn(x, t);
  else if (c.model == "mmgraph") plan_mmgraph(x, t);
  else throw InputError("model", c.model, "has no memory plan");
  add_run(x, rep_dim(c), t);
  t.plan.processes = processes;
  t.plan.halo_rows = x.s.halo;
  return t.plan;
}

int devices_needed(const TrainConfig& config, const DataSizes& data, int64_t device_bytes, int max_devices) {
  const auto usable = static_cast<int64_t>(static_cast<double>(device_bytes) * (1.0 - kPlanHeadroom));
  // The per-process total falls with P but not below the parts every process holds whole: search
  // upward by doubling, then down to the smallest P that fits.
  int fits = 0;
  for (int p = 1; p <= max_devices; p = p > max_devices / 2 ? max_devices + 1 : 2 * p)
    if (plan_memory(config, data, p).total() <= usable) {
      fits = p;
      break;
    }
  if (fits == 0) {
    if (plan_memory(config, data, max_devices).total() > usable) return 0;
    fits = max_devices;
  }
  int lo = fits / 2 + 1, hi = fits;
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (plan_memory(config, data, mid).total() <= usable) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

int64_t parse_byte_size(const std::string& text, const std::string& option) {
  size_t pos = 0;
  while (pos < text.size() && (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) ++pos;
  const std::string number = text.substr(0, pos);
  std::string unit = text.substr(pos);
  unit.erase(0, unit.find_first_not_of(' '));
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},          {"B", 1},          {"KB", 1e3},       {"MB", 1e6},        {"GB", 1e9},
      {"TB", 1e12},     {"KiB", 1024.0},   {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  double scale = 0;
  for (const auto& [name, factor] : kUnits)
    if (unit == name) scale = factor;
  char* end = nullptr;
  const double value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  const bool parsed = !number.empty() && end == number.c_str() + number.size();
  const double bytes = value * scale;
  if (!parsed || scale == 0 || !(bytes >= 1) || bytes > 9.0e18)
    throw InputError(option, text, "must be a size such as 80GiB, 40GB, 512MiB or a number of bytes");
  return static_cast<int64_t>(bytes);
}

}  // namespace mmgraph
