// `mmgraph plan` (see plan_command.h and mmgraph/memory_plan.h).
#include "engine/cli/plan_command.h"

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "mmgraph/config.h"
#include "mmgraph/errors.h"
#include "mmgraph/memory_plan.h"

namespace mmgraph::cli {

namespace {

// Bytes in binary units, three significant digits: "812 KiB", "1.25 GiB".
std::string human_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} B", bytes);
  return fmt::format("{:.{}f} {}", bytes, bytes < 10 ? 2 : bytes < 100 ? 1 : 0, kUnits[unit]);
}

}  // namespace

int run_plan(const PlanArgs& args) {
  TrainConfig config;
  for (const auto& path : args.configs) config = load_config(path, config);
  for (const auto& assignment : args.sets) apply_override(config, assignment);
  validate_config(config);
  const int64_t device_bytes = parse_byte_size(args.device_memory, "--device-memory");
  const DataSizes data = data_sizes(args.data);
  const MemoryPlan plan = plan_memory(config, data, args.devices);

  std::string features;
  for (size_t m = 0; m < data.modalities.size(); ++m)
    features += fmt::format("{}{} {}", m ? ", " : "; ", data.modalities[m], data.feature_dims[m]);
  std::printf("plan: %s on %s\n", config.model.c_str(), data.name.c_str());
  std::printf("data: %lld users, %lld items, %lld / %lld / %lld train / valid / test interactions%s%s\n",
              static_cast<long long>(data.users), static_cast<long long>(data.items),
              static_cast<long long>(data.train), static_cast<long long>(data.valid),
              static_cast<long long>(data.test), features.c_str(), data.estimated ? " (as asked of the generator)" : "");
  std::printf("per process of %d (d = %d, batch %lld, eval_batch_size %lld, %s features)", plan.processes,
              config.embedding_size, static_cast<long long>(config.train_batch_size),
              static_cast<long long>(config.eval_batch_size), config.feature_storage.c_str());
  if (plan.processes > 1) std::printf(", about %lld halo rows", static_cast<long long>(plan.halo_rows));
  std::printf(":\n");
  for (int p = 0; p < kMemoryParts; ++p) {
    const auto part = static_cast<MemoryPart>(p);
    std::printf("  %-18s %14lld bytes  %10s\n", memory_part_name(part), static_cast<long long>(plan[part]),
                human_bytes(static_cast<double>(plan[part])).c_str());
  }
  std::printf("  %-18s %14lld bytes  %10s\n", "total", static_cast<long long>(plan.total()),
              human_bytes(static_cast<double>(plan.total())).c_str());
  const int needed = devices_needed(config, data, device_bytes);
  const std::string size = human_bytes(static_cast<double>(device_bytes));
  if (needed == 0)
    std::printf("devices of %s: no number of them up to 65536 fits this run (%.0f %% headroom)\n", size.c_str(),
                100 * kPlanHeadroom);
  else
    std::printf("devices of %s needed: %d (the smallest number whose per-process total leaves %.0f %% of one free)\n",
                size.c_str(), needed, 100 * kPlanHeadroom);
  return 0;
}

}  // namespace mmgraph::cli
