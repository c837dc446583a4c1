// ProgressBar: steps, steps/s and ETA of the running epoch.
#include "engine/src/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

#include <fmt/format.h>

namespace mmgraph::detail {

ProgressBar::ProgressBar(bool enabled, std::string label, int64_t total)
    : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), label_(std::move(label)), total_(total),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

void ProgressBar::update(int64_t done) {
  if (!enabled_ || !tty_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done, false, "");
}

void ProgressBar::finish(const std::string& suffix) {
  if (enabled_) draw(total_, true, suffix);
}

void ProgressBar::draw(int64_t done, bool final, const std::string& suffix) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  constexpr int kWidth = 24;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
  const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kWidth - filled), '.');
  std::string line;
  if (final) {
    line = fmt::format("{} [{}] {}/{} steps {:.1f} steps/s {:.2f}s{}", label_, bar, done, total_, rate, elapsed, suffix);
  } else {
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    line = fmt::format("{} [{}] {}/{} steps {:.1f} steps/s ETA {:.1f}s", label_, bar, done, total_, rate, eta);
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace mmgraph::detail
