#pragma once
// Waiting for an operation of another library (an MPI request, a NCCL stream) with a deadline.
#include <chrono>
#include <thread>

namespace mmgraph::detail {

// Calls done() until it returns true (then returns true) or timeout_seconds have passed (then
// returns false). The first 100 µs poll without sleeping, so that an operation that completes at
// once costs no sleep; later polls sleep 50 µs between them, so that processes sharing cores
// leave each other time to run.
template <typename Done>
bool poll_until(double timeout_seconds, Done done) {
  const auto begin = std::chrono::steady_clock::now();
  const auto deadline = begin + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    if (done()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now > deadline) return false;
    if (now - begin > std::chrono::microseconds(100)) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

}  // namespace mmgraph::detail
