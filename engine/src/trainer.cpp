// The training loop: a model on a device, epochs of steps over sampled BPR
// triples, a divergence guard on every step, validation every eval_step epochs
// (all held-out items and the cold ones), early stopping on valid_metric, test
// metrics of the best epoch, checkpoints and resume, progress on stderr and a
// JSONL log of every epoch.
#include <cblas.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/src/checkpoint.h"
#include "engine/src/device.h"
#include "engine/src/evaluate.h"
#include "engine/src/launch.h"
#include "engine/src/model.h"
#include "engine/src/relabel.h"
#include "engine/src/sharded_run.h"
#include "engine/src/training_inputs.h"
#include "engine/src/progress.h"
#include "kernels/sampler.h"
#include "mmgraph/blas.h"
#include "mmgraph/errors.h"
#include "mmgraph/trainer.h"

namespace mmgraph {

namespace {

using detail::Buffer;
using detail::Device;

// Once per process: OpenBLAS running kernels without the CPU's AVX2 / AVX-512 (mmgraph/blas.h).
// The mmgraph command restarts itself with the faster set; a program embedding the library is told how.
void warn_if_slow_blas_kernels() {
  static std::once_flag once;
  std::call_once(once, [] {
    const BlasKernels k = blas_kernels();
    if (!k.better.empty())
      std::fprintf(stderr,
                   "warning: OpenBLAS runs its %s kernels on a CPU that has %s's: dense layers and InfoNCE run "
                   "several times slower; start the process with OPENBLAS_CORETYPE=%s in its environment\n",
                   k.chosen.c_str(), k.better.c_str(), k.better.c_str());
  });
}
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

// Opens the JSONL log. A resumed run keeps the lines of the epochs it restored
// (a killed run may have logged epochs past its last checkpoint) and appends.
// Writes text to the log and flushes it; a write that fails (a full disk) stops the run with an
// error naming the file, rather than training on without its log.
void write_log(std::ofstream& log, const std::string& path, const std::string& text) {
  errno = 0;
  log << text << std::flush;
  if (!log)
    throw InputError(path, "", std::string("cannot write the log: ") +
                                   (errno ? std::strerror(errno) : "the stream failed"));
}

std::ofstream open_log(const std::string& path, bool resumed, int restored_epochs) {
  std::string kept;
  if (resumed) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer() &&
          j["epoch"].get<int>() <= restored_epochs)
        kept += line + '\n';
    }
  }
  std::ofstream log(path, std::ios::trunc);
  if (!log) throw InputError(path, "", "cannot open the log file for writing");
  write_log(log, path, kept);
  return log;
}

// What a training step leaves for the host to check, in device memory and read back in one
// download: the epoch's loss sum so far (the loss ops add into it) and a NaN/Inf count.
struct StepCheck {
  double loss_sum = 0;
  int64_t nonfinite = 0;
};

// The divergence guard: after each step's backward pass, the loss so far and
// every gradient must be finite (else Adam would write NaN into the
// parameters); after each epoch, every parameter. A step costs one read-back:
// the StepCheck, whose loss sum after an epoch's last step is the epoch's.
class DivergenceGuard {
 public:
  DivergenceGuard(Device& dev, detail::Communicator& comm, detail::Model& model, std::string checkpoint_hint)
      : dev_(dev), comm_(comm), model_(model), hint_(std::move(checkpoint_hint)),
        check_(Buffer<StepCheck>::zeros(dev, 1, "step check")) {}
  void set_hint(std::string hint) { hint_ = std::move(hint); }
  // Where the loss ops of the epoch's steps add their values (device memory).
  double* loss_sum() const { return field<double>(offsetof(StepCheck, loss_sum)); }
  // The loss sum of the epoch's steps so far, as the last after_backward read it.
  double epoch_loss_sum() const { return last_.loss_sum; }
  // Clears the loss sum for the next epoch.
  void begin_epoch() {
    check_.set_zero();
    last_ = StepCheck{};
  }

  void after_backward(int epoch, int64_t step, int64_t steps) {
    std::vector<std::pair<const float*, int64_t>> grads;
    for (const auto& p : model_.params().all()) grads.emplace_back(p->grad.data(), p->numel());
    last_ = count_nonfinite(grads);
    if (!std::isfinite(last_.loss_sum))
      fail(epoch, step, steps, fmt::format("the loss became {} in the forward pass", last_.loss_sum));
    if (last_.nonfinite == 0) return;
    for (const auto& p : model_.params().all())
      if (const int64_t bad = count_nonfinite({{p->grad.data(), p->numel()}}).nonfinite)
        fail(epoch, step, steps,
             fmt::format("the backward pass gave {} NaN/Inf values in the gradient of {}", bad, p->name));
  }

  void after_epoch(int epoch, int64_t steps) {
    std::vector<const detail::Param*> all;
    for (const auto& p : model_.params().all()) all.push_back(p.get());
    if (count_nonfinite_values(all) == 0) return;
    for (const auto& p : model_.params().all())
      if (const int64_t bad = count_nonfinite_values({p.get()}))
        fail(epoch, steps, steps, fmt::format("the Adam update left {} NaN/Inf values in {}", bad, p->name));
  }

 private:
  // The loss sum and the number of NaN / Inf values over the ranges, in one read-back. In a run
  // over several processes the count is summed over them (each holds its own rows), so that all
  // stop together; the loss is the whole batch's on every process already.
  StepCheck count_nonfinite(const std::vector<std::pair<const float*, int64_t>>& ranges) {
    int64_t* count = field<int64_t>(offsetof(StepCheck, nonfinite));
    dev_.zero(count, sizeof *count);
    dev_.count_nonfinite(ranges, count);
    return summed_check(count);
  }
  // The number of NaN / Inf values of the parameters (float32 or bf16), in one read-back.
  int64_t count_nonfinite_values(const std::vector<const detail::Param*>& params) {
    int64_t* count = field<int64_t>(offsetof(StepCheck, nonfinite));
    dev_.zero(count, sizeof *count);
    for (const detail::Param* p : params)
      if (p->bf16())
        dev_.count_nonfinite_bf16(p->value_bf16.data(), p->numel(), count);
      else
        dev_.count_nonfinite({{p->value.data(), p->numel()}}, count);
    return summed_check(count).nonfinite;
  }
  // The check, its count summed over the processes of the run.
  StepCheck summed_check(int64_t* count) {
    if (comm_.size() > 1) comm_.all_reduce_sum(count, 1, detail::CommType::kInt64);
    return check_.to_host()[0];
  }
  // A member of the StepCheck in device memory, by its offset: device memory is not
  // dereferenced on the host, not even to name a member.
  template <typename T>
  T* field(size_t offset) const {
    return reinterpret_cast<T*>(reinterpret_cast<char*>(check_.data()) + offset);
  }
  [[noreturn]] void fail(int epoch, int64_t step, int64_t steps, const std::string& what) const {
    throw DivergedError(fmt::format("training diverged at epoch {}, step {} of {}: {}; {} (a lower learning_rate may help)",
                                    epoch, step, steps, what,
                                    hint_.empty() ? "no checkpoint was written" : "the last good checkpoint is " + hint_));
  }
  Device& dev_;
  detail::Communicator& comm_;
  detail::Model& model_;
  std::string hint_;
  Buffer<StepCheck> check_;
  StepCheck last_;
};

}  // namespace

TrainResult train(const Dataset& source_data, const TrainConfig& config, const TrainOptions& options) {
  validate_config(config);
  // A run over several processes (mpirun, srun): rank 0 alone prints and writes the log.
  const detail::LaunchInfo launch = detail::detect_launch();
  const bool lead = launch.rank == 0;
  if (launch.size > 1) detail::check_runs_sharded(config);
  if (lead)
    for (const std::string& warning : unread_key_warnings(config))
      std::fprintf(stderr, "mmgraph: warning: %s\n", warning.c_str());
  if (options.resume && options.checkpoint_dir.empty())
    throw InputError("--resume", "", "needs a checkpoint directory (--checkpoint-dir)");
  // Modalities named in the config join (or replace) the data set's own features; a model that
  // reads no features leaves their files unread (unread_key_warnings names the key).
  const bool add_modalities = !config.modalities.empty() && model_reads_features(config.model);
  Dataset with_modalities;
  if (add_modalities) {
    with_modalities = source_data;
    for (const auto& [name, path] : config.modalities) add_modality(with_modalities, name, path);
  }
  const Dataset& given = add_modalities ? with_modalities : source_data;
  validate_dataset(given);
  // Over several processes: the partition of the users and items; one that is contiguous blocks
  // only in a new numbering (metis, degree_relabel) renumbers the data set the run trains on, and
  // the result's representations are put back in the original order at the end.
  std::optional<detail::Partition> partition;
  Dataset renumbered;
  if (launch.size > 1) {
    partition = detail::partition_for(given, config, launch.size);
    if (!partition->user_order.empty() || !partition->item_order.empty())
      renumbered = detail::relabeled(given, partition->user_order, partition->item_order);
  }
  const bool relabels = partition && (!partition->user_order.empty() || !partition->item_order.empty());
  const Dataset& data = relabels ? renumbered : given;
  if (data.train.nnz() == 0) throw InputError(data.name, "", "the training split is empty");
  if (config.threads > 0) {
    // OpenBLAS (pthreads) keeps its own pool, sized to the machine: left so, `threads: 1`
    // still ran two BLAS threads whose idle spinning took half of an MGCN epoch on 2 cores.
    omp_set_num_threads(config.threads);
    openblas_set_num_threads(config.threads);
  }
  if (lead) warn_if_slow_blas_kernels();
  const auto t_start = Clock::now();

  std::optional<detail::CheckpointDir> checkpoints;
  if (!options.checkpoint_dir.empty())
    checkpoints.emplace(options.checkpoint_dir, options.keep_checkpoints, options.resume, data, config);
  // Each process of a run on GPUs takes its node's GPU local_rank (modulo those it sees).
  std::string device_name = config.device;
  if (launch.size > 1 && (device_name == "auto" ? detail::cuda_device_count() > 0 : device_name == "cuda"))
    device_name = "cuda:" + std::to_string(detail::local_cuda_device(launch));
  std::unique_ptr<Device> dev = detail::select_device(device_name, config.deterministic);
  std::unique_ptr<detail::Communicator> run_comm = detail::make_communicator(*dev, launch, config.collective_timeout);
  std::optional<detail::ShardLayout> layout;
  if (launch.size > 1) {
    detail::check_same_inputs(*run_comm, *dev, detail::input_description(data, config));
    layout = detail::layout_of(*partition, launch.rank, data.n_users, data.n_items);
  }
  const detail::TrainingInputs inputs(data, config, *dev, std::move(run_comm), layout);
  detail::Communicator& comm = inputs.context().resources->comm();
  if (checkpoints) checkpoints->attach(comm);
  const kernels::SamplerInputs& sampler = inputs.sampler();
  const bool show = options.progress && lead;
  // A model's set-up (its item-item kNN graphs above all) can take minutes at a large catalogue.
  if (show) std::fprintf(stderr, "setting up %s on %s ...\n", config.model.c_str(), dev->describe().c_str());
  const auto t_setup = Clock::now();
  std::unique_ptr<detail::Model> model = detail::make_model(config.model, inputs.context());
  if (show) std::fprintf(stderr, "%s set up in %.1f s\n", config.model.c_str(), seconds_since(t_setup));

  TrainResult result;
  result.device = dev->describe();
  result.dim = static_cast<int>(model->rep_dim());
  detail::TrainProgress progress;
  if (options.resume) {
    if (std::optional<io::Safetensors> newest = checkpoints->newest()) {
      checkpoints->restore(*newest, *model, progress);
      result.resumed_from_epoch = progress.epoch;
      result.last_checkpoint = newest->source;
      if (show)
        std::fprintf(stderr, "resuming from %s (after epoch %d)\n", newest->source.c_str(), progress.epoch);
    } else if (show) {
      std::fprintf(stderr, "no checkpoint in %s yet: starting from the beginning\n", options.checkpoint_dir.c_str());
    }
  }
  DivergenceGuard guard(*dev, comm, *model, result.last_checkpoint);

  const int64_t batch = config.train_batch_size;
  Buffer<int32_t> users(*dev, static_cast<size_t>(batch), "batch"), pos(*dev, static_cast<size_t>(batch), "batch"),
      neg(*dev, static_cast<size_t>(batch), "batch");
  std::ofstream log;
  if (!options.log_path.empty() && lead) log = open_log(options.log_path, result.resumed_from_epoch > 0, progress.epoch);

  const int64_t n_pairs = data.train.nnz();
  const int64_t full_steps = (n_pairs + batch - 1) / batch;
  const int64_t steps = config.epoch_steps > 0 ? std::min(full_steps, config.epoch_steps) : full_steps;
  const int64_t dim = model->rep_dim();
  const double earlier_seconds = progress.seconds;
  auto elapsed = [&] { return earlier_seconds + seconds_since(t_start); };

  // Each process ranks its own users (all of them with one process) against every item.
  const detail::RowRange ranked_users =
      layout ? layout->owned(detail::NodeKind::kUser, launch.rank) : detail::RowRange{0, -1};
  // eval_users: a sample of the users, chosen in the data set's own numbering (so the same users
  // whatever a partition renumbers).
  std::vector<char> sample;
  if (config.eval_users > 0 && config.eval_users < data.n_users) {
    const std::vector<char> given_sample = detail::sampled_users(data.n_users, config.eval_users);
    sample = given_sample;
    if (relabels && !partition->user_order.empty())
      for (int64_t u = 0; u < data.n_users; ++u)
        sample[static_cast<size_t>(u)] = given_sample[static_cast<size_t>(partition->user_order[static_cast<size_t>(u)])];
    result.eval_users = config.eval_users;
  }
  const std::vector<char>* sampled = sample.empty() ? nullptr : &sample;
  const detail::EvalSplit valid_split =
      detail::make_eval_split(*dev, data, Split::kValid, true, config.test_masks_valid, ranked_users, sampled);
  const detail::EvalSplit test_split =
      detail::make_eval_split(*dev, data, Split::kTest, true, config.test_masks_valid, ranked_users, sampled);
  Buffer<float> all_items;  // every item's row, gathered from their owners (several processes)
  auto item_table = [&]() -> const float* {
    if (!layout) return model->item_rep();
    if (all_items.empty()) all_items = Buffer<float>(*dev, static_cast<size_t>(data.n_items * dim), "item table");
    detail::gather_blocks(comm, *layout, detail::NodeKind::kItem, dim, model->item_rep(), all_items.data());
    return all_items.data();
  };
  // Over P processes each scores eval_batch_size / P of its users at a time, so that the block of
  // scores (users x items floats) of all of them together is one process's (metric sums are exact:
  // the block size does not change a metric's bits).
  const int64_t eval_block = std::max<int64_t>(1, (config.eval_batch_size + comm.size() - 1) / comm.size());
  auto evaluate = [&](Split split, const float* items) {
    return detail::evaluate(*dev, split == Split::kValid ? valid_split : test_split, model->user_rep(), items, dim,
                            data.n_items, config.topk, eval_block, &comm);
  };
  // Validation; on a new best, test metrics and the representations. Returns whether it improved.
  auto evaluate_now = [&](EpochRecord& rec) {
    const auto t_eval = Clock::now();
    model->propagate();
    const float* items = item_table();
    detail::EvalResult valid = evaluate(Split::kValid, items);
    rec.valid = valid.all;
    rec.valid_cold = valid.cold;
    rec.evaluated = true;
    const double score = rec.valid.get(config.valid_metric);
    const bool improved = score > progress.best_score;
    if (improved) {
      progress.best_score = score;
      progress.best_epoch = rec.epoch;
      progress.best_valid = rec.valid;
      progress.best_valid_warm = valid.warm;
      progress.best_valid_cold = rec.valid_cold;
      progress.best_valid_cold_among_cold = valid.cold_among_cold;
      detail::EvalResult test = evaluate(Split::kTest, items);
      progress.test = test.all;
      progress.test_warm = test.warm;
      progress.test_cold = test.cold;
      progress.test_cold_among_cold = test.cold_among_cold;
      progress.best_user_rep.resize(static_cast<size_t>(data.n_users * dim));
      progress.best_item_rep.resize(static_cast<size_t>(data.n_items * dim));
      if (layout) {
        Buffer<float> all_users(*dev, progress.best_user_rep.size(), "user table");
        detail::gather_blocks(comm, *layout, detail::NodeKind::kUser, dim, model->user_rep(), all_users.data());
        dev->download(progress.best_user_rep.data(), all_users.data(), progress.best_user_rep.size() * sizeof(float));
      } else {
        dev->download(progress.best_user_rep.data(), model->user_rep(), progress.best_user_rep.size() * sizeof(float));
      }
      dev->download(progress.best_item_rep.data(), items, progress.best_item_rep.size() * sizeof(float));
      progress.seconds_to_best = elapsed();
      progress.evals_without_gain = 0;
    } else {
      ++progress.evals_without_gain;
    }
    rec.eval_seconds = seconds_since(t_eval);
    if (show) {
      std::fprintf(stderr, "  valid %s%s\n", short_metrics(rec.valid, config.topk).c_str(), improved ? "  (best)" : "");
      if (!rec.valid_cold.empty())
        std::fprintf(stderr, "  cold  %s\n", short_metrics(rec.valid_cold, config.topk).c_str());
    }
    return improved;
  };

  bool stopped = progress.evals_without_gain >= config.stopping_step;  // a resumed run that had stopped early
  for (int epoch = progress.epoch + 1; epoch <= config.epochs && !stopped; ++epoch) {
    EpochRecord rec;
    rec.epoch = epoch;
    const auto t_epoch = Clock::now();
    const uint64_t e = static_cast<uint64_t>(epoch - 1);
    model->begin_epoch(e);
    guard.begin_epoch();
    const detail::Traffic traffic_before = inputs.context().resources->traffic();
    detail::ProgressBar bar(show, fmt::format("epoch {:>4}/{}", epoch, config.epochs), steps);
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t first = t * batch, count = std::min(batch, n_pairs - t * batch);
      dev->sample_triples(sampler, config.seed, e, first, count, users.data(), pos.data(), neg.data());
      model->compute_gradients(detail::TripleBatch{e, first, count, users.data(), pos.data(), neg.data()},
                               guard.loss_sum());
      guard.after_backward(epoch, t + 1, steps);
      model->params().adam_step(static_cast<float>(config.learning_rate));
      bar.update(t + 1);
    }
    guard.after_epoch(epoch, steps);
    rec.halo_bytes = inputs.context().resources->traffic().halo - traffic_before.halo;
    rec.batch_bytes = inputs.context().resources->traffic().batch - traffic_before.batch;
    rec.loss = guard.epoch_loss_sum() / static_cast<double>(steps);
    rec.train_seconds = seconds_since(t_epoch);
    bar.finish(fmt::format(" loss {:.4f}", rec.loss));
    const bool improved = (epoch % config.eval_step == 0 || epoch == config.epochs) && evaluate_now(rec);
    progress.history.push_back(rec);
    progress.epoch = epoch;
    stopped = progress.evals_without_gain >= config.stopping_step;
    if (log.is_open()) {
      nlohmann::json j{{"epoch", epoch}, {"loss", rec.loss}, {"train_seconds", rec.train_seconds},
                       {"eval_seconds", rec.eval_seconds}};
      if (result.eval_users > 0 && rec.evaluated) j["eval_users"] = result.eval_users;
      if (steps < full_steps) {
        j["steps"] = steps;
        j["epoch_steps_full"] = full_steps;
      }
      if (layout) {
        j["processes"] = layout->size;
        j["halo_bytes_rank0"] = rec.halo_bytes;
        j["batch_bytes_rank0"] = rec.batch_bytes;
      }
      if (rec.evaluated) j["valid"] = metrics_json(rec.valid);
      if (!rec.valid_cold.empty()) j["valid_cold"] = metrics_json(rec.valid_cold);
      if (improved) {
        j["test"] = metrics_json(progress.test);
        if (!progress.test_cold.empty()) {
          j["test_warm"] = metrics_json(progress.test_warm);
          j["test_cold"] = metrics_json(progress.test_cold);
          j["test_cold_among_cold"] = metrics_json(progress.test_cold_among_cold);
        }
      }
      write_log(log, options.log_path, j.dump() + '\n');
    }
    if (checkpoints) {
      const bool last = stopped || epoch == config.epochs;
      const bool periodic = last || (config.checkpoint_every > 0 && epoch % config.checkpoint_every == 0);
      progress.seconds = elapsed();
      checkpoints->save(periodic, improved, *model, progress);
      if (periodic || improved) {
        result.last_checkpoint = (std::filesystem::path(checkpoints->dir()) /
                                  (periodic ? fmt::format("epoch-{:06d}.safetensors", epoch) : "best.safetensors"))
                                     .string();
        guard.set_hint(result.last_checkpoint);
      }
    }
    if (options.on_epoch) options.on_epoch(rec);
    if (stopped && show)
      std::fprintf(stderr, "early stop: no %s gain in %d evaluations\n", config.valid_metric.c_str(), config.stopping_step);
  }
  if (progress.best_epoch == 0) {  // epochs = 0: evaluate the initial parameters
    EpochRecord rec;
    evaluate_now(rec);
  }
  result.epochs_run = progress.epoch;
  result.best_epoch = progress.best_epoch;
  result.best_valid = progress.best_valid;
  result.best_valid_warm = progress.best_valid_warm;
  result.best_valid_cold = progress.best_valid_cold;
  result.best_valid_cold_among_cold = progress.best_valid_cold_among_cold;
  result.test = progress.test;
  result.test_warm = progress.test_warm;
  result.test_cold = progress.test_cold;
  result.test_cold_among_cold = progress.test_cold_among_cold;
  result.history = std::move(progress.history);
  result.user_rep = std::move(progress.best_user_rep);
  result.item_rep = std::move(progress.best_item_rep);
  if (relabels) {
    result.user_rep = detail::rows_in_original_order(result.user_rep, partition->user_order, dim);
    result.item_rep = detail::rows_in_original_order(result.item_rep, partition->item_order, dim);
  }
  result.seconds_to_best = progress.seconds_to_best;
  result.seconds = elapsed();
  result.device_peak_bytes = static_cast<int64_t>(dev->peak_bytes());
  if (log.is_open()) {
    nlohmann::json j{{"best_epoch", result.best_epoch}, {"best_valid", metrics_json(result.best_valid)},
                     {"test", metrics_json(result.test)}, {"seconds", result.seconds},
                     {"seconds_to_best", result.seconds_to_best}, {"device", result.device},
                     {"model", config.model}, {"device_peak_bytes", result.device_peak_bytes}};
    if (result.eval_users > 0) j["eval_users"] = result.eval_users;
    if (!result.test_cold.empty()) {
      j["best_valid_warm"] = metrics_json(result.best_valid_warm);
      j["best_valid_cold"] = metrics_json(result.best_valid_cold);
      j["best_valid_cold_among_cold"] = metrics_json(result.best_valid_cold_among_cold);
      j["test_warm"] = metrics_json(result.test_warm);
      j["test_cold"] = metrics_json(result.test_cold);
      j["test_cold_among_cold"] = metrics_json(result.test_cold_among_cold);
    }
    write_log(log, options.log_path, j.dump() + '\n');
  }
  return result;
}

}  // namespace mmgraph
