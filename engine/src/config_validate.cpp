// validate_config and config_error: value ranges, reported where the value came from.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "engine/src/model.h"
#include "io/text_input.h"
#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "mmgraph/metrics.h"

namespace mmgraph {

namespace {

// The origin of the key's value, if the value is still the one assigned there.
const ConfigOrigin* current_origin(const TrainConfig& c, const std::string& key) {
  const auto it = c.origins.find(key);
  if (it == c.origins.end()) return nullptr;
  for (const auto& [k, value] : config_items(c))
    if (k == key) return value == it->second.value ? &it->second : nullptr;
  return nullptr;
}

}  // namespace

InputError config_error(const TrainConfig& c, const std::string& key, const std::string& problem) {
  const std::string what = "key '" + key + "': " + problem;
  const ConfigOrigin* origin = current_origin(c, key);
  return origin ? InputError(origin->source, origin->position, what) : InputError("config", "", what);
}

void validate_config(const TrainConfig& c) {
  auto fail = [&c](const std::string& key, const std::string& problem) { throw config_error(c, key, problem); };
  const std::vector<std::string> models = detail::model_names();
  if (std::find(models.begin(), models.end(), c.model) == models.end()) {
    std::string known;
    for (const std::string& m : models) known += (known.empty() ? "" : ", ") + m;
    fail("model", "unknown model '" + io::excerpt(c.model) + "' (known: " + known + ")");
  }
  if (c.embedding_size <= 0 || c.embedding_size > 4096) fail("embedding_size", "must be in 1..4096");
  if (c.n_layers < 0 || c.n_layers > 16) fail("n_layers", "must be in 0..16");
  if (c.reg_weight < 0) fail("reg_weight", "must be >= 0");
  if (!(c.learning_rate > 0)) fail("learning_rate", "must be > 0");
  if (c.train_batch_size <= 0) fail("train_batch_size", "must be > 0");
  if (c.epochs < 0) fail("epochs", "must be >= 0");
  if (c.stopping_step <= 0) fail("stopping_step", "must be > 0");
  if (c.eval_step <= 0) fail("eval_step", "must be > 0");
  if (c.eval_batch_size <= 0) fail("eval_batch_size", "must be > 0");
  if (c.threads < 0) fail("threads", "must be >= 0");
  if (c.topk.empty()) fail("topk", "needs at least one K");
  for (int k : c.topk)
    if (k <= 0 || k > 100) fail("topk", "every K must be in 1..100, got " + std::to_string(k));
  bool metric_ok = false;
  for (const char* m : kMetricNames)
    for (int k : c.topk) metric_ok |= c.valid_metric == std::string(m) + "@" + std::to_string(k);
  if (!metric_ok) {
    // Named where valid_metric was set, or else where topk was (a default metric that topk dropped).
    const std::string ks = fmt::format("[{}]", fmt::join(c.topk, ", "));
    const bool blame_topk = current_origin(c, "valid_metric") == nullptr && current_origin(c, "topk") != nullptr;
    fail(blame_topk ? "topk" : "valid_metric",
         fmt::format("valid_metric '{}' is not computed; use <Recall|NDCG|Precision|Hit|MAP>@K with K in topk {}",
                     io::excerpt(c.valid_metric), ks));
  }
  const bool device_ok = c.device == "auto" || c.device == "cpu" || c.device == "cuda" ||
                         (c.device.rfind("cuda:", 0) == 0 && c.device.size() > 5 &&
                          std::all_of(c.device.begin() + 5, c.device.end(), ::isdigit));
  if (!device_ok) fail("device", "must be auto, cpu, cuda or cuda:N, got '" + io::excerpt(c.device) + "'");
  if (c.knn_k <= 0 || c.knn_k > 128) fail("knn_k", "must be in 1..128");
  if (c.n_mm_layers < 0 || c.n_mm_layers > 16) fail("n_mm_layers", "must be in 0..16");
  if (!(c.dropout >= 0 && c.dropout < 1)) fail("dropout", "must be in [0, 1)");
  if (c.mm_bpr_weight < 0) fail("mm_bpr_weight", "must be >= 0");
  if (c.feature_storage != "float32" && c.feature_storage != "bf16")
    fail("feature_storage", "must be float32 or bf16, got '" + io::excerpt(c.feature_storage) + "'");
  if (c.feature_storage == "bf16" && c.learn_features)
    fail("feature_storage",
         "bf16 stores the item features as fixed inputs, but learn_features: true trains them "
         "(set learn_features: false, or feature_storage: float32)");
  if (c.cl_weight < 0) fail("cl_weight", "must be >= 0");
  if (!(c.cl_temperature > 0)) fail("cl_temperature", "must be > 0");
  if (!(c.lambda_coeff >= 0 && c.lambda_coeff <= 1)) fail("lambda_coeff", "must be in [0, 1]");
  if (!(c.cold_scale >= 0 && c.cold_scale <= 100)) fail("cold_scale", "must be in [0, 100]");
  if (c.graph_update_every <= 0) fail("graph_update_every", "must be > 0");
  if (c.loss != "bpr" && c.loss != "mse" && c.loss != "bce" && c.loss != "warp")
    fail("loss", "must be bpr, mse, bce or warp, got '" + io::excerpt(c.loss) + "'");
  if (c.warp_candidates <= 0 || c.warp_candidates > 1024) fail("warp_candidates", "must be in 1..1024");
  if (!(c.warp_margin > 0)) fail("warp_margin", "must be > 0");
  if (c.checkpoint_every < 0) fail("checkpoint_every", "must be >= 0");
  for (const auto& [name, w] : c.modality_weights)
    if (!(w >= 0)) fail("modality_weights", "weight of '" + io::excerpt(name) + "' must be >= 0");
}

}  // namespace mmgraph
