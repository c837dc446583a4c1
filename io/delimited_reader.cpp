// Readers for .inter and generic CSV/TSV interaction files.
#include "io/delimited_reader.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "io/interactions.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

struct Columns {
  int user = -1, item = -1, label = -1, timestamp = -1;
  size_t count = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits one line into fields (no quoting: ids and numbers only).
void split_fields(std::string_view line, char delimiter, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  while (true) {
    const size_t end = line.find(delimiter, start);
    std::string_view f = line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!f.empty() && (f.front() == ' ' || f.front() == '\r')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\r')) f.remove_suffix(1);
    fields.push_back(f);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

// Iterates the non-empty lines of text with their 1-based numbers.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  size_t start = 0, number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) f(line, number);
    start = end + 1;
  }
}

struct Reader {
  const std::string& source;
  char delimiter;
  IdMap users, items;
  std::vector<Interaction> rows;
  std::vector<std::string_view> fields;

  void row(std::string_view line, size_t number, const Columns& c) {
    split_fields(line, delimiter, fields);
    const std::string where = "line " + std::to_string(number);
    if (fields.size() < c.count)
      throw InputError(source, where, "expected " + std::to_string(c.count) + " columns, found " + std::to_string(fields.size()));
    const std::string_view u = fields[c.user], i = fields[c.item];
    if (u.empty()) throw InputError(source, where, "empty user id");
    if (i.empty()) throw InputError(source, where, "empty item id");
    Interaction r{users.add(u), items.add(i), 0.0, -1};
    if (c.timestamp >= 0 && !parse_double(fields[c.timestamp], r.timestamp))
      throw InputError(source, where, "timestamp '" + excerpt(fields[c.timestamp]) + "' is not a finite number");
    if (c.label >= 0) {
      int64_t label = 0;
      if (!parse_int64(fields[c.label], label) || label < 0 || label > 2)
        throw InputError(source, where, "x_label '" + excerpt(fields[c.label]) + "' must be 0, 1 or 2");
      r.label = static_cast<int>(label);
    }
    rows.push_back(r);
  }

  Dataset finish(const LoadOptions& options, bool labelled) {
    if (rows.empty()) throw InputError(source, "", "no interactions");
    std::vector<std::string> user_names = users.names(), item_names = items.names();
    Dataset d;
    if (labelled) {
      d = split_by_label(rows, users.size(), items.size());
    } else {
      kcore_filter(rows, options.kcore, user_names, item_names);
      if (rows.empty()) throw InputError(source, "", std::to_string(options.kcore) + "-core filtering removed every interaction");
      d = split_per_user(rows, static_cast<int32_t>(user_names.size()), static_cast<int32_t>(item_names.size()), options, source);
    }
    d.user_ids = std::move(user_names);
    d.item_ids = std::move(item_names);
    return d;
  }
};

// The text without its byte order mark; InputError when it is empty or not UTF-8
// (ids go back out in recommendations and JSON, which must be UTF-8).
std::string_view checked_text(std::string_view text, const std::string& source) {
  require_utf8(text, source);
  text = strip_utf8_bom(text);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw InputError(source, "", "the file is empty");
  return text;
}

int find_column(const std::vector<std::string_view>& header, std::initializer_list<std::string_view> names) {
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string h = lower(header[c]);
    for (std::string_view n : names)
      if (h == n || h.rfind(std::string(n) + ":", 0) == 0) return static_cast<int>(c);  // RecBole "user_id:token"
  }
  return -1;
}

}  // namespace

Dataset parse_inter(std::string_view text, const std::string& source, const LoadOptions& options) {
  text = checked_text(text, source);
  Reader reader{source, '\t', {}, {}, {}, {}};
  Columns c;
  bool header_done = false;
  for_each_line(text, [&](std::string_view line, size_t number) {
    if (!header_done) {
      std::vector<std::string_view> header;
      split_fields(line, '\t', header);
      c.user = find_column(header, {"userid", "user_id"});
      c.item = find_column(header, {"itemid", "item_id"});
      c.label = find_column(header, {"x_label"});
      c.timestamp = find_column(header, {"timestamp"});
      const std::string where = "line " + std::to_string(number);
      if (c.user < 0) throw InputError(source, where, "header has no userID column");
      if (c.item < 0) throw InputError(source, where, "header has no itemID column");
      c.count = static_cast<size_t>(std::max({c.user, c.item, c.label, c.timestamp})) + 1;
      header_done = true;
      return;
    }
    reader.row(line, number, c);
  });
  if (options.split == "time" && c.label < 0 && c.timestamp < 0)
    throw InputError(source, "line 1", "split by time needs a timestamp column");
  return reader.finish(options, c.label >= 0);
}

Dataset parse_delimited(std::string_view text, char delimiter, const std::string& source, const LoadOptions& options) {
  text = checked_text(text, source);
  Reader reader{source, delimiter, {}, {}, {}, {}};
  Columns c;
  bool first = true;
  for_each_line(text, [&](std::string_view line, size_t number) {
    if (first) {
      first = false;
      std::vector<std::string_view> fields;
      split_fields(line, delimiter, fields);
      if (lower(fields[0]).find("user") != std::string::npos) {
        c.user = find_column(fields, {"user", "user_id", "userid", "uid"});
        c.item = find_column(fields, {"item", "item_id", "itemid", "iid"});
        c.timestamp = find_column(fields, {"timestamp", "time", "ts"});
        if (c.user < 0) c.user = 0;
        if (c.item < 0) throw InputError(source, "line " + std::to_string(number), "header has no item column");
        c.count = static_cast<size_t>(std::max({c.user, c.item, c.timestamp})) + 1;
        return;
      }
      if (fields.size() < 2) throw InputError(source, "line " + std::to_string(number), "expected at least 2 columns (user, item)");
      c.user = 0;
      c.item = 1;
      c.timestamp = fields.size() >= 4 ? 3 : -1;
      c.count = c.timestamp >= 0 ? 4 : 2;
    }
    reader.row(line, number, c);
  });
  if (options.split == "time" && c.timestamp < 0) throw InputError(source, "line 1", "split by time needs a timestamp column");
  return reader.finish(options, false);
}

}  // namespace mmgraph::io
