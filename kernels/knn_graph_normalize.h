#pragma once
// The item-item graph of LATTICE / FREEDOM from per-modality kNN lists (kernels/knn_graph.h):
// normalisation of one modality's graph and the weighted sum over modalities. Host functions,
// CPU only: the graph is built once before training. S is not symmetric; the backward pass uses
// csr_transpose_cpu (kernels/spmm.h).
#include <cstdint>
#include <vector>

#include "kernels/spmm.h"

namespace mmgraph::kernels {

// S = D^-1/2 A D^-1/2 over n items from a kNN list [n x k]: A[i, idx[i*k+j]] = max(sim, 0) when weighted
// (LATTICE), 1 otherwise (FREEDOM); D = row sums of A (as MMRec's 'sym' normalisation: both sides use the row
// sums of A, so S is not symmetric). A row whose degree is 0 stays empty. Columns sorted within each row.
// Entries of value 0 are not stored (sim <= 0 when weighted, or a column whose own row has degree 0).
// The ids of a row must be distinct and in 0..n-1, or -1 for no neighbour (an approximate index that
// found fewer than k: the entry is left out), mmgraph::Error otherwise; sim may be null when !weighted. Values are computed in float64 and rounded once.
CsrHost knn_normalized_graph_cpu(int64_t n, int k, const int32_t* idx, const float* sim, bool weighted);

// The two passes of knn_normalized_graph_cpu, for the rows of some of the n items (a graph built over
// several processes, each its own rows): the rows it returns are knn_normalized_graph_cpu's, bit for
// bit, once column_degree holds the degrees every process computed for its rows.
// Pass 1: rows row_first .. row_first + n_rows - 1 of A (columns sorted, entries of weight 0 left
// out, values in float64) from their kNN lists idx / sim [n_rows x k], and their degrees (row sums).
struct KnnAdjacencyRows {
  int64_t n_cols = 0;
  std::vector<int64_t> row_ptr;  // [n_rows + 1]
  std::vector<int32_t> col;
  std::vector<double> val;
  std::vector<double> degree;  // [n_rows]
};
KnnAdjacencyRows knn_adjacency_rows_cpu(int64_t n, int64_t row_first, int64_t n_rows, int k, const int32_t* idx,
                                        const float* sim, bool weighted);
// Pass 2: the same rows of S [n_rows x n]: each entry of A times D^-1/2 of its row (a.degree) and of
// its column (column_degree [n], the degrees of all n rows); entries that become 0 go.
CsrHost knn_normalize_rows_cpu(const KnnAdjacencyRows& a, const double* column_degree);
// sum_m weights[m] * mats[m] (all the same shape); columns sorted, duplicates merged.
// The pattern is the union of the inputs' patterns (a sum that cancels stays stored, as 0); every
// input needs values; a duplicate is summed in float64 in the order of mats.
CsrHost csr_weighted_sum_cpu(const std::vector<const CsrHost*>& mats, const std::vector<float>& weights);

}  // namespace mmgraph::kernels
