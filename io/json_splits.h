#pragma once
// LATTICE-style JSON splits: {"<user id>": [<item id>, ...], ...} with dense
// integer ids, one file per split (train.json, val.json, test.json).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mmgraph::io {

struct JsonSplit {
  // (user, item) pairs in file order.
  std::vector<std::pair<int32_t, int32_t>> pairs;
  int32_t max_user = -1;
  int32_t max_item = -1;
  // "line:column" of the key of max_user, and of the key of the user whose
  // list holds max_item (for messages about them); empty when there are none.
  std::string max_user_at, max_item_at;
};

// Parses one split from memory; `source` names it in errors. Throws InputError
// for malformed JSON (with line:column), a user key or item that is not an
// integer in [0, 2^31 - 1), a value that is not an array, a user listed twice,
// or an item listed twice for the same user.
JsonSplit parse_json_split(std::string_view text, const std::string& source);

}  // namespace mmgraph::io
