// The training loop: a model on a device, epochs of steps over sampled BPR
// triples, validation every eval_step epochs (all held-out items and the cold
// ones), early stopping on valid_metric, test metrics of the best epoch,
// progress on stderr and a JSONL log of every epoch.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/src/device.h"
#include "engine/src/eval_blocks.h"
#include "engine/src/model.h"
#include "engine/src/training_inputs.h"
#include "engine/src/progress.h"
#include "kernels/sampler.h"
#include "mmgraph/errors.h"
#include "mmgraph/trainer.h"

namespace mmgraph {

namespace {

using detail::Buffer;
using detail::Device;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
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

TrainResult train(const Dataset& source_data, const TrainConfig& config, const TrainOptions& options) {
  validate_config(config);
  // Modalities named in the config join (or replace) the data set's own features.
  Dataset with_modalities;
  if (!config.modalities.empty()) {
    with_modalities = source_data;
    for (const auto& [name, path] : config.modalities) add_modality(with_modalities, name, path);
  }
  const Dataset& data = config.modalities.empty() ? source_data : with_modalities;
  validate_dataset(data);
  if (data.train.nnz() == 0) throw InputError(data.name, "", "the training split is empty");
  if (config.threads > 0) omp_set_num_threads(config.threads);
  const auto t_start = Clock::now();

  std::unique_ptr<Device> dev = detail::select_device(config.device, config.deterministic);
  const detail::TrainingInputs inputs(data, config, *dev);
  const kernels::SamplerInputs& sampler = inputs.sampler();
  std::unique_ptr<detail::Model> model = detail::make_model(config.model, inputs.context());

  const int64_t batch = config.train_batch_size;
  Buffer<int32_t> users(*dev, static_cast<size_t>(batch), "batch"), pos(*dev, static_cast<size_t>(batch), "batch"),
      neg(*dev, static_cast<size_t>(batch), "batch");
  Buffer<double> loss_sum = Buffer<double>::zeros(*dev, 1, "loss");

  TrainResult result;
  result.device = dev->describe();
  result.dim = static_cast<int>(model->rep_dim());
  std::ofstream log;
  if (!options.log_path.empty()) {
    log.open(options.log_path);
    if (!log) throw InputError(options.log_path, "", "cannot open the log file for writing");
  }

  const int64_t n_pairs = data.train.nnz();
  const int64_t steps = (n_pairs + batch - 1) / batch;
  const int64_t dim = model->rep_dim();
  std::vector<float> best_user_rep, best_item_rep;
  double best_score = -std::numeric_limits<double>::infinity();
  int evals_without_gain = 0;

  auto evaluate = [&](Split split) {
    return dev->evaluate(inputs.eval(split), data.n_users, data.n_items, model->user_rep(), model->item_rep(), dim,
                         config.topk, config.eval_batch_size);
  };
  auto evaluate_now = [&](EpochRecord& rec) {
    const auto t_eval = Clock::now();
    model->propagate();
    detail::EvalResult valid = evaluate(Split::kValid);
    rec.valid = valid.all;
    rec.valid_cold = valid.cold;
    rec.evaluated = true;
    const double score = rec.valid.get(config.valid_metric);
    const bool improved = score > best_score;
    if (improved) {
      best_score = score;
      result.best_epoch = rec.epoch;
      result.best_valid = rec.valid;
      result.best_valid_cold = rec.valid_cold;
      detail::EvalResult test = evaluate(Split::kTest);
      result.test = test.all;
      result.test_cold = test.cold;
      best_user_rep.resize(static_cast<size_t>(data.n_users * dim));
      best_item_rep.resize(static_cast<size_t>(data.n_items * dim));
      dev->download(best_user_rep.data(), model->user_rep(), best_user_rep.size() * sizeof(float));
      dev->download(best_item_rep.data(), model->item_rep(), best_item_rep.size() * sizeof(float));
      result.seconds_to_best = seconds_since(t_start);
      evals_without_gain = 0;
    } else {
      ++evals_without_gain;
    }
    rec.eval_seconds = seconds_since(t_eval);
    if (options.progress) {
      std::fprintf(stderr, "  valid %s%s\n", short_metrics(rec.valid, config.topk).c_str(), improved ? "  (best)" : "");
      if (!rec.valid_cold.empty())
        std::fprintf(stderr, "  cold  %s\n", short_metrics(rec.valid_cold, config.topk).c_str());
    }
  };

  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    EpochRecord rec;
    rec.epoch = epoch;
    const auto t_epoch = Clock::now();
    const uint64_t e = static_cast<uint64_t>(epoch - 1);
    model->begin_epoch(e);
    detail::ProgressBar bar(options.progress, fmt::format("epoch {:>4}/{}", epoch, config.epochs), steps);
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t first = t * batch, count = std::min(batch, n_pairs - t * batch);
      dev->sample_triples(sampler, config.seed, e, first, count, users.data(), pos.data(), neg.data());
      model->train_step(detail::TripleBatch{e, first, count, users.data(), pos.data(), neg.data()}, loss_sum.data(),
                        static_cast<float>(config.learning_rate));
      bar.update(t + 1);
    }
    rec.loss = loss_sum.to_host()[0] / static_cast<double>(steps);
    loss_sum.set_zero();
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
      if (!rec.valid_cold.empty()) j["valid_cold"] = metrics_json(rec.valid_cold);
      if (rec.evaluated && result.best_epoch == epoch) {
        j["test"] = metrics_json(result.test);
        if (!result.test_cold.empty()) j["test_cold"] = metrics_json(result.test_cold);
      }
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
  result.user_rep = std::move(best_user_rep);
  result.item_rep = std::move(best_item_rep);
  result.seconds = seconds_since(t_start);
  if (log) {
    nlohmann::json j{{"best_epoch", result.best_epoch}, {"best_valid", metrics_json(result.best_valid)},
                     {"test", metrics_json(result.test)}, {"seconds", result.seconds},
                     {"seconds_to_best", result.seconds_to_best}, {"device", result.device},
                     {"model", config.model}};
    if (!result.test_cold.empty()) {
      j["best_valid_cold"] = metrics_json(result.best_valid_cold);
      j["test_cold"] = metrics_json(result.test_cold);
    }
    log << j.dump() << '\n';
  }
  return result;
}

}  // namespace mmgraph
