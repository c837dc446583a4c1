// The trainer's part of a run over several processes (see sharded_run.h).
#include "engine/src/sharded_run.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mmgraph/errors.h"

namespace mmgraph::detail {

void check_runs_sharded(const TrainConfig& config) {
  // The models whose sharded forms exist (a model added to the registry starts out of this list).
  static const std::set<std::string> sharded = {"bprmf", "lightgcn", "vbpr", "freedom", "lattice", "mgcn", "mmgraph"};
  if (!sharded.count(config.model))
    throw InputError("model", config.model,
                     "does not run over several processes yet (bprmf, lightgcn, vbpr, freedom, lattice, mgcn and "
                     "mmgraph do); start it as one process");
  if (config.knn_index != "exact")
    throw InputError("knn_index", config.knn_index,
                     "approximate kNN graphs are built in one process; use knn_index: exact over several processes");
}

Partition partition_for(const Dataset& data, const TrainConfig& config, int size) {
  return partition_graph(data.train, data.n_users, data.n_items, size, config.partition);
}

ShardLayout layout_of(const Partition& partition, int rank, int64_t n_users, int64_t n_items) {
  ShardLayout layout{rank, partition.parts, partition.user_bounds, partition.item_bounds};
  check_layout(layout, n_users, n_items);
  return layout;
}

namespace {

// The bytes of s as int64 words (zero padded), in device memory.
Buffer<int64_t> words_of(Device& dev, const std::string& s, int64_t words) {
  std::vector<int64_t> host(static_cast<size_t>(words), 0);
  std::copy(s.begin(), s.end(), reinterpret_cast<char*>(host.data()));
  return Buffer<int64_t>::from_host(dev, host, "input description");
}

}  // namespace

void check_same_inputs(Communicator& comm, Device& dev, const std::string& description) {
  // Rank 0's description, to every process.
  Buffer<int64_t> size = Buffer<int64_t>::from_host(dev, {static_cast<int64_t>(description.size())}, "input description");
  comm.broadcast(size.data(), 1, 0, CommType::kInt64);
  const int64_t bytes = size.to_host()[0];
  const int64_t words = (bytes + 7) / 8;
  Buffer<int64_t> text = words_of(dev, comm.rank() == 0 ? description : std::string(), words);
  comm.broadcast(text.data(), words, 0, CommType::kInt64);
  const std::vector<int64_t> host = text.to_host();
  const std::string theirs(reinterpret_cast<const char*>(host.data()), static_cast<size_t>(bytes));

  std::vector<std::string> differences;
  const auto mine = nlohmann::json::parse(description), zero = nlohmann::json::parse(theirs, nullptr, false);
  if (zero.is_discarded()) {
    differences.push_back("rank 0's description is unreadable here");
  } else {
    for (const auto& [key, value] : mine.items())
      if (!zero.contains(key) || zero[key] != value)
        differences.push_back(fmt::format("{}: {} on rank 0, {} here", key, zero.contains(key) ? zero[key].dump() : "absent",
                                          value.dump()));
    for (const auto& [key, value] : zero.items())
      if (!mine.contains(key)) differences.push_back(fmt::format("{}: {} on rank 0, absent here", key, value.dump()));
  }
  // Which ranks differ, on every process.
  Buffer<int64_t> flag = Buffer<int64_t>::from_host(dev, {differences.empty() ? 0 : 1}, "input check");
  Buffer<int64_t> flags(dev, static_cast<size_t>(comm.size()), "input check");
  comm.all_gather(flag.data(), 1, flags.data(), CommType::kInt64);
  const std::vector<int64_t> differs = flags.to_host();
  std::vector<int> ranks;
  for (int r = 0; r < comm.size(); ++r)
    if (differs[static_cast<size_t>(r)]) ranks.push_back(r);
  if (!differences.empty())
    throw InputError(fmt::format("rank {}", comm.rank()), "",
                     fmt::format("its config or data set differs from rank 0's: {}", fmt::join(differences, "; ")));
  if (!ranks.empty())
    throw InputError(fmt::format("rank {}", comm.rank()), "",
                     fmt::format("rank(s) {} started with another config or data set than rank 0 (see their errors)",
                                 fmt::join(ranks, ", ")));
}

void gather_blocks(Communicator& comm, const ShardLayout& layout, NodeKind kind, int64_t d, const float* owned,
                   float* all) {
  std::vector<int64_t> counts(static_cast<size_t>(layout.size));
  for (int r = 0; r < layout.size; ++r) counts[static_cast<size_t>(r)] = layout.owned(kind, r).count * d;
  comm.all_gather_v(owned, all, counts);
}

}  // namespace mmgraph::detail
