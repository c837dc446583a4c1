// Approximate kNN through FAISS (see approximate_knn.h).
#include "engine/models/blocks/approximate_knn.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <vector>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

namespace {

// The rows scaled to unit L2 norm (the norm summed in float64, as the exact op's); zero rows stay zero.
std::vector<float> unit_rows(int64_t n, int64_t dim, const float* x) {
  std::vector<float> out(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t c = 0; c < dim; ++c) s += static_cast<double>(x[i * dim + c]) * x[i * dim + c];
    const double inv = s > 0 ? 1.0 / std::sqrt(s) : 0.0;
    for (int64_t c = 0; c < dim; ++c) out[static_cast<size_t>(i * dim + c)] = static_cast<float>(x[i * dim + c] * inv);
  }
  return out;
}

// OpenMP held to one thread while it lives.
class OneThread {
 public:
  OneThread() : before_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThread() { omp_set_num_threads(before_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int before_;
};

}  // namespace

void approximate_knn_topk(int64_t n, int64_t dim, const float* features, int k, const ApproximateKnnOptions& options,
                          int32_t* idx, float* sim) {
  if (k < 1 || k > n) throw Error("approximate_knn_topk: k must be in 1.." + std::to_string(n));
  if (n > INT32_MAX || dim > INT32_MAX) throw Error("approximate_knn_topk: more items or columns than int32 holds");
  const std::vector<float> x = unit_rows(n, dim, features);
  const auto d = static_cast<faiss::Index::idx_t>(dim);
  std::vector<faiss::Index::idx_t> labels(static_cast<size_t>(n * k));
  try {
    std::unique_ptr<faiss::Index> index;
    std::unique_ptr<faiss::IndexFlatIP> quantizer;
    if (options.index == "hnsw") {
      auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(d, 32, faiss::METRIC_INNER_PRODUCT);
      hnsw->hnsw.efConstruction = 80;
      {
        const OneThread one;
        hnsw->add(n, x.data());
      }
      hnsw->hnsw.efSearch = std::max(options.hnsw_ef, k);
      index = std::move(hnsw);
    } else if (options.index == "ivf") {
      const auto cells = static_cast<size_t>(std::clamp<double>(std::round(4 * std::sqrt(static_cast<double>(n))), 1,
                                                                static_cast<double>(n)));
      quantizer = std::make_unique<faiss::IndexFlatIP>(d);
      auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), d, cells, faiss::METRIC_INNER_PRODUCT);
      // k-means of 10 rounds on at most 64 sampled rows a cell: the cells only route the search.
      ivf->cp.seed = 1234;
      ivf->cp.niter = 10;
      ivf->cp.max_points_per_centroid = 64;
      ivf->cp.min_points_per_centroid = 1;  // small cells are expected: no warning about them
      ivf->train(n, x.data());
      ivf->add(n, x.data());
      ivf->nprobe = std::min(static_cast<size_t>(options.ivf_nprobe), cells);
      index = std::move(ivf);
    } else {
      throw Error("approximate_knn_topk: unknown index '" + options.index + "' (ivf or hnsw)");
    }
    index->search(n, x.data(), k, sim, labels.data());
  } catch (const faiss::FaissException& e) {
    throw Error(std::string("FAISS: ") + e.what());
  }
  for (size_t e = 0; e < labels.size(); ++e) idx[e] = static_cast<int32_t>(labels[e]);  // -1 where none was found
}

double knn_list_recall(const int32_t* exact, const int32_t* approx, int64_t n, int k) {
  int64_t found = 0;
  for (int64_t i = 0; i < n; ++i) {
    const std::set<int32_t> want(exact + i * k, exact + (i + 1) * k);
    for (int j = 0; j < k; ++j) found += static_cast<int64_t>(want.count(approx[i * k + j]));
  }
  return n * k > 0 ? static_cast<double>(found) / static_cast<double>(n * k) : 1.0;
}

}  // namespace mmgraph::detail
