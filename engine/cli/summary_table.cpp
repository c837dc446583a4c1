#include "engine/cli/summary_table.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace mmgraph::cli {

namespace {

struct Row {
  std::string metric;
  std::map<int, double> by_k;
};

// The rows of one table: "<Metric>@<K>" entries grouped by metric, first-seen order.
std::vector<Row> rows_of(const MetricTable& table, const std::vector<int>& topk) {
  std::vector<Row> rows;
  for (const auto& [name, value] : table.items()) {
    const size_t at = name.rfind('@');
    if (at == std::string::npos) continue;
    int k = 0;
    try {
      k = std::stoi(name.substr(at + 1));
    } catch (const std::exception&) {
      continue;
    }
    if (std::find(topk.begin(), topk.end(), k) == topk.end()) continue;
    const std::string metric = name.substr(0, at);
    auto row = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.metric == metric; });
    if (row == rows.end()) row = rows.insert(rows.end(), Row{metric, {}});
    row->by_k[k] = value;
  }
  return rows;
}

}  // namespace

std::string summary_table(const std::vector<SummarySection>& sections, const std::vector<int>& topk) {
  std::vector<std::vector<Row>> all_rows;
  size_t label = 0, cell = 0;
  for (const auto& s : sections) {
    all_rows.push_back(rows_of(*s.table, topk));
    label = std::max(label, s.title.size());
    for (const Row& r : all_rows.back()) {
      label = std::max(label, r.metric.size() + 2);
      for (const auto& [k, v] : r.by_k) cell = std::max(cell, fmt::format("{:.4f}", v).size());
    }
  }
  for (int k : topk) cell = std::max(cell, fmt::format("@{}", k).size());

  std::string out;
  for (size_t i = 0; i < sections.size(); ++i) {
    out += fmt::format("{:<{}}", sections[i].title, label);
    for (int k : topk) out += fmt::format("  {:>{}}", fmt::format("@{}", k), cell);
    out += '\n';
    for (const Row& r : all_rows[i]) {
      out += fmt::format("  {:<{}}", r.metric, label - 2);
      for (int k : topk) {
        const auto v = r.by_k.find(k);
        out += fmt::format("  {:>{}}", v == r.by_k.end() ? std::string("-") : fmt::format("{:.4f}", v->second), cell);
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace mmgraph::cli
