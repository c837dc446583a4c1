// .inter and CSV/TSV readers, k-core filtering and per-user splits.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>

#include "io/delimited_reader.h"
#include "io/interactions.h"
#include "mmgraph/errors.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    for (const auto& s : fragments) EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
  }
}

TEST(Inter, ColumnsByNameAndLabelledSplit) {
  const std::string text =
      "itemID\tuserID\trating\tx_label\n"
      "i9\tu1\t5\t0\n"
      "i8\tu1\t4\t0\n"
      "i9\tu2\t3\t0\n"
      "i7\tu1\t2\t1\n"
      "i8\tu2\t1\t2\n";
  const Dataset d = io::parse_inter(text, "a.inter", {});
  EXPECT_EQ(d.n_users, 2);
  EXPECT_EQ(d.n_items, 3);
  EXPECT_EQ(d.user_ids, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"i9", "i8", "i7"}));
  EXPECT_EQ(d.train.row_ptr, (std::vector<int64_t>{0, 2, 3}));
  EXPECT_EQ(d.train.col, (std::vector<int32_t>{0, 1, 0}));
  EXPECT_EQ(d.valid.col, (std::vector<int32_t>{2}));
  EXPECT_EQ(d.test.row_ptr, (std::vector<int64_t>{0, 0, 1}));
}

TEST(Inter, MalformedInputsNameFileAndLine) {
  expect_error([] { io::parse_inter("", "a.inter", {}); }, {"a.inter", "empty"});
  expect_error([] { io::parse_inter("user\titemID\n1\t2\n", "a.inter", {}); }, {"a.inter:line 1", "userID"});
  expect_error([] { io::parse_inter("userID\titemID\tx_label\n1\t2\t0\n1\t3\n", "a.inter", {}); },
               {"a.inter:line 3", "expected 3 columns"});
  expect_error([] { io::parse_inter("userID\titemID\tx_label\n1\t2\t7\n", "a.inter", {}); },
               {"a.inter:line 2", "x_label"});
  expect_error([] { io::parse_inter("userID\titemID\n\t2\n", "a.inter", {}); }, {"line 2", "empty user id"});
}

TEST(Delimited, HeaderlessCsvWithKcoreAndRandomSplit) {
  // Users a..d, items x..z; user d and item w have a single interaction.
  std::string text;
  for (const char* u : {"a", "b", "c"})
    for (const char* i : {"x", "y", "z"}) text += fmt::format("{},{},1\n", u, i);
  text += "d,x,1\na,w,1\n";
  LoadOptions o;
  o.kcore = 2;
  const Dataset d = io::parse_delimited(text, ',', "r.csv", o);
  EXPECT_EQ(d.n_users, 3);
  EXPECT_EQ(d.n_items, 3);
  EXPECT_EQ(d.train.nnz() + d.valid.nnz() + d.test.nnz(), 9);
  for (const auto& id : d.user_ids) EXPECT_NE(id, "d");
  for (const auto& id : d.item_ids) EXPECT_NE(id, "w");
  // 3 items per user: round(0.3) = 0 valid, 0 test: all in training.
  EXPECT_EQ(d.train.nnz(), 9);
}

TEST(Delimited, KcoreIsIterative) {
  // Removing item q (1 interaction) leaves user b with 1 interaction, which then goes too.
  const std::string text = "user,item\na,x\na,y\nb,x\nb,q\nc,x\nc,y\n";
  LoadOptions o;
  o.kcore = 2;
  const Dataset d = io::parse_delimited(text, ',', "k.csv", o);
  EXPECT_EQ(d.user_ids, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"x", "y"}));
}

TEST(Delimited, RandomSplitIsSeededAndProportional) {
  std::string text = "user\titem\n";
  for (int u = 0; u < 50; ++u)
    for (int i = 0; i < 20; ++i) text += fmt::format("u{}\ti{}\n", u, (u + i * 7) % 97);
  LoadOptions o;
  const Dataset a = io::parse_delimited(text, '\t', "s.tsv", o);
  const Dataset b = io::parse_delimited(text, '\t', "s.tsv", o);
  EXPECT_EQ(a.test.col, b.test.col);
  EXPECT_EQ(a.train.nnz(), 50 * 16);
  EXPECT_EQ(a.valid.nnz(), 50 * 2);
  EXPECT_EQ(a.test.nnz(), 50 * 2);
  o.seed = 99;
  const Dataset c = io::parse_delimited(text, '\t', "s.tsv", o);
  EXPECT_NE(a.test.col, c.test.col);
}

TEST(Delimited, TimeSplitPutsTheNewestInTest) {
  std::string text;
  for (int t = 0; t < 10; ++t) text += fmt::format("u\ti{}\t1\t{}\n", t, 100 - t);
  LoadOptions o;
  o.split = "time";
  const Dataset d = io::parse_delimited(text, '\t', "t.tsv", o);
  // Timestamps decrease with the item: i0 is the newest, i9 the oldest.
  ASSERT_EQ(d.test.nnz(), 1);
  EXPECT_EQ(d.item_ids[d.test.col[0]], "i0");
  EXPECT_EQ(d.item_ids[d.valid.col[0]], "i1");
  expect_error([] {
    LoadOptions t;
    t.split = "time";
    io::parse_delimited("a,b\nc,d\n", ',', "n.csv", t);
  }, {"n.csv", "timestamp"});
}

TEST(Delimited, MalformedInputs) {
  expect_error([] { io::parse_delimited("", ',', "e.csv", {}); }, {"e.csv", "empty"});
  expect_error([] { io::parse_delimited("a\n", ',', "e.csv", {}); }, {"e.csv:line 1", "2 columns"});
  expect_error([] { io::parse_delimited("a,b,1,5\nc\n", ',', "e.csv", {}); }, {"e.csv:line 2", "columns"});
  expect_error([] { io::parse_delimited("a,b,1,yesterday\n", ',', "e.csv", {}); }, {"e.csv:line 1", "timestamp"});
  // The whole-file checks come first, wherever in the file they fail.
  expect_error([] { io::parse_delimited("a\nb,c\nx\xff,y\n", ',', "e.csv", {}); }, {"e.csv:3:2", "byte 0xFF is not UTF-8"});
  expect_error([] { io::parse_delimited(" \r \n\t\n", ',', "e.csv", {}); }, {"e.csv", "the file is empty"});
  expect_error([] {
    LoadOptions o;
    o.kcore = 50;
    io::parse_delimited("a,b\nc,d\n", ',', "e.csv", o);
  }, {"removed every interaction"});
  testing::TempDir dir;
  const auto path = dir.write("x.parquet", "junk");
  expect_error([&] { load_dataset(path); }, {"x.parquet", "unknown file type"});
  expect_error([&] { load_dataset((dir.path() / "missing.csv").string()); }, {"missing.csv", "no such file"});
}

}  // namespace
}  // namespace mmgraph
