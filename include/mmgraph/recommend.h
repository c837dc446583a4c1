#pragma once
// Top-K recommendations from fixed representations (e.g. TrainResult::user_rep / item_rep).
#include <cstdint>
#include <string>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph {

// Top-K items per user by dot product of fixed representations.
struct TopK {
  int32_t k = 0;
  std::vector<int32_t> users;   // the users asked for (dense ids), in the order given
  std::vector<int32_t> items;   // [users.size() x k] dense item ids, best first; -1 pads rows with < k candidates
  std::vector<float> scores;    // [users.size() x k]; the item's score (dot product, or popularity count for cold users); NaN where items is -1
  std::vector<uint8_t> cold;    // [users.size()] 1 = the user has no training interaction: their row holds the
                                //  most popular training items (by training count, ties by lower id), not model scores
};

struct RecommendOptions {
  int32_t k = 20;
  bool exclude_train = true;         // never recommend a user's training items
  bool exclude_valid = false;        // ... nor their validation items (as test evaluation does)
  int64_t user_block = 4096;         // users scored per GEMM block
  std::string device = "auto";       // where users are scored: auto | cpu | cuda | cuda:N (auto: the first GPU
                                     //  if any, the CPU for k > 100, the GPU top-K's limit)
};

// user_rep [n_users x dim], item_rep [n_items x dim] row-major (e.g. TrainResult::user_rep).
// Users with training interactions get the k items of highest dot product (ties by lower
// item id) among the items the exclusion flags leave; cold users get the most popular items
// that occur in training (items never trained on are not popular, so they are not listed),
// with the same exclusions. Users are scored in blocks of user_block by one SGEMM each (cuBLAS
// and the evaluator's fused top-K on a GPU, OpenBLAS and a heap per row on the CPU); the full
// users x items matrix never exists.
// Throws InputError for a user id out of range ("recommend", "user <index in list>", ...),
// k < 1 (k > 100 with device cuda[:N]), dim < 1, user_block < 1 or an unknown device.
TopK recommend_topk(const Dataset& data, const float* user_rep, const float* item_rep, int dim,
                    const std::vector<int32_t>& users, const RecommendOptions& options = {});

}  // namespace mmgraph
