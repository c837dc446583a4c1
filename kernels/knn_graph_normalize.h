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
// The ids of a row must be distinct and in 0..n-1 (mmgraph::Error otherwise); sim may be null when
// !weighted. Values are computed in float64 and rounded once.
CsrHost knn_normalized_graph_cpu(int64_t n, int k, const int32_t* idx, const float* sim, bool weighted);
// sum_m weights[m] * mats[m] (all the same shape); columns sorted, duplicates merged.
// The pattern is the union of the inputs' patterns (a sum that cancels stays stored, as 0); every
// input needs values; a duplicate is summed in float64 in the order of mats.
CsrHost csr_weighted_sum_cpu(const std::vector<const CsrHost*>& mats, const std::vector<float>& weights);

}  // namespace mmgraph::kernels
