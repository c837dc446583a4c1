// The streamed .inter / CSV / TSV readers against a plain reference on random
// inputs: the whole text split into lines, one struct per row, iterative k-core,
// renumbering and the per-user split over std::map; and LineReader against the
// whole-text line splitting and UTF-8 check for every chunk size.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>

#include "io/delimited_reader.h"
#include "io/interactions.h"
#include "io/line_reader.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

struct Row {
  std::string user, item;
  double timestamp;
  int label;
};

// Random rows with skewed user and item draws (repeated pairs and ties in
// timestamps included), written as text with or without a header, with
// optional BOM, CRLF line ends, blank lines and spaces around fields.
struct RandomInput {
  std::vector<Row> rows;
  std::string text;
};

RandomInput random_input(std::mt19937_64& rng, char delimiter, bool inter, size_t n_rows) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int users = 1 + static_cast<int>(rng() % 300), items = 1 + static_cast<int>(rng() % 150);
  const bool header = inter || rng() % 2, labelled = inter && rng() % 2, crlf = rng() % 3 == 0;
  const bool bom = rng() % 4 == 0, padded = rng() % 4 == 0, integer_times = rng() % 2;
  RandomInput in;
  if (bom) in.text += "\xEF\xBB\xBF";
  const std::string end = crlf ? "\r\n" : "\n";
  const auto field = [&](const std::string& s) { return padded ? " " + s + " " : s; };
  const std::string sep(1, delimiter);
  if (header) in.text += inter ? (labelled ? "userID\titemID\trating\ttimestamp\tx_label" : "userID\titemID\trating\ttimestamp")
                               : fmt::format("user_id{}item_id{}rating{}timestamp", sep, sep, sep);
  if (header) in.text += end;
  for (size_t r = 0; r < n_rows; ++r) {
    Row row{fmt::format("u{}", static_cast<int>(users * std::pow(unit(rng), 2))),
            fmt::format("i{}", static_cast<int>(items * std::pow(unit(rng), 2))),
            integer_times ? static_cast<double>(rng() % 20) : static_cast<int>(rng() % 40) * 0.25,
            labelled ? static_cast<int>(rng() % 3) : -1};
    in.text += field(row.user) + sep + field(row.item) + sep + "5" + sep + field(fmt::format("{}", row.timestamp));
    if (labelled) in.text += sep + std::to_string(row.label);
    in.text += end;
    if (rng() % 50 == 0) in.text += rng() % 2 ? end : " \t" + end;
    in.rows.push_back(row);
  }
  return in;
}

// The data set the rows make, computed the plain way.
Dataset reference_dataset(const std::vector<Row>& rows, const LoadOptions& options) {
  std::map<std::string, int32_t> user_index, item_index;
  std::vector<std::string> user_names, item_names;
  struct Dense {
    int32_t user, item;
    double timestamp;
    int label;
  };
  std::vector<Dense> dense;
  for (const Row& r : rows) {
    const auto u = user_index.try_emplace(r.user, static_cast<int32_t>(user_names.size()));
    if (u.second) user_names.push_back(r.user);
    const auto i = item_index.try_emplace(r.item, static_cast<int32_t>(item_names.size()));
    if (i.second) item_names.push_back(r.item);
    dense.push_back({u.first->second, i.first->second, r.timestamp, r.label});
  }
  Dataset d;
  if (!rows.empty() && rows[0].label >= 0) {
    std::vector<std::pair<int32_t, int32_t>> parts[3];
    for (const Dense& r : dense) parts[r.label].push_back({r.user, r.item});
    d.n_users = static_cast<int32_t>(user_names.size());
    d.n_items = static_cast<int32_t>(item_names.size());
    d.train = interactions_from_pairs(d.n_users, parts[0]);
    d.valid = interactions_from_pairs(d.n_users, parts[1]);
    d.test = interactions_from_pairs(d.n_users, parts[2]);
    d.user_ids = user_names;
    d.item_ids = item_names;
    return d;
  }
  for (bool changed = options.kcore > 1; changed;) {
    std::map<int32_t, int> user_deg, item_deg;
    for (const Dense& r : dense) {
      ++user_deg[r.user];
      ++item_deg[r.item];
    }
    const size_t before = dense.size();
    std::erase_if(dense, [&](const Dense& r) { return user_deg[r.user] < options.kcore || item_deg[r.item] < options.kcore; });
    changed = dense.size() != before;
  }
  std::map<int32_t, int32_t> user_new, item_new;
  for (Dense& r : dense) {
    if (!user_new.count(r.user)) {
      user_new[r.user] = static_cast<int32_t>(user_new.size());
      d.user_ids.push_back(user_names[r.user]);
    }
    if (!item_new.count(r.item)) {
      item_new[r.item] = static_cast<int32_t>(item_new.size());
      d.item_ids.push_back(item_names[r.item]);
    }
    r.user = user_new[r.user];
    r.item = item_new[r.item];
  }
  d.n_users = static_cast<int32_t>(d.user_ids.size());
  d.n_items = static_cast<int32_t>(d.item_ids.size());
  std::vector<std::map<int32_t, double>> earliest(static_cast<size_t>(d.n_users));  // per user: item -> earliest time
  for (const Dense& r : dense) {
    const auto [it, inserted] = earliest[r.user].try_emplace(r.item, r.timestamp);
    if (!inserted) it->second = std::min(it->second, r.timestamp);
  }
  std::vector<std::pair<int32_t, int32_t>> parts[3];
  for (int32_t u = 0; u < d.n_users; ++u) {
    std::vector<std::pair<double, int32_t>> items;
    for (const auto& [item, t] : earliest[u]) items.push_back({options.split == "time" ? t : 0.0, item});
    if (options.split == "time") std::sort(items.begin(), items.end());
    else io::shuffle_user_items(items.begin(), items.end(), u, options.seed);
    const io::SplitCounts c = io::split_counts(static_cast<int64_t>(items.size()), options);
    for (int64_t k = 0; k < static_cast<int64_t>(items.size()); ++k)
      parts[k < c.train ? 0 : k < c.train + c.valid ? 1 : 2].push_back({u, items[k].second});
  }
  d.train = interactions_from_pairs(d.n_users, parts[0]);
  d.valid = interactions_from_pairs(d.n_users, parts[1]);
  d.test = interactions_from_pairs(d.n_users, parts[2]);
  return d;
}

void expect_same(const Dataset& got, const Dataset& want, const std::string& what) {
  EXPECT_EQ(got.n_users, want.n_users) << what;
  EXPECT_EQ(got.n_items, want.n_items) << what;
  EXPECT_EQ(got.user_ids, want.user_ids) << what;
  EXPECT_EQ(got.item_ids, want.item_ids) << what;
  for (const auto& [g, w] : {std::pair{&got.train, &want.train}, {&got.valid, &want.valid}, {&got.test, &want.test}}) {
    EXPECT_EQ(g->row_ptr, w->row_ptr) << what;
    EXPECT_EQ(g->col, w->col) << what;
  }
}

TEST(DelimitedReference, StreamedReadersMatchThePlainReference) {
  std::mt19937_64 rng(20261207);
  for (int trial = 0; trial < 120; ++trial) {
    const bool inter = trial % 3 == 0;
    const char delimiter = inter || trial % 3 == 1 ? '\t' : ',';
    // A few inputs past the reader's 1 MiB chunk, so that lines straddle chunks.
    const size_t n_rows = trial % 40 == 7 ? 120000 : rng() % 3000;
    const RandomInput in = random_input(rng, delimiter, inter, n_rows);
    LoadOptions options;
    options.kcore = static_cast<int>(rng() % 6);
    options.split = rng() % 2 ? "time" : "random";
    options.seed = rng();
    const std::string what = fmt::format("trial {}: {} rows, kcore {}, split {}", trial, n_rows, options.kcore, options.split);
    const Dataset want = reference_dataset(in.rows, options);
    const bool nothing_left = want.train.nnz() + want.valid.nnz() + want.test.nnz() == 0;
    try {
      std::istringstream stream(in.text);
      const Dataset got = inter ? io::read_inter(stream, "r", options) : io::read_delimited(stream, delimiter, "r", options);
      EXPECT_FALSE(nothing_left) << what;
      expect_same(got, want, what);
    } catch (const InputError& e) {
      EXPECT_TRUE(nothing_left) << what << ": " << e.what();
    }
  }
}

// The lines of a whole text as the readers took them before they streamed:
// UTF-8 checked, byte order mark stripped, one '\r' dropped, blank lines skipped.
std::vector<std::pair<size_t, std::string>> whole_text_lines(std::string_view text) {
  io::require_utf8(text, "t");
  text = io::strip_utf8_bom(text);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw InputError("t", "", "the file is empty");
  std::vector<std::pair<size_t, std::string>> lines;
  size_t start = 0, number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) lines.push_back({number, std::string(line)});
    start = end + 1;
  }
  return lines;
}

TEST(DelimitedReference, LineReaderMatchesTheWholeTextAtEveryChunkSize) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> pieces = {"a", "b7", " ", "\t", "\r", "\n", "\n", "\xC3\xA9", "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80", "\xFF", "\xC3", "\xED\xA0\x80", "\xEF\xBB\xBF"};
  for (int trial = 0; trial < 400; ++trial) {
    std::string text = trial % 5 == 0 ? "\xEF\xBB\xBF" : trial % 7 == 0 ? "\xFF\xFE" : "";
    const size_t n = rng() % 40;
    for (size_t k = 0; k < n; ++k) {
      const size_t p = rng() % pieces.size();
      if (p >= 10 && rng() % 4 != 0) continue;  // invalid bytes now and then
      text += pieces[p];
    }
    std::string want_error;
    std::vector<std::pair<size_t, std::string>> want;
    try {
      want = whole_text_lines(text);
    } catch (const InputError& e) {
      want_error = e.what();
    }
    for (size_t chunk = 1; chunk <= 9; ++chunk) {
      std::istringstream stream(text);
      io::LineReader reader(stream, "t", chunk);
      std::vector<std::pair<size_t, std::string>> got;
      std::string got_error;
      try {
        std::string_view line;
        size_t number = 0;
        while (reader.next(line, number)) got.push_back({number, std::string(line)});
        reader.finish();
      } catch (const InputError& e) {
        got_error = e.what();
      }
      EXPECT_EQ(got_error, want_error) << "trial " << trial << ", chunk " << chunk;
      if (want_error.empty()) {
        EXPECT_EQ(got, want) << "trial " << trial << ", chunk " << chunk;
      }
    }
  }
}

}  // namespace
}  // namespace mmgraph
