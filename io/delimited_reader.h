#pragma once
// Delimited interaction files: MMRec .inter (tab-separated, header with
// userID / itemID / x_label, found by name) and generic CSV/TSV of
// user,item[,rating][,timestamp] with or without a header.
//
// The text is read a chunk at a time and each line is kept only as what the
// split needs (InteractionColumns: a user and an item id, a timestamp for the
// time split, a label for x_label), beside the original ids (IdMap).
#include <istream>
#include <string>
#include <string_view>

#include "mmgraph/dataset.h"

namespace mmgraph::io {

// MMRec .inter: x_label 0/1/2 gives the split; without an x_label column the
// interactions are split per LoadOptions. Ids are remapped in order of first
// appearance; user_ids/item_ids keep the originals.
Dataset read_inter(std::istream& in, const std::string& source, const LoadOptions& options);

// Generic CSV (',') or TSV ('\t'). The first line is a header when its first
// field contains "user" (any case); then columns are found by name (user*,
// item*, rating, timestamp/time); otherwise they are positional: user, item,
// [rating], [timestamp]. k-core filter and per-user split per LoadOptions.
Dataset read_delimited(std::istream& in, char delimiter, const std::string& source, const LoadOptions& options);

// The same of a text in memory.
Dataset parse_inter(std::string_view text, const std::string& source, const LoadOptions& options);
Dataset parse_delimited(std::string_view text, char delimiter, const std::string& source,
                        const LoadOptions& options);

}  // namespace mmgraph::io
