// LATTICE-style JSON split parser on nlohmann's SAX interface (no DOM, and
// semantic errors located at the offending key).
#include "io/json_splits.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <unordered_set>

#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

// Dense ids are counts: n = max id + 1 must fit in int32_t.
constexpr int64_t kMaxId = std::numeric_limits<int32_t>::max();

class SplitSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit SplitSax(JsonSplit& out) : out_(out) {}

  bool key(string_t& k) override {
    if (depth_ != 1) return fail("unexpected key \"" + k + "\"");
    current_key_ = k;
    int64_t user = 0;
    if (!parse_int64(k, user) || user < 0 || user >= kMaxId)
      return fail("user id \"" + excerpt(k) + "\" is not a non-negative integer below " + std::to_string(kMaxId));
    if (!seen_users_.insert(static_cast<int32_t>(user)).second) return fail("user " + k + " is listed twice");
    user_ = static_cast<int32_t>(user);
    if (user_ > out_.max_user) {
      out_.max_user = user_;
      max_user_key_ = k;
    }
    items_of_user_.clear();
    return true;
  }
  bool start_object(std::size_t) override {
    if (depth_ != 0) return fail("expected an array of item ids, found an object");
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ != 1) return fail(depth_ == 0 ? "expected an object {\"user\": [items]}" : "nested arrays are not allowed");
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool number_integer(number_integer_t v) override { return item(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return item(v > static_cast<number_unsigned_t>(std::numeric_limits<int64_t>::max()) ? -1 : static_cast<int64_t>(v));
  }
  bool number_float(number_float_t, const string_t& s) override {
    // An integer past uint64 arrives here as a float.
    if (s.find_first_not_of("-0123456789") == string_t::npos) return out_of_range(excerpt(s));
    return fail("item id " + excerpt(s) + " is not an integer");
  }
  bool string(string_t& s) override { return fail("item id \"" + excerpt(s) + "\" is a string, expected an integer"); }
  bool boolean(bool) override { return fail("expected an item id, found a boolean"); }
  bool null() override { return fail("expected an item id, found null"); }
  bool binary(binary_t&) override { return fail("unexpected binary value"); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    syntax_position_ = position;
    syntax_message_ = e.what();
    return false;
  }

  std::string problem;       // semantic error, empty if none
  std::string max_user_key_;   // the key of max_user as written
  std::string max_item_user_;  // the key of the user whose list holds max_item
  std::string current_key_;  // key being read when it happened
  size_t syntax_position_ = 0;
  std::string syntax_message_;

 private:
  bool item(int64_t v) {
    if (depth_ != 2) return fail("expected an array of item ids");
    if (v < 0 || v >= kMaxId) return out_of_range(std::to_string(v));
    const auto i = static_cast<int32_t>(v);
    if (!items_of_user_.insert(i).second)
      return fail("item " + std::to_string(i) + " is listed twice for user " + current_key_);
    out_.pairs.push_back({user_, i});
    if (i > out_.max_item) {
      out_.max_item = i;
      max_item_user_ = current_key_;
    }
    return true;
  }
  bool out_of_range(const std::string& id) {
    return fail("item id " + id + " of user " + excerpt(current_key_) + " is out of range [0, " + std::to_string(kMaxId) + ")");
  }
  bool fail(std::string p) {
    problem = std::move(p);
    return false;
  }

  JsonSplit& out_;
  int depth_ = 0;
  int32_t user_ = -1;
  std::unordered_set<int32_t> seen_users_, items_of_user_;
};

// Byte offset of the n-th occurrence (1-based) of "key" as a JSON key, or npos.
size_t find_key(std::string_view text, const std::string& key, int occurrence) {
  const std::string quoted = "\"" + key + "\"";
  size_t pos = 0;
  for (int k = 0; k < occurrence; ++k) {
    pos = text.find(quoted, k == 0 ? 0 : pos + 1);
    if (pos == std::string_view::npos) return pos;
  }
  return pos;
}

// "line:column" of that occurrence, or "" when it cannot be found (an escaped key).
std::string key_position(std::string_view text, const std::string& key, int occurrence) {
  const size_t pos = key.empty() ? std::string_view::npos : find_key(text, key, occurrence);
  return pos == std::string_view::npos ? std::string() : line_column(text, pos);
}

}  // namespace

JsonSplit parse_json_split(std::string_view text, const std::string& source) {
  JsonSplit out;
  SplitSax sax(out);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw InputError(source, "", "the file is empty");
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
  if (ok) {
    out.max_user_at = key_position(text, sax.max_user_key_, 1);
    out.max_item_at = key_position(text, sax.max_item_user_, 1);
    return out;
  }
  if (!sax.problem.empty()) {
    // Locate the key being read: for a user listed twice, its second occurrence.
    const int occurrence = sax.problem.find("listed twice") != std::string::npos &&
                                   sax.problem.rfind("user ", 0) == 0 ? 2 : 1;
    throw InputError(source, key_position(text, sax.current_key_, occurrence), sax.problem);
  }
  // nlohmann positions count from 1 past the offending character.
  const size_t pos = sax.syntax_position_ > 0 ? sax.syntax_position_ - 1 : 0;
  std::string message = sax.syntax_message_;
  if (const auto colon = message.find("syntax error"); colon != std::string::npos) message = message.substr(colon);
  throw InputError(source, line_column(text, pos), "invalid JSON: " + excerpt(message, 200));
}

}  // namespace mmgraph::io
