// Readers for .inter and generic CSV/TSV interaction files.
#include "io/delimited_reader.h"

#include <algorithm>
#include <cctype>
#include <streambuf>
#include <vector>

#include "io/block_column.h"
#include "io/interactions.h"
#include "io/line_reader.h"
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

// Turns lines into InteractionColumns and the id maps; keeps a line's timestamp
// only when keep_timestamps, its label only when the columns have one.
struct Reader {
  Reader(const std::string& source_name, char delimiter_char) : source(source_name), delimiter(delimiter_char) {}

  const std::string& source;
  char delimiter;
  Columns columns;
  bool keep_timestamps = false;
  IdMap users, items;
  BlockColumn<int32_t> user, item;
  BlockColumn<double> timestamp;
  BlockColumn<int8_t> label;
  std::vector<std::string_view> fields;

  void row(std::string_view line, size_t number) {
    const Columns& c = columns;
    split_fields(line, delimiter, fields);
    const auto where = [number] { return "line " + std::to_string(number); };
    if (fields.size() < c.count)
      throw InputError(source, where(), "expected " + std::to_string(c.count) + " columns, found " + std::to_string(fields.size()));
    const std::string_view u = fields[c.user], i = fields[c.item];
    if (u.empty()) throw InputError(source, where(), "empty user id");
    if (i.empty()) throw InputError(source, where(), "empty item id");
    const int32_t user_id = users.add(u), item_id = items.add(i);
    double t = 0.0;
    if (c.timestamp >= 0 && !parse_double(fields[c.timestamp], t))
      throw InputError(source, where(), "timestamp '" + excerpt(fields[c.timestamp]) + "' is not a finite number");
    if (c.label >= 0) {
      int64_t x = 0;
      if (!parse_int64(fields[c.label], x) || x < 0 || x > 2)
        throw InputError(source, where(), "x_label '" + excerpt(fields[c.label]) + "' must be 0, 1 or 2");
      label.push_back(static_cast<int8_t>(x));
    }
    user.push_back(user_id);
    item.push_back(item_id);
    if (keep_timestamps) timestamp.push_back(t);
  }

  Dataset finish(const LoadOptions& options, bool labelled) {
    InteractionColumns rows{user.take(), item.take(), timestamp.take(), label.take()};
    if (rows.size() == 0) throw InputError(source, "", "no interactions");
    Dataset d;
    if (labelled) {
      d = split_by_label(std::move(rows), users.size(), items.size());
      d.user_ids = users.names();
      d.item_ids = items.names();
    } else {
      const KeptIds kept = kcore_filter(rows, options.kcore, users.size(), items.size());
      if (rows.size() == 0) throw InputError(source, "", std::to_string(options.kcore) + "-core filtering removed every interaction");
      d = split_per_user(std::move(rows), static_cast<int32_t>(kept.users.size()), static_cast<int32_t>(kept.items.size()),
                         options, source);
      d.user_ids = users.names(kept.users);
      d.item_ids = items.names(kept.items);
    }
    return d;
  }
};

int find_column(const std::vector<std::string_view>& header, std::initializer_list<std::string_view> names) {
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string h = lower(header[c]);
    for (std::string_view n : names)
      if (h == n || h.rfind(std::string(n) + ":", 0) == 0) return static_cast<int>(c);  // RecBole "user_id:token"
  }
  return -1;
}

// A read-only stream over text in memory.
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(std::string_view text) {
    char* p = const_cast<char*>(text.data());
    setg(p, p, p + text.size());
  }
};

}  // namespace

Dataset read_inter(std::istream& in, const std::string& source, const LoadOptions& options) {
  LineReader lines(in, source);
  Reader reader(source, '\t');
  Columns& c = reader.columns;
  bool header_done = false;
  for_each_line(lines, [&](std::string_view line, size_t number) {
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
      reader.keep_timestamps = options.split == "time" && c.label < 0 && c.timestamp >= 0;
      header_done = true;
      return;
    }
    reader.row(line, number);
  });
  if (options.split == "time" && c.label < 0 && c.timestamp < 0)
    throw InputError(source, "line 1", "split by time needs a timestamp column");
  return reader.finish(options, c.label >= 0);
}

Dataset read_delimited(std::istream& in, char delimiter, const std::string& source, const LoadOptions& options) {
  LineReader lines(in, source);
  Reader reader(source, delimiter);
  Columns& c = reader.columns;
  bool first = true;
  for_each_line(lines, [&](std::string_view line, size_t number) {
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
        reader.keep_timestamps = options.split == "time" && c.timestamp >= 0;
        return;
      }
      if (fields.size() < 2) throw InputError(source, "line " + std::to_string(number), "expected at least 2 columns (user, item)");
      c.user = 0;
      c.item = 1;
      c.timestamp = fields.size() >= 4 ? 3 : -1;
      c.count = c.timestamp >= 0 ? 4 : 2;
      reader.keep_timestamps = options.split == "time" && c.timestamp >= 0;
    }
    reader.row(line, number);
  });
  if (options.split == "time" && c.timestamp < 0) throw InputError(source, "line 1", "split by time needs a timestamp column");
  return reader.finish(options, false);
}

Dataset parse_inter(std::string_view text, const std::string& source, const LoadOptions& options) {
  MemoryBuffer buffer(text);
  std::istream in(&buffer);
  return read_inter(in, source, options);
}

Dataset parse_delimited(std::string_view text, char delimiter, const std::string& source, const LoadOptions& options) {
  MemoryBuffer buffer(text);
  std::istream in(&buffer);
  return read_delimited(in, delimiter, source, options);
}

}  // namespace mmgraph::io
