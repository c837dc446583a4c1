// Trains one model on a small synthetic multimodal data set and writes, from rank 0, what a run's
// result is made of: OUT.exact holds every epoch's loss, the best epoch and the representations
// of every user and item as raw bytes; OUT.metrics every evaluation's metrics as text (17
// digits). Run as one process and under mpirun with P processes (run_sharded_train.cmake), both
// must be the same (compare mode), or agree within a relative tolerance (compare-within mode, for
// a model whose sums over processes are not one process's: it prints the largest differences).
//   mmgraph_sharded_train MODEL OUT [key=value ...] [--checkpoint-dir=DIR] [--resume] [--check-order]
//     (key=value: config overrides; the options are TrainOptions'; --check-order: the result's
//     representations, evaluated on the data set as given, give the run's test metrics, so they
//     are in the original order also when a partition renumbered users and items)
//   mmgraph_sharded_train --plan-check CONFIG [key=value ...]
//     (trains CONFIG's model for one epoch on a larger synthetic set, 8,000 users and 3,000 items,
//     and each process compares the memory plan of one process of the run, plan_memory(config,
//     sizes, P), with its device's peak: within 10 % with one process; over P > 1 processes from
//     10 % below to 20 % above, as the plan's halo rows (the random-ownership model at the mean
//     degree) and a batch's distinct rows (uniform draws) are upper estimates for the contiguous
//     blocks and power-law degrees of the run. Measured here, plan / peak of every process: at
//     P = 2 and 3, 0.98-1.15 (LightGCN, the most halo-bound, 1.06-1.15); at P = 4 up to 1.19)
//   mmgraph_sharded_train --compare OUT_A OUT_B
//   mmgraph_sharded_train --compare-within TOLERANCE OUT_A OUT_B
//     (every loss and every representation value within TOLERANCE relative to the largest
//     magnitude of its kind, every metric within TOLERANCE absolute, the same best epoch)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mmgraph/config.h"
#include "mmgraph/memory_plan.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"

namespace {

template <typename T>
void put(std::ofstream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// 0 when a's and b's .exact files are the same bytes and their metrics the same values.
int compare(const std::string& a, const std::string& b) {
  if (read_file(a + ".exact") != read_file(b + ".exact")) {
    std::fprintf(stderr, "%s.exact and %s.exact differ: losses or representations are not the same bits\n",
                 a.c_str(), b.c_str());
    return 1;
  }
  std::istringstream ma(read_file(a + ".metrics")), mb(read_file(b + ".metrics"));
  std::string name_a, name_b;
  double x = 0, y = 0, worst = 0;
  int64_t n = 0;
  while (ma >> name_a >> x) {
    if (!(mb >> name_b >> y) || name_a != name_b) {
      std::fprintf(stderr, "the metric lists differ at %s\n", name_a.c_str());
      return 1;
    }
    worst = std::max(worst, std::abs(x - y) / std::max(std::abs(x), 1e-300));
    ++n;
  }
  if (mb >> name_b) {
    std::fprintf(stderr, "%s.metrics has more metrics\n", b.c_str());
    return 1;
  }
  std::printf("losses and representations: the same bits; %lld metrics, largest relative difference %.3g\n",
              static_cast<long long>(n), worst);
  return worst == 0 ? 0 : 1;
}

// An .exact file's contents.
struct Exact {
  std::vector<double> losses;
  int best_epoch = 0;
  std::vector<float> reps;  // users', then items'
};

Exact read_exact(const std::string& base) {
  const std::string bytes = read_file(base + ".exact");
  Exact e;
  size_t at = 0;
  auto take = [&](void* to, size_t n) {
    if (at + n > bytes.size()) throw std::runtime_error(base + ".exact is cut short");
    std::memcpy(to, bytes.data() + at, n);
    at += n;
  };
  int64_t epochs = 0, floats = 0;
  take(&epochs, sizeof epochs);
  take(&floats, sizeof floats);
  e.losses.resize(static_cast<size_t>(epochs));
  for (double& loss : e.losses) {
    int epoch = 0;
    take(&epoch, sizeof epoch);
    take(&loss, sizeof loss);
  }
  take(&e.best_epoch, sizeof e.best_epoch);
  e.reps.resize(static_cast<size_t>(floats));
  take(e.reps.data(), e.reps.size() * sizeof(float));
  return e;
}

// 0 when b's run agrees with a's within the tolerance (see the usage above).
int compare_within(double tolerance, const std::string& a, const std::string& b) {
  const Exact x = read_exact(a), y = read_exact(b);
  if (x.losses.size() != y.losses.size() || x.reps.size() != y.reps.size()) {
    std::fprintf(stderr, "%s and %s have different shapes\n", a.c_str(), b.c_str());
    return 1;
  }
  double loss_scale = 0, loss_diff = 0, rep_scale = 0, rep_diff = 0;
  for (size_t k = 0; k < x.losses.size(); ++k) {
    loss_scale = std::max(loss_scale, std::abs(x.losses[k]));
    loss_diff = std::max(loss_diff, std::abs(x.losses[k] - y.losses[k]));
  }
  for (size_t k = 0; k < x.reps.size(); ++k) {
    rep_scale = std::max(rep_scale, static_cast<double>(std::abs(x.reps[k])));
    rep_diff = std::max(rep_diff, static_cast<double>(std::abs(x.reps[k] - y.reps[k])));
  }
  std::istringstream ma(read_file(a + ".metrics")), mb(read_file(b + ".metrics"));
  std::string name_a, name_b;
  double p = 0, q = 0, metric_diff = 0;
  while (ma >> name_a >> p) {
    if (!(mb >> name_b >> q) || name_a != name_b) {
      std::fprintf(stderr, "the metric lists differ at %s\n", name_a.c_str());
      return 1;
    }
    metric_diff = std::max(metric_diff, std::abs(p - q));
  }
  const double loss_rel = loss_diff / std::max(loss_scale, 1e-300), rep_rel = rep_diff / std::max(rep_scale, 1e-300);
  std::printf("largest differences: loss %.3g (relative %.3g), representation %.3g (relative to the largest %.3g: "
              "%.3g), metric %.3g; best epoch %d and %d\n",
              loss_diff, loss_rel, rep_diff, rep_scale, rep_rel, metric_diff, x.best_epoch, y.best_epoch);
  return loss_rel <= tolerance && rep_rel <= tolerance && metric_diff <= tolerance && x.best_epoch == y.best_epoch
             ? 0
             : 1;
}

// --plan-check: every process's device peak against the plan of one process of the run.
int plan_check(const std::string& config_path, const std::vector<std::string>& overrides) {
  mmgraph::SyntheticOptions data_options;
  data_options.users = 8000;
  data_options.items = 3000;
  data_options.interactions = 150000;
  data_options.seed = 5;
  const mmgraph::Dataset data = mmgraph::make_synthetic_dataset(data_options);
  mmgraph::TrainConfig config = mmgraph::load_config(config_path);
  for (const char* fixed : {"device=cpu", "threads=1", "epochs=1", "eval_step=1", "eval_batch_size=1024"})
    mmgraph::apply_override(config, fixed);
  for (const std::string& o : overrides) mmgraph::apply_override(config, o);
  mmgraph::TrainOptions options;
  options.progress = false;
  const mmgraph::TrainResult r = mmgraph::train(data, config, options);
  const mmgraph::RunProcess p = mmgraph::run_process();
  const int64_t plan = mmgraph::plan_memory(config, mmgraph::data_sizes_of(data), p.size).total();
  const double ratio = static_cast<double>(plan) / static_cast<double>(r.device_peak_bytes);
  std::printf("%s, rank %d of %d: plan %lld bytes, device peak %lld (plan / peak %.3f)\n", config.model.c_str(),
              p.rank, p.size, static_cast<long long>(plan), static_cast<long long>(r.device_peak_bytes), ratio);
  return ratio >= 0.90 && ratio <= (p.size == 1 ? 1.10 : 1.20) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL OUT [key=value ...] | --compare OUT_A OUT_B\n", argv[0]);
    return 2;
  }
  try {
    if (std::strcmp(argv[1], "--compare") == 0) return argc == 4 ? compare(argv[2], argv[3]) : 2;
    if (std::strcmp(argv[1], "--compare-within") == 0)
      return argc == 5 ? compare_within(std::stod(argv[2]), argv[3], argv[4]) : 2;
    if (std::strcmp(argv[1], "--plan-check") == 0) return plan_check(argv[2], std::vector<std::string>(argv + 3, argv + argc));
    mmgraph::SyntheticOptions data_options;
    data_options.users = 301;
    data_options.items = 203;
    data_options.interactions = 6000;
    const mmgraph::Dataset data = mmgraph::make_synthetic_dataset(data_options);
    const std::string yaml = std::string("model: ") + argv[1] + "\nepochs: 10\ntrain_batch_size: 256\nembedding_size: 16\n"
                       "deterministic: true\nthreads: 1\neval_step: 2\n";
    mmgraph::TrainConfig config = mmgraph::parse_config(yaml, "test config");
    mmgraph::TrainOptions options;
    options.progress = false;
    bool check_order = false;
    for (int a = 3; a < argc; ++a) {
      const std::string arg = argv[a];
      if (arg == "--resume") options.resume = true;
      else if (arg == "--check-order") check_order = true;
      else if (arg.rfind("--checkpoint-dir=", 0) == 0) options.checkpoint_dir = arg.substr(arg.find('=') + 1);
      else mmgraph::apply_override(config, arg);
    }
    const mmgraph::TrainResult r = mmgraph::train(data, config, options);
    if (mmgraph::run_process().rank != 0) return 0;
    if (check_order) {
      const mmgraph::MetricTable again =
          mmgraph::evaluate_cpu(data, mmgraph::Split::kTest, r.user_rep.data(), r.item_rep.data(), r.dim, config.topk);
      for (const auto& [name, value] : r.test.items())
        if (std::abs(again.get(name) - value) > 1e-12) {
          std::fprintf(stderr, "test %s: %.17g in the run, %.17g from its representations in the original order\n",
                       name.c_str(), value, again.get(name));
          return 1;
        }
    }
    const std::string base = argv[2];
    std::ofstream out(base + ".exact", std::ios::binary), metrics(base + ".metrics");
    metrics.precision(17);
    put(out, static_cast<int64_t>(r.history.size()));
    put(out, static_cast<int64_t>(r.user_rep.size() + r.item_rep.size()));
    for (const mmgraph::EpochRecord& e : r.history) {
      put(out, e.epoch);
      put(out, e.loss);
      for (const auto& [name, value] : e.valid.items()) metrics << "valid" << e.epoch << "." << name << ' ' << value << '\n';
    }
    put(out, r.best_epoch);
    for (const auto& [name, value] : r.test.items()) metrics << "test." << name << ' ' << value << '\n';
    out.write(reinterpret_cast<const char*>(r.user_rep.data()), static_cast<std::streamsize>(r.user_rep.size() * sizeof(float)));
    out.write(reinterpret_cast<const char*>(r.item_rep.data()), static_cast<std::streamsize>(r.item_rep.size() * sizeof(float)));
    if (!out || !metrics) {
      std::fprintf(stderr, "cannot write %s.exact / .metrics\n", base.c_str());
      return 1;
    }
    std::printf("%s: %zu epochs, best %d, %zu user and %zu item floats\n", argv[1], r.history.size(), r.best_epoch,
                r.user_rep.size(), r.item_rep.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", mmgraph::run_process().rank, e.what());
    mmgraph::end_run(1);
  }
  return 0;
}
