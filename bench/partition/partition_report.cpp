// mmgraph_partition_report: partitions each data set's training graph by each method into P
// blocks and prints, per data set, a Markdown table of the halo each rank reads, the load
// balance, the edge cut, the bytes one propagation layer moves (halo exchange against an
// all-gather of the whole table) and the seconds each partition took.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/src/partition.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"

namespace {

using mmgraph::detail::HaloStats;

// The largest and the mean of a per-rank quantity.
template <typename F>
std::pair<int64_t, double> max_and_mean(const std::vector<HaloStats>& stats, F value) {
  int64_t max = 0;
  double sum = 0;
  for (const HaloStats& s : stats) {
    max = std::max(max, value(s));
    sum += static_cast<double>(value(s));
  }
  return {max, sum / static_cast<double>(stats.size())};
}

// One table row: a partition of `data` by `method` into `parts` blocks.
void print_row(const mmgraph::Dataset& data, const std::string& method, int parts, int64_t dim) {
  const auto t0 = std::chrono::steady_clock::now();
  const mmgraph::detail::Partition p =
      mmgraph::detail::partition_graph(data.train, data.n_users, data.n_items, parts, method);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::vector<HaloStats> stats = mmgraph::detail::halo_stats(data.train, data.n_users, data.n_items, p);
  const auto [halo_max, halo_mean] = max_and_mean(stats, [](const HaloStats& s) { return s.halo_rows(); });
  const auto [edges_max, edges_mean] = max_and_mean(stats, [](const HaloStats& s) { return s.owned_edges; });
  const auto [rows_max, rows_mean] = max_and_mean(stats, [](const HaloStats& s) { return s.owned_rows(); });
  const int64_t cut = mmgraph::detail::edge_cut(stats);
  const double halo_mb = static_cast<double>(mmgraph::detail::halo_exchange_bytes(stats, dim)) / 1e6;
  const double gather_mb = static_cast<double>(mmgraph::detail::all_gather_bytes(stats, dim)) / 1e6;
  std::printf("| %s | %d | %lld | %.0f | %lld | %.0f | %.3f | %.3f | %lld (%.1f%%) | %.1f | %.1f | %.3f | %.3f |\n",
              method.c_str(), parts, static_cast<long long>(halo_max), halo_mean, static_cast<long long>(edges_max),
              edges_mean, static_cast<double>(edges_max) / edges_mean, static_cast<double>(rows_max) / rows_mean,
              static_cast<long long>(cut), 100.0 * static_cast<double>(cut) / static_cast<double>(data.train.nnz()),
              halo_mb, gather_mb, gather_mb > 0 ? halo_mb / gather_mb : 0.0, seconds);
  std::fflush(stdout);
}

// The Markdown table of one data set.
void report(const std::string& spec, const std::vector<int>& ranks, const std::vector<std::string>& methods,
            int64_t dim) {
  const auto t0 = std::chrono::steady_clock::now();
  mmgraph::LoadOptions options;
  options.load_features = false;
  const mmgraph::Dataset data = mmgraph::load_dataset(spec, options);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "loaded %s in %.1f s\n", spec.c_str(), load_seconds);
  std::printf("\n### %s\n\n", spec.c_str());
  std::printf("%d users, %d items, %lld training interactions; Â has %lld rows and %lld non-zeros; d = %lld "
              "(float32).\n\n",
              data.n_users, data.n_items, static_cast<long long>(data.train.nnz()),
              static_cast<long long>(data.n_users) + data.n_items, static_cast<long long>(2 * data.train.nnz()),
              static_cast<long long>(dim));
  std::printf("| method | P | halo rows max | halo rows mean | owned edges max | owned edges mean | "
              "edge balance (max/mean) | row balance (max/mean) | edge cut (of interactions) | halo MB/layer | "
              "all-gather MB/layer | halo / all-gather | partition s |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int parts : ranks)
    for (const std::string& method : methods) print_row(data, method, parts, dim);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Halo sizes and load balance of partitions of users and items into P blocks"};
  std::vector<std::string> specs;
  std::vector<int> ranks = {2, 4, 8};
  std::vector<std::string> methods = {"contiguous", "degree_relabel", "metis"};
  int64_t dim = 64;
  app.add_option("--data", specs, "Data set (repeatable): a directory, a file or synthetic:key=value,...")
      ->required();
  app.add_option("--ranks", ranks, "Block counts P, comma-separated")->delimiter(',')->capture_default_str();
  app.add_option("--methods", methods, "Methods: contiguous, degree_relabel, metis")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--dim", dim, "Embedding width d of the bytes per layer")->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    for (const std::string& spec : specs) report(spec, ranks, methods, dim);
  } catch (const mmgraph::InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
