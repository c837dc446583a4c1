#pragma once
// Delimited interaction files: MMRec .inter (tab-separated, header with
// userID / itemID / x_label, found by name) and generic CSV/TSV of
// user,item[,rating][,timestamp] with or without a header.
#include <string>
#include <string_view>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// MMRec .inter: x_label 0/1/2 gives the split; without an x_label column the
// interactions are split per LoadOptions. Ids are remapped in order of first
// appearance; user_ids/item_ids keep the originals.
Dataset parse_inter(std::string_view text, const std::string& source, const LoadOptions& options);

// Generic CSV (',') or TSV ('\t'). The first line is a header when its first
// field contains "user" (any case); then columns are found by name (user*,
// item*, rating, timestamp/time); otherwise they are positional: user, item,
// [rating], [timestamp]. k-core filter and per-user split per LoadOptions.
Dataset parse_delimited(std::string_view text, char delimiter, const std::string& source,
                        const LoadOptions& options);

}  // namespace mmgraph::io
