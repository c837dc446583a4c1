// The training loop: epochs of BPR steps on a backend, validation every
// eval_step epochs, early stopping on valid_metric, test metrics of the best
// epoch, progress on stderr and a JSONL log of every epoch.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/src/backend.h"
#include "engine/src/progress.h"
#include "kernels/graph_build.h"
#include "kernels/philox.h"
#include "mmgraph/errors.h"
#include "mmgraph/trainer.h"

namespace mmgraph {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Xavier-uniform init of an [rows x d] table as torch.nn.init.xavier_uniform_
// (bound sqrt(6 / (rows + d))), drawn from Philox so that it depends on the seed only.
void xavier_uniform(float* table, int64_t rows, int d, uint64_t seed, uint32_t stream) {
  const float bound = static_cast<float>(std::sqrt(6.0 / static_cast<double>(rows + d)));
  const int64_t n = rows * d;
#pragma omp parallel for schedule(static)
  for (int64_t q = 0; q < (n + 3) / 4; ++q) {
    const kernels::Philox4 r = kernels::philox4x32_10(
        kernels::Philox4{{kernels::lo32(static_cast<uint64_t>(q)), kernels::hi32(static_cast<uint64_t>(q)), stream, 0x696E6974u}},
        kernels::lo32(seed), kernels::hi32(seed));
    for (int64_t e = 4 * q; e < std::min<int64_t>(n, 4 * q + 4); ++e)
      table[e] = (2.0f * kernels::uniform_float(r.v[e - 4 * q]) - 1.0f) * bound;
  }
}

detail::TrainProblem make_problem(const Dataset& data, const TrainConfig& config) {
  detail::TrainProblem p;
  p.data = &data;
  p.config = &config;
  p.adjacency = kernels::normalized_bipartite_adjacency_cpu(data.n_users, data.n_items,
                                                            data.train.row_ptr.data(), data.train.col.data());
  p.pair_user.resize(static_cast<size_t>(data.train.nnz()));
  for (int32_t u = 0; u < data.n_users; ++u)
    for (int64_t k = data.train.row_ptr[u]; k < data.train.row_ptr[u + 1]; ++k) p.pair_user[k] = u;
  const int d = config.embedding_size;
  p.init_emb.resize(static_cast<size_t>(data.n_users + static_cast<int64_t>(data.n_items)) * d);
  xavier_uniform(p.init_emb.data(), data.n_users, d, config.seed, 1);
  xavier_uniform(p.init_emb.data() + static_cast<int64_t>(data.n_users) * d, data.n_items, d, config.seed, 2);
  return p;
}

std::unique_ptr<detail::Backend> select_backend(const std::string& device) {
  if (device == "cpu") return detail::make_cpu_backend();
  if (device == "auto") return detail::cuda_device_count() > 0 ? detail::make_cuda_backend(0) : detail::make_cpu_backend();
  const int index = device == "cuda" ? 0 : std::stoi(device.substr(5));
  const int count = detail::cuda_device_count();
  if (index >= count)
    throw InputError("--device", device, fmt::format("no such CUDA device ({} visible)", count));
  return detail::make_cuda_backend(index);
}

nlohmann::json metrics_json(const MetricTable& table) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : table.items()) j[name] = value;
  return j;
}

std::string short_metrics(const MetricTable& table, const std::vector<int>& topk) {
  std::string out;
  for (const char* m : {"Recall", "NDCG"})
    for (int k : topk) out += fmt::format("{}{}@{}={:.4f}", out.empty() ? "" : " ", m, k, table.get(fmt::format("{}@{}", m, k)));
  return out;
}

}  // namespace

TrainResult train(const Dataset& data, const TrainConfig& config, const TrainOptions& options) {
  validate_config(config);
  validate_dataset(data);
  if (data.train.nnz() == 0) throw InputError(data.name, "", "the training split is empty");
  if (config.threads > 0) omp_set_num_threads(config.threads);
  const auto t_start = Clock::now();

  const detail::TrainProblem problem = make_problem(data, config);
  std::unique_ptr<detail::Backend> backend = select_backend(config.device);
  backend->setup(problem);

  TrainResult result;
  result.device = backend->describe();
  result.dim = config.embedding_size;
  std::ofstream log;
  if (!options.log_path.empty()) {
    log.open(options.log_path);
    if (!log) throw InputError(options.log_path, "", "cannot open the log file for writing");
  }

  const int64_t n_pairs = data.train.nnz();
  const int64_t batch = config.train_batch_size;
  const int64_t steps = (n_pairs + batch - 1) / batch;
  const int64_t n_nodes = data.n_users + static_cast<int64_t>(data.n_items);
  std::vector<float> best_rep;
  double best_score = -std::numeric_limits<double>::infinity();
  int evals_without_gain = 0;
  int64_t adam_step = 0;

  auto evaluate_now = [&](EpochRecord& rec) {
    const auto t_eval = Clock::now();
    backend->propagate();
    rec.valid = backend->evaluate(Split::kValid, config.topk);
    rec.evaluated = true;
    const double score = rec.valid.get(config.valid_metric);
    const bool improved = score > best_score;
    if (improved) {
      best_score = score;
      result.best_epoch = rec.epoch;
      result.best_valid = rec.valid;
      result.test = backend->evaluate(Split::kTest, config.topk);
      best_rep.resize(static_cast<size_t>(n_nodes * config.embedding_size));
      backend->copy_representations(best_rep.data());
      result.seconds_to_best = seconds_since(t_start);
      evals_without_gain = 0;
    } else {
      ++evals_without_gain;
    }
    rec.eval_seconds = seconds_since(t_eval);
    if (options.progress)
      std::fprintf(stderr, "  valid %s%s\n", short_metrics(rec.valid, config.topk).c_str(),
                   improved ? "  (best)" : "");
  };

  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    EpochRecord rec;
    rec.epoch = epoch;
    const auto t_epoch = Clock::now();
    detail::ProgressBar bar(options.progress, fmt::format("epoch {:>4}/{}", epoch, config.epochs), steps);
    for (int64_t t = 0; t < steps; ++t) {
      backend->train_step(static_cast<uint64_t>(epoch - 1), t * batch, std::min(batch, n_pairs - t * batch), ++adam_step);
      bar.update(t + 1);
    }
    rec.loss = backend->take_loss_sum() / static_cast<double>(steps);
    rec.train_seconds = seconds_since(t_epoch);
    if (!std::isfinite(rec.loss))
      throw Error(fmt::format("training diverged: loss is {} at epoch {} (lower learning_rate?)", rec.loss, epoch));
    bar.finish(fmt::format(" loss {:.4f}", rec.loss));
    if (epoch % config.eval_step == 0 || epoch == config.epochs) evaluate_now(rec);
    result.history.push_back(rec);
    result.epochs_run = epoch;
    if (log) {
      nlohmann::json j{{"epoch", epoch}, {"loss", rec.loss}, {"train_seconds", rec.train_seconds},
                       {"eval_seconds", rec.eval_seconds}};
      if (rec.evaluated) j["valid"] = metrics_json(rec.valid);
      if (rec.evaluated && result.best_epoch == epoch) j["test"] = metrics_json(result.test);
      log << j.dump() << '\n' << std::flush;
    }
    if (options.on_epoch) options.on_epoch(rec);
    if (evals_without_gain >= config.stopping_step) {
      if (options.progress)
        std::fprintf(stderr, "early stop: no %s gain in %d evaluations\n", config.valid_metric.c_str(), config.stopping_step);
      break;
    }
  }
  if (result.best_epoch == 0) {  // epochs = 0: evaluate the initial parameters
    EpochRecord rec;
    evaluate_now(rec);
  }
  const int64_t user_floats = static_cast<int64_t>(data.n_users) * config.embedding_size;
  result.user_rep.assign(best_rep.begin(), best_rep.begin() + user_floats);
  result.item_rep.assign(best_rep.begin() + user_floats, best_rep.end());
  result.seconds = seconds_since(t_start);
  if (log) {
    nlohmann::json j{{"best_epoch", result.best_epoch}, {"best_valid", metrics_json(result.best_valid)},
                     {"test", metrics_json(result.test)}, {"seconds", result.seconds},
                     {"seconds_to_best", result.seconds_to_best}, {"device", result.device}};
    log << j.dump() << '\n';
  }
  return result;
}

}  // namespace mmgraph
