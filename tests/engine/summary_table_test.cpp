// The terminal form of `mmgraph train`'s summary: rows = metrics, columns = K.
#include "engine/cli/summary_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mmgraph::cli {
namespace {

MetricTable two_metrics() {
  MetricTable t;
  t.set("Recall@10", 0.0412);
  t.set("Recall@20", 0.06549);
  t.set("NDCG@10", 0.0221);
  t.set("NDCG@20", 0.02834);
  return t;
}

TEST(SummaryTable, OneSectionIsAHandWrittenTable) {
  const MetricTable t = two_metrics();
  EXPECT_EQ(summary_table({{"best valid", &t}}, {10, 20}),
            "best valid     @10     @20\n"
            "  Recall    0.0412  0.0655\n"
            "  NDCG      0.0221  0.0283\n");
}

TEST(SummaryTable, SectionsShareColumnWidthsAndKeepTheKOrder) {
  const MetricTable valid = two_metrics();
  MetricTable test;
  test.set("Precision@20", 0.5);
  test.set("Precision@5", 0.25);
  test.set("Recall@20", 1.0);
  test.set("Recall@100", 0.75);
  EXPECT_EQ(summary_table({{"valid", &valid}, {"test", &test}}, {20, 10, 100}),
            "valid           @20     @10    @100\n"
            "  Recall     0.0655  0.0412       -\n"
            "  NDCG       0.0283  0.0221       -\n"
            "test            @20     @10    @100\n"
            "  Precision  0.5000       -       -\n"
            "  Recall     1.0000       -  0.7500\n");
}

TEST(SummaryTable, EntriesOutsideTheKListOrWithoutKAreLeftOut) {
  MetricTable t;
  t.set("Recall@20", 0.125);
  t.set("Recall@50", 0.25);
  t.set("loss", 3.0);
  t.set("Odd@x", 1.0);
  EXPECT_EQ(summary_table({{"test", &t}}, {20}), "test         @20\n  Recall  0.1250\n");
}

TEST(SummaryTable, EmptyTableGivesTheHeaderOnly) {
  const MetricTable t;
  EXPECT_EQ(summary_table({{"test cold", &t}}, {10}), "test cold  @10\n");
  EXPECT_EQ(summary_table({}, {10}), "");
}

}  // namespace
}  // namespace mmgraph::cli
