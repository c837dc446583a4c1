#pragma once
// The binary dataset cache written by mmgraph::save_dataset_binary: a
// manifest.json describing raw little-endian arrays in the same directory.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// One array as the manifest describes it.
struct ManifestArray {
  std::string dtype;           // "int64", "int32", "float32", or "text" (one id a line)
  std::vector<int64_t> shape;  // text: {number of lines}
  std::string file;            // a plain file name inside the cache directory
  uint64_t bytes = 0;          // = product(shape) * element size for numbers
  uint64_t checksum = 0;       // FNV-1a 64 of the file's bytes
};

// The counts of a knowledge graph (the manifest's "kg" object).
struct KgCounts {
  int32_t n_entities = 0, n_relations = 0;
};

struct Manifest {
  std::string name;
  int32_t n_users = 0, n_items = 0;
  std::vector<std::string> features;            // modality names, each with an array "feature_<name>"
  // Set when the data set has a knowledge graph, whose arrays are kg_head, kg_relation,
  // kg_tail (int32, one length) and item_entity (int32, n_items).
  std::optional<KgCounts> kg;
  std::map<std::string, ManifestArray> arrays;  // "train_row_ptr", "train_col", ..., "user_ids", "item_ids"
};

// Creates dir if needed and removes its manifest.json, so that an older cache
// there stops being one before its arrays are replaced; returns whether dir
// was created (to remove it again if writing fails).
bool open_cache_dir(const std::string& dir);

// Writes dir/manifest.json listing `arrays` (name, array), already written
// beside it, and the knowledge graph's counts when it has one. Written last: a
// cache is complete once its manifest exists.
void write_manifest(const std::string& dir, const std::string& name, int32_t n_users, int32_t n_items,
                    const std::vector<std::string>& features,
                    const std::vector<std::pair<std::string, ManifestArray>>& arrays,
                    const std::optional<KgCounts>& kg = std::nullopt);

// Parses and checks manifest.json without touching the array files: format
// and version, n_users and n_items in [0, 2^31 - 1), an optional "kg" object with
// n_entities and n_relations in [1, 2^31 - 1), every array of a data set (those of
// the knowledge graph when "kg" is there) present once with its dtype, a shape that
// fits n_users / n_items (the three triple arrays one nonzero length) and its
// byte count, a plain file name, a 16-digit checksum, and no other array.
// Every defect is an InputError naming `source` (and the array).
Manifest parse_manifest(std::string_view text, const std::string& source);

// dir/manifest.json and its arrays: each file mapped read-only (io/mapped_file.h),
// its size checked against the manifest, then its checksum (read through the
// mapping), then the data set's invariants. The numeric arrays (row pointers,
// columns, features, knowledge graph) stay views of their mappings, released with the last copy
// of the Dataset that shares them; an empty array is owned. Each array is a
// whole file mapped from offset 0 (page-aligned) whose size the manifest makes a
// whole number of elements, so every dtype can be viewed in place. The id lists
// are copied into strings. Without `load_features` the feature arrays are neither mapped nor
// checksummed: their shapes (from the manifest) go to Dataset::features_not_loaded.
Dataset load_dataset_binary(const std::string& dir, bool load_features = true);

}  // namespace mmgraph::io
