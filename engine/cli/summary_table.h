#pragma once
// The end-of-run summary of `mmgraph train` as a small aligned table, for a
// terminal: one row per metric (Recall, NDCG, ...), one column per K, one
// section per split (best valid, test, test cold).
#include <string>
#include <vector>

#include "mmgraph/metrics.h"

namespace mmgraph::cli {

struct SummarySection {
  std::string title;          // e.g. "best valid"
  const MetricTable* table;   // metrics named "<Metric>@<K>"
};

// Each section is a header line (its title, then "@K" for every K of topk) and
// one line per metric, in the order the table first holds each metric name;
// values with 4 decimals, right-aligned, "-" where a metric lacks that K.
// Entries whose K is not in topk (or that have no "@K") are not shown. Every
// section shares the same column widths, so that the sections line up.
// Example (one section, topk {10, 20}):
//   best valid     @10     @20
//     Recall    0.0412  0.0655
//     NDCG      0.0221  0.0283
std::string summary_table(const std::vector<SummarySection>& sections, const std::vector<int>& topk);

}  // namespace mmgraph::cli
