// The mmgraph command line: prepare, train, export, recommend, info, plan, bench.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/cli/plan_command.h"
#include "engine/cli/recommend_command.h"
#include "engine/cli/summary_table.h"
#include "mmgraph/mmgraph.h"

namespace {

constexpr const char* kDefaultData = "synthetic:";

struct DataArgs {
  std::string spec = kDefaultData;
  mmgraph::LoadOptions options;
  void add_to(CLI::App& app) {
    app.add_option("--data", spec,
                   "Data set: a directory of train/val/test.json, a prepared directory (manifest.json), "
                   "a .inter, .csv or .tsv file, or synthetic:key=value,...")
        ->capture_default_str();
    app.add_option("--kcore", options.kcore, "k-core filter for CSV/TSV/.inter without a split (0 = off)")
        ->capture_default_str();
    app.add_option("--split", options.split, "Split of unsplit sources: random (8:1:1) or time")
        ->check(CLI::IsMember({"random", "time"}))
        ->capture_default_str();
    app.add_option("--split-seed", options.seed, "Seed of the random split")->capture_default_str();
    app.add_option("--kg", options.kg_path,
                   "Knowledge-graph triples in KGAT's kg_final.txt layout (relation_list.txt, entity_list.txt "
                   "and item2entity.txt read beside it when present), for any source; default: kg_final.txt "
                   "beside JSON splits");
  }
};

void print_dataset(const mmgraph::Dataset& data, double seconds) {
  std::fprintf(stderr, "data %s: %d users, %d items, %lld train / %lld valid / %lld test interactions",
               data.name.c_str(), data.n_users, data.n_items, static_cast<long long>(data.train.nnz()),
               static_cast<long long>(data.valid.nnz()), static_cast<long long>(data.test.nnz()));
  for (const auto& f : data.features)
    std::fprintf(stderr, ", %s %lldx%lld", f.name.c_str(), static_cast<long long>(f.rows),
                 static_cast<long long>(f.cols));
  if (!data.kg.empty())
    std::fprintf(stderr, ", knowledge graph %lld triples over %d entities and %d relations",
                 static_cast<long long>(data.kg.n_triples()), data.kg.n_entities, data.kg.n_relations);
  std::fprintf(stderr, " (loaded in %.3f s)\n", seconds);
}

mmgraph::Dataset load_timed(const DataArgs& args) {
  const auto t0 = std::chrono::steady_clock::now();
  mmgraph::Dataset data = mmgraph::load_dataset(args.spec, args.options);
  if (mmgraph::run_process().rank == 0)  // every process of a run loads it; rank 0 reports
    print_dataset(data, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return data;
}

struct CheckpointArgs {
  std::string dir;
  int keep = 3;
  bool resume = false;
  void add_to(CLI::App& app) {
    app.add_option("--checkpoint-dir", dir,
                   "Save checkpoints here (every checkpoint_every epochs, the best epoch, the last epoch)");
    app.add_option("--keep-checkpoints", keep, "Periodic checkpoints kept (best.safetensors is kept besides)")
        ->capture_default_str();
    app.add_flag("--resume", resume, "Continue from the newest valid checkpoint in --checkpoint-dir");
  }
};

int run_train(const DataArgs& data_args, const std::vector<std::string>& configs,
              const std::vector<std::string>& sets, const std::string& device, const std::string& log_path,
              bool quiet, const CheckpointArgs& checkpoint, bool table) {
  mmgraph::TrainConfig config;
  for (const auto& path : configs) config = mmgraph::load_config(path, config);
  for (const auto& assignment : sets) mmgraph::apply_override(config, assignment);
  if (!device.empty()) mmgraph::apply_override(config, "device=" + device, "--device");
  mmgraph::validate_config(config);
  // A model that reads no item features (bprmf, lightgcn) trains without loading them.
  DataArgs load_args = data_args;
  load_args.options.load_features = mmgraph::model_reads_features(config.model);
  const mmgraph::Dataset data = load_timed(load_args);

  // In a run over several processes rank 0 alone reports.
  const mmgraph::RunProcess place = mmgraph::run_process();
  const bool lead = place.rank == 0;
  if (lead && !data.features_not_loaded.empty()) {
    std::string unread;
    for (const auto& f : data.features_not_loaded) unread += fmt::format("{}{} {}", unread.empty() ? "" : ", ", f.name, f.cols);
    std::fprintf(stderr, "features: not read by %s (%s left on disk)\n", config.model.c_str(), unread.c_str());
  }
  std::string summary;
  for (const auto& [key, value] : mmgraph::config_items(config)) summary += fmt::format(" {}={}", key, value);
  if (lead) std::fprintf(stderr, "config:%s\n", summary.c_str());
  if (lead && place.size > 1) std::fprintf(stderr, "processes: %d\n", place.size);

  mmgraph::TrainOptions options;
  options.progress = !quiet;
  options.log_path = log_path;
  options.checkpoint_dir = checkpoint.dir;
  options.keep_checkpoints = checkpoint.keep;
  options.resume = checkpoint.resume;
  const mmgraph::TrainResult r = mmgraph::train(data, config, options);
  if (!lead) return 0;

  double train_seconds = 0;
  for (const auto& rec : r.history) train_seconds += rec.train_seconds;
  std::printf("device: %s\n", r.device.c_str());
  std::printf("epochs: %d, best epoch: %d, %.3f s/epoch (training), %.1f s total, %.1f s to best\n", r.epochs_run,
              r.best_epoch, r.epochs_run > 0 ? train_seconds / r.epochs_run : 0.0, r.seconds, r.seconds_to_best);
  if (table) {
    std::vector<mmgraph::cli::SummarySection> sections{{"best valid", &r.best_valid}, {"test", &r.test}};
    if (!r.test_cold.empty()) {
      sections.push_back({"test warm", &r.test_warm});
      sections.push_back({"test cold", &r.test_cold});
      sections.push_back({"test cold among cold", &r.test_cold_among_cold});
    }
    std::fputs(mmgraph::cli::summary_table(sections, config.topk).c_str(), stdout);
  } else {
    std::printf("best valid: %s\n", r.best_valid.to_string().c_str());
    std::printf("test:       %s\n", r.test.to_string().c_str());
    if (!r.test_cold.empty()) {
      std::printf("test warm:  %s\n", r.test_warm.to_string().c_str());
      std::printf("test cold:  %s\n", r.test_cold.to_string().c_str());
      std::printf("test cold among cold: %s\n", r.test_cold_among_cold.to_string().c_str());
    }
  }
  if (r.eval_users > 0)
    std::printf("validation and test on a sample of %lld of the %lld users (eval_users)\n",
                static_cast<long long>(r.eval_users), static_cast<long long>(data.n_users));
  if (r.resumed_from_epoch > 0) std::printf("resumed from epoch %d\n", r.resumed_from_epoch);
  if (!r.last_checkpoint.empty()) std::printf("checkpoint: %s\n", r.last_checkpoint.c_str());
  return 0;
}

int run_export(const std::string& checkpoint, const std::string& out) {
  const mmgraph::TrainedModel model = mmgraph::load_trained_model(checkpoint);
  mmgraph::export_representations(model, out);
  std::printf("wrote %s: %s, %d users and %d items x %d (epoch %d of %d)\n", out.c_str(), model.model.c_str(),
              model.data.n_users, model.data.n_items, model.dim, model.best_epoch, model.epoch);
  return 0;
}

// A synthetic set is written while it is drawn (write_synthetic_dataset), in
// memory bounded whatever its size, and not read back.
int run_prepare(const DataArgs& data_args, const std::string& out_dir) {
  // A synthetic set streams to disk; with a knowledge graph to carry, it is drawn in memory.
  const auto synthetic = mmgraph::synthetic_spec_options(data_args.spec);
  if (synthetic && data_args.options.kg_path.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    const mmgraph::SyntheticSizes s = mmgraph::write_synthetic_dataset(*synthetic, out_dir);
    std::printf("wrote %s in %.3f s: synthetic, %d users, %d items, %lld train / %lld valid / %lld test "
                "interactions\n",
                out_dir.c_str(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), s.users,
                s.items, static_cast<long long>(s.train), static_cast<long long>(s.valid),
                static_cast<long long>(s.test));
    return 0;
  }
  int64_t train_nnz = 0;
  double write_s = 0;
  {  // freed before the set is read back, so that the two are never held together
    const mmgraph::Dataset data = load_timed(data_args);
    const auto t0 = std::chrono::steady_clock::now();
    mmgraph::save_dataset_binary(data, out_dir);
    write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    train_nnz = data.train.nnz();
  }
  const auto t1 = std::chrono::steady_clock::now();
  const mmgraph::Dataset again = mmgraph::load_dataset(out_dir);
  const double read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("wrote %s in %.3f s; it loads in %.4f s\n", out_dir.c_str(), write_s, read_s);
  return again.train.nnz() == train_nnz ? 0 : 1;
}

// Replaces this process by the benchmark binary beside this one, with `args` (Google Benchmark
// flags) as its arguments unchanged: its exit status is the command's.
int run_bench(const std::vector<std::string>& args) {
  const std::filesystem::path bench = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "mmgraph_bench";
  if (!std::filesystem::exists(bench))
    throw mmgraph::InputError(bench.string(), "", "the benchmark binary is missing (build with -DMMGRAPH_BUILD_BENCH=ON)");
  std::vector<std::string> argv_strings = {bench.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(bench.c_str(), argv.data());
  throw mmgraph::InputError(bench.string(), "", std::string("cannot run the benchmark binary: ") + std::strerror(errno));
}

// OpenBLAS reads OPENBLAS_CORETYPE only when it loads: when it has fallen back to kernels without
// the CPU's AVX2 / AVX-512 (mmgraph/blas.h), run this program again with the faster set named.
// A user's own OPENBLAS_CORETYPE is left as it is.
void use_fast_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  const mmgraph::BlasKernels k = mmgraph::blas_kernels();
  if (k.better.empty()) return;
  setenv("OPENBLAS_CORETYPE", k.better.c_str(), 1);
  execv("/proc/self/exe", argv);
  std::fprintf(stderr, "warning: OpenBLAS runs its %s kernels on a CPU that has %s's; could not restart with "
               "OPENBLAS_CORETYPE=%s, GEMMs run several times slower\n", k.chosen.c_str(), k.better.c_str(),
               k.better.c_str());
}

// Reports an error and returns its exit code. In a run over several processes the message names
// this process's rank and the whole run ends (mmgraph::end_run): the others may be waiting for it.
int fail(int code, const char* kind, const char* what) {
  mmgraph::RunProcess place;
  try {
    place = mmgraph::run_process();
  } catch (const std::exception&) {  // the launcher's environment itself is what failed
  }
  if (place.size == 1) {
    std::fprintf(stderr, "mmgraph: %s: %s\n", kind, what);
    return code;
  }
  std::fprintf(stderr, "mmgraph: rank %d of %d: %s: %s\n", place.rank, place.size, kind, what);
  mmgraph::end_run(code);
}

}  // namespace

int main(int argc, char** argv) {
  use_fast_blas_kernels(argv);
  CLI::App app{fmt::format("mmgraph {}: multimodal graph recommendation engine", MMGRAPH_VERSION_STRING)};
  app.require_subcommand(1);
  const mmgraph::BlasKernels blas = mmgraph::blas_kernels();
  app.set_version_flag("--version", fmt::format("{} ({}); OpenBLAS with its {} kernels, {} threads",
                                                MMGRAPH_VERSION_STRING,
                                                MMGRAPH_BUILT_WITH_CUDA ? "CUDA backend" : "CPU only", blas.chosen,
                                                blas.threading));

  DataArgs train_data, prepare_data, info_data;
  std::vector<std::string> configs, sets, bench_args;
  std::string device, log_path, out_dir;
  bool quiet = false, table = false;

  CLI::App* train = app.add_subcommand("train", "Train and evaluate a model");
  train_data.add_to(*train);
  train->add_option("-c,--config", configs, "YAML config file(s); later files override earlier ones")
      ->check(CLI::ExistingFile);
  train->add_option("--set", sets, "Override a config key: --set key=value (repeatable)");
  train->add_option("--device", device, "auto | cpu | cuda | cuda:N (overrides the config)");
  train->add_option("--log", log_path, "Write a JSONL log of every epoch to this file");
  train->add_flag("-q,--quiet", quiet, "No progress bar or per-evaluation lines");
  CLI::Option* table_flag = train->add_flag("--table,!--no-table", table,
                                            "Final metrics as a table (default: only when stdout is a terminal)");
  CheckpointArgs checkpoint_args;
  checkpoint_args.add_to(*train);

  std::string checkpoint_path;
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Write a checkpoint's user and item representations and id maps as safetensors");
  export_cmd->add_option("--checkpoint", checkpoint_path, "A checkpoint written by train --checkpoint-dir")
      ->required()
      ->check(CLI::ExistingFile);
  export_cmd->add_option("-o,--out", out_dir, "Output .safetensors file")->required();

  mmgraph::cli::RecommendArgs recommend_args;
  CLI::App* recommend = app.add_subcommand("recommend", "Top-K items per user from a checkpoint, in original ids");
  recommend->add_option("--checkpoint", recommend_args.checkpoint, "A checkpoint written by train --checkpoint-dir")
      ->required()
      ->check(CLI::ExistingFile);
  recommend->add_option("--users", recommend_args.users, "all, or a file of original user ids (one per line)")
      ->capture_default_str();
  recommend->add_option("-k,--k", recommend_args.k, "Items per user")->capture_default_str();
  recommend->add_option("-o,--out", recommend_args.out, "Output file, .csv or .jsonl (default: CSV on stdout)");
  recommend->add_option("--format", recommend_args.format, "csv or jsonl (default: from --out's extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  recommend->add_flag("--include-train", recommend_args.include_train,
                      "Also recommend items the user interacted with in training");
  recommend->add_option("--device", recommend_args.device,
                        "Where users are scored: auto (the first GPU if any; the CPU for k > 100), cpu, cuda or cuda:N")
      ->capture_default_str();

  CLI::App* prepare = app.add_subcommand("prepare", "Convert a data set to the binary format that train loads fast");
  prepare_data.add_to(*prepare);
  prepare->add_option("-o,--out", out_dir, "Output directory")->required();

  CLI::App* info = app.add_subcommand("info", "Load a data set and print its sizes");
  info_data.add_to(*info);

  mmgraph::cli::PlanArgs plan_args;
  CLI::App* plan = app.add_subcommand(
      "plan", "Print the device memory a training run needs per process, from the data set's sizes alone");
  plan->add_option("--data", plan_args.data, "A prepared directory (manifest.json) or synthetic:key=value,...")
      ->required();
  plan->add_option("-c,--config", plan_args.configs, "YAML config file(s); later files override earlier ones")
      ->check(CLI::ExistingFile);
  plan->add_option("--set", plan_args.sets, "Override a config key: --set key=value (repeatable)");
  plan->add_option("--devices", plan_args.devices, "Processes of the run, one device each")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  plan->add_option("--device-memory", plan_args.device_memory,
                   "Memory of one device: 80GiB, 40GB, 512MiB or bytes (for the number of devices needed)")
      ->capture_default_str();

  CLI::App* bench = app.add_subcommand("bench", "Run the kernel microbenchmarks (Google Benchmark flags pass through)");
  bench->allow_extras();
  bench->prefix_command();

  // A usage error is an input error (exit code 2); --help and --version end the parse with code 0.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("mmgraph: error: {}\nRun with --help for more information.\n", e.what());
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // What a command prints on stdout (metrics, recommendations) must have reached it: a failed write
  // (a full disk, a closed pipe) is an error, not a silent success.
  auto stdout_written = [](int code) {
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
      return fail(code == 0 ? 1 : code, "error", (std::string("cannot write standard output: ") + std::strerror(errno)).c_str());
    return code;
  };
  try {
    if (*train)
      return stdout_written(run_train(train_data, configs, sets, device, log_path, quiet, checkpoint_args,
                       table_flag->count() > 0 ? table : isatty(fileno(stdout)) != 0));
    if (*export_cmd) return run_export(checkpoint_path, out_dir);
    if (*recommend) return stdout_written(mmgraph::cli::run_recommend(recommend_args));
    if (*prepare) return run_prepare(prepare_data, out_dir);
    if (*info) {
      load_timed(info_data);
      return 0;
    }
    if (*plan) return mmgraph::cli::run_plan(plan_args);
    if (*bench) return run_bench(bench->remaining());
  } catch (const mmgraph::InputError& e) {
    return fail(2, "error", e.what());
  } catch (const mmgraph::DivergedError& e) {
    return fail(3, "error", e.what());
  } catch (const std::exception& e) {
    return fail(1, "internal error", e.what());
  }
  return 0;
}
