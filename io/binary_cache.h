#pragma once
// Loading the binary dataset cache written by mmgraph::save_dataset_binary.
#include <string>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// dir/manifest.json and its arrays; sizes and checksums verified.
Dataset load_dataset_binary(const std::string& dir);

}  // namespace mmgraph::io
