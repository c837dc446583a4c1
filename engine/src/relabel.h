#pragma once
// A data set with its users and items renumbered, for a run over several processes whose
// partition (METIS, degree_relabel) is contiguous blocks only in a new numbering: the run trains
// on the renumbered data set and gives its results back in the original numbering.
#include <cstdint>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph::detail {

// data with new user n = old user user_order[n] and new item n = old item item_order[n] (an empty
// order keeps that kind's numbering): the splits, the feature rows, the original ids and the
// item -> entity map move with them (dense ids get their numbers as names, so that outputs still
// name the original ones); the knowledge graph's entities keep their numbers.
Dataset relabeled(const Dataset& data, const std::vector<int32_t>& user_order, const std::vector<int32_t>& item_order);

// rows [order.size() x width] in new-id order, put back in old-id order (order empty: as they are).
std::vector<float> rows_in_original_order(const std::vector<float>& rows, const std::vector<int32_t>& order,
                                          int64_t width);

}  // namespace mmgraph::detail
