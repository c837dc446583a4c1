#pragma once
// The in-memory data set: dense ids, train/valid/test interactions as CSR by
// user, optional modality feature matrices. See docs/ARCHITECTURE.md.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mmgraph/host_array.h"

namespace mmgraph {

// Interactions of one split: the items of user u are col[row_ptr[u] .. row_ptr[u+1]),
// sorted ascending and without duplicates. The arrays are owned, or views of a
// prepared data set's mapped files (load_dataset of a binary cache).
struct InteractionCsr {
  HostArray<int64_t> row_ptr;  // n_users + 1
  HostArray<int32_t> col;      // nnz item ids
  int64_t nnz() const { return static_cast<int64_t>(col.size()); }
};

// A knowledge graph over entities 0 .. n_entities-1: the triples (head[k], relation[k],
// tail[k]) sorted by head, relation, tail and without duplicates, as read (no inverse
// edges); item_entity[i] is the entity of item i or -1. Empty (no triples, no counts, no
// item map) when the data set has none.
struct KnowledgeGraph {
  int32_t n_entities = 0, n_relations = 0;
  HostArray<int32_t> head, relation, tail;  // n_triples each
  HostArray<int32_t> item_entity;           // n_items, when not empty
  int64_t n_triples() const { return static_cast<int64_t>(head.size()); }
  bool empty() const { return head.empty(); }
};

// One modality's dense item features: rows = n_items, row-major float32.
struct FeatureMatrix {
  std::string name;  // "image", "text", "audio", ...
  int64_t rows = 0;
  int64_t cols = 0;
  HostArray<float> values;  // owned, or a view of a prepared data set's mapped file
};

struct Dataset {
  std::string name;
  int32_t n_users = 0;
  int32_t n_items = 0;
  InteractionCsr train, valid, test;
  std::vector<FeatureMatrix> features;
  // The modalities a load left on disk (LoadOptions::load_features = false): name, rows and
  // cols as the source states them, no values.
  std::vector<FeatureMatrix> features_not_loaded;
  // Original ids, index = dense id; empty when the source has dense ids already.
  std::vector<std::string> user_ids, item_ids;
  KnowledgeGraph kg;  // empty when the source has none
};

// The interactions of one split from (user, item) pairs as a CSR by user over
// n_users users: duplicates collapse, items sorted. Ids must be in range (not checked).
InteractionCsr interactions_from_pairs(int32_t n_users, std::vector<std::pair<int32_t, int32_t>> pairs);

// Options for sources that must be split or filtered (generic CSV/TSV, .inter
// without x_label). Ignored by sources that carry their own split.
struct LoadOptions {
  int kcore = 0;              // iterative k-core filter on users and items (0 = off)
  std::string split = "random";  // "random" (8:1:1 per user) or "time" (by timestamp)
  double train_ratio = 0.8, valid_ratio = 0.1;
  uint64_t seed = 2024;
  // Read the item features: *_feat.npy beside JSON splits, the feature arrays of a prepared
  // set. When false, no page of them is read (nor mapped, nor checksummed): only their shapes,
  // from the .npy headers or the manifest, which still set and check the item count; they are
  // listed in Dataset::features_not_loaded.
  bool load_features = true;
  // A knowledge graph's triples (io/knowledge_graph.h), with its lists beside it; when
  // empty, DIR/kg_final.txt of JSON splits is read if it exists.
  std::string kg_path;
};

// Loads a data set from a specification:
//   DIR with train.json/val.json/test.json   LATTICE-style splits (+ DIR/*_feat.npy)
//   DIR with manifest.json                   binary cache written by save_dataset_binary; its
//                                            numeric arrays are memory-mapped read-only, not copied
//   FILE.inter                               MMRec interactions (x_label split or LoadOptions)
//   FILE.csv / FILE.tsv / FILE.txt           user,item[,rating][,timestamp]
//   synthetic:users=N,items=M,...            built-in generator (see synthetic.h)
// A knowledge graph (DIR/kg_final.txt beside JSON splits, or LoadOptions::kg_path for
// any source) is read into Dataset::kg.
// Throws InputError naming the file and position on malformed input.
Dataset load_dataset(const std::string& spec, const LoadOptions& options = {});

// Adds a modality read from an .npy file ([n_items x dim], float16/32/64), or
// replaces the feature of the same name. A row count other than n_items, or a
// NaN/Inf value (named by row and column), is an InputError naming the file.
void add_modality(Dataset& data, const std::string& name, const std::string& npy_path);

// Writes the binary cache (manifest.json + raw little-endian arrays) into dir.
void save_dataset_binary(const Dataset& data, const std::string& dir);

// Checks the invariants above (sorted, in range, sizes); throws Error naming the split.
void validate_dataset(const Dataset& data);

}  // namespace mmgraph
