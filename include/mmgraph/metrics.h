#pragma once
// Ranking metrics of a full-ranking evaluation, named "<Metric>@<K>".
#include <string>
#include <utility>
#include <vector>

namespace mmgraph {

// Metrics computed for every K: Recall, NDCG, Precision, Hit, MAP.
inline constexpr const char* kMetricNames[] = {"Recall", "NDCG", "Precision", "Hit", "MAP"};
inline constexpr int kNumMetrics = 5;

class MetricTable {
 public:
  void set(const std::string& name, double value);
  // Throws Error when the metric was not computed.
  double get(const std::string& name) const;
  bool has(const std::string& name) const;
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  // "Recall@10=0.0412 NDCG@10=0.0221 ..." with 4 decimals.
  std::string to_string() const;
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, double>> items_;
};

}  // namespace mmgraph
