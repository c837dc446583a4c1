#pragma once
// JSON documents that the loaders read whole (manifests, id maps): syntax
// errors at line:column, and duplicate keys refused (a JSON object that names
// a key twice is ambiguous; nlohmann would keep the last one silently).
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace mmgraph::io {

// InputError naming `source` and the line:column of a syntax error or of the
// second occurrence of a repeated key.
nlohmann::json parse_json_document(std::string_view text, const std::string& source);

}  // namespace mmgraph::io
