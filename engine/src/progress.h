#pragma once
// A one-line progress bar on stderr for the steps of an epoch: redrawn in place
// on a terminal, reduced to the end-of-epoch line otherwise (logs stay clean).
#include <chrono>
#include <cstdint>
#include <string>

namespace mmgraph::detail {

class ProgressBar {
 public:
  ProgressBar(bool enabled, std::string label, int64_t total);
  void update(int64_t done);
  // Ends the bar with a summary (steps/s and elapsed) followed by `suffix`.
  void finish(const std::string& suffix);

 private:
  bool enabled_, tty_;
  std::string label_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  void draw(int64_t done, bool final, const std::string& suffix);
};

}  // namespace mmgraph::detail
