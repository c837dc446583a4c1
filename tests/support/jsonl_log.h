#pragma once
// A training run's JSONL log without its wall-clock fields and the device's peak bytes (a resumed
// run allocates otherwise), for comparing two runs' logs.
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mmgraph::testing {

// The JSONL log at `path`, one JSON value per line, without train_seconds, eval_seconds, seconds,
// seconds_to_best and device_peak_bytes.
inline std::vector<nlohmann::json> log_without_times(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    for (const char* key : {"train_seconds", "eval_seconds", "seconds", "seconds_to_best", "device_peak_bytes"}) j.erase(key);
    out.push_back(j);
  }
  return out;
}

}  // namespace mmgraph::testing
