// parse_json_document: nlohmann's DOM builder behind a SAX filter that keeps
// the position of every error (number overflow included) and refuses repeated keys.
#include "io/json_document.h"

#include <set>
#include <vector>

#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

using Json = nlohmann::json;

class StrictSax {
 public:
  explicit StrictSax(Json& out) : dom_(out, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) { return dom_.number_float(v, s); }
  bool string(Json::string_t& v) { return dom_.string(v); }
  bool binary(Json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) {
    keys_.emplace_back();
    return dom_.start_object(n);
  }
  bool key(Json::string_t& k) {
    if (!keys_.back().insert(k).second) {
      repeated = k;
      return false;
    }
    return dom_.key(k);
  }
  bool end_object() {
    keys_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_position = position;
    error = e.what();
    return false;
  }

  std::string repeated;       // a key given twice in one object
  size_t error_position = 0;  // nlohmann counts bytes from 1, past the offending one
  std::string error;

 private:
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  std::vector<std::set<std::string>> keys_;  // of the objects being read, innermost last
};

}  // namespace

nlohmann::json parse_json_document(std::string_view text, const std::string& source) {
  Json j;
  StrictSax sax(j);
  if (Json::sax_parse(text.begin(), text.end(), &sax)) return j;
  if (!sax.repeated.empty()) {
    const std::string quoted = Json(sax.repeated).dump();
    const size_t first = text.find(quoted);
    const size_t second = first == std::string_view::npos ? first : text.find(quoted, first + 1);
    throw InputError(source, second == std::string_view::npos ? "" : line_column(text, second),
                     "key " + excerpt(quoted) + " appears twice");
  }
  std::string message = sax.error;
  if (const auto p = message.find("syntax error"); p != std::string::npos) message = message.substr(p);
  else if (const auto q = message.find("] "); q != std::string::npos) message = message.substr(q + 2);
  throw InputError(source, line_column(text, sax.error_position > 0 ? sax.error_position - 1 : 0),
                   "invalid JSON: " + excerpt(message, 200));
}

}  // namespace mmgraph::io
