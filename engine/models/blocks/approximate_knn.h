#pragma once
// Approximate top-k cosine neighbours of every item through a FAISS index, for catalogues where
// the exact search (kernels/knn_graph.h, every pair's cosine) is out of reach: the rows are scaled
// to unit norm (a zero row stays zero), indexed for inner product, and each row's k best are
// searched, itself included when the index finds it. The lists have knn_cosine_topk's layout
// (descending cosine); a row whose search found fewer than k holds -1 ids past them, which the
// graph normalisation leaves out. Both indexes give the same lists every run: IVF's k-means (10
// rounds over at most 64 sampled rows a cell) has a fixed seed, and HNSW is built by one thread
// (its multithreaded insertion depends on timing).
#include <cstdint>
#include <string>

namespace mmgraph::detail {

struct ApproximateKnnOptions {
  std::string index = "ivf";  // "ivf" or "hnsw"
  int ivf_nprobe = 32;        // cells an IVF search visits (of 4 sqrt(n), at least 1)
  int hnsw_ef = 128;          // candidates an HNSW search keeps
};

// idx / sim [n x k] (host memory) for features [n x dim] (host memory, float32, row-major).
// Requires 1 <= k <= n.
void approximate_knn_topk(int64_t n, int64_t dim, const float* features, int k, const ApproximateKnnOptions& options,
                          int32_t* idx, float* sim);

// The share of the exact lists' ids [n x k] that approx [n x k] also holds (its recall@k).
double knn_list_recall(const int32_t* exact, const int32_t* approx, int64_t n, int k);

}  // namespace mmgraph::detail
