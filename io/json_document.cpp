// parse_json_document: nlohmann's DOM parser with a duplicate-key check.
#include "io/json_document.h"

#include <set>
#include <vector>

#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

nlohmann::json parse_json_document(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> keys;  // of the objects being read, innermost last
  std::string repeated;
  auto check = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) keys.emplace_back();
    if (event == Event::object_end) keys.pop_back();
    if (event == Event::key && !keys.back().insert(parsed.get<std::string>()).second && repeated.empty())
      repeated = parsed.get<std::string>();
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end(), check);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann counts bytes from 1, past the offending one.
    std::string message = e.what();
    if (const auto p = message.find("syntax error"); p != std::string::npos) message = message.substr(p);
    throw InputError(source, line_column(text, e.byte > 0 ? e.byte - 1 : 0), "invalid JSON: " + excerpt(message, 200));
  }
  if (!repeated.empty()) {
    const std::string quoted = nlohmann::json(repeated).dump();
    const size_t first = text.find(quoted);
    const size_t second = first == std::string_view::npos ? first : text.find(quoted, first + 1);
    throw InputError(source, second == std::string_view::npos ? "" : line_column(text, second),
                     "key " + excerpt(quoted) + " appears twice");
  }
  return j;
}

}  // namespace mmgraph::io
