// Exact against approximate kNN lists of one modality of a data set: the time of each build and
// the share of the exact lists' neighbours each approximate index finds (its recall@k), one
// markdown row per index.
//   mmgraph_knn_recall --data SPEC_OR_DIR --modality image [--k 10] [--nprobe 32] [--ef 128] [--threads N]
#include <omp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "engine/models/blocks/approximate_knn.h"
#include "kernels/knn_graph.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"exact against approximate kNN lists of one modality"};
  std::string data_spec, modality;
  int k = 10, nprobe = 32, ef = 128, threads = 0;
  app.add_option("--data", data_spec, "data set (directory or synthetic:...)")->required();
  app.add_option("--modality", modality, "the modality's name")->required();
  app.add_option("--k", k, "neighbours per item");
  app.add_option("--nprobe", nprobe, "cells an IVF search visits");
  app.add_option("--ef", ef, "candidates an HNSW search keeps");
  app.add_option("--threads", threads, "OpenMP threads (0: all)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (threads > 0) omp_set_num_threads(threads);
    const mmgraph::Dataset data = mmgraph::load_dataset(data_spec);
    const mmgraph::FeatureMatrix* f = nullptr;
    for (const auto& m : data.features)
      if (m.name == modality) f = &m;
    if (!f) throw mmgraph::Error("no modality '" + modality + "' in " + data_spec);
    const int64_t n = f->rows, dim = f->cols;
    std::printf("%s: %lld items x %lld columns, k = %d, %d threads\n", modality.c_str(), static_cast<long long>(n),
                static_cast<long long>(dim), k, omp_get_max_threads());
    std::vector<int32_t> exact(static_cast<size_t>(n * k)), idx(exact.size());
    std::vector<float> sim(exact.size());
    auto t0 = std::chrono::steady_clock::now();
    mmgraph::kernels::knn_cosine_topk_cpu(n, dim, f->values.data(), k, exact.data(), sim.data());
    std::printf("| index | settings | seconds | recall@%d of the exact lists |\n|---|---|---:|---:|\n", k);
    std::printf("| exact | | %.1f | 1 |\n", seconds_since(t0));
    std::fflush(stdout);
    for (const std::string index : {"ivf", "hnsw"}) {
      t0 = std::chrono::steady_clock::now();
      mmgraph::detail::approximate_knn_topk(n, dim, f->values.data(), k, {index, nprobe, ef}, idx.data(), sim.data());
      const double s = seconds_since(t0);
      std::printf("| %s | %s | %.1f | %.4f |\n", index.c_str(),
                  index == "ivf" ? ("nprobe " + std::to_string(nprobe)).c_str() : ("ef " + std::to_string(ef)).c_str(), s,
                  mmgraph::detail::knn_list_recall(exact.data(), idx.data(), n, k));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mmgraph_knn_recall: %s\n", e.what());
    return 1;
  }
  return 0;
}
