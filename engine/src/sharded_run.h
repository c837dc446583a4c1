#pragma once
// What the trainer does differently in a run over several processes (one device each, started
// by mpirun or srun): which configs run so, the layout of users and items over the processes,
// the start-up check that every process has the same inputs, and the gathers that give every
// process whole tables from the rows each owns.
#include <cstdint>
#include <string>

#include "engine/src/communicator.h"
#include "engine/src/device.h"
#include "engine/src/partition.h"
#include "engine/src/shard_layout.h"
#include "mmgraph/config.h"
#include "mmgraph/dataset.h"

namespace mmgraph::detail {

// InputError unless the config runs over several processes (the models that do so far).
void check_runs_sharded(const TrainConfig& config);

// The partition of data's users and items over `size` processes by config `partition` (contiguous
// blocks of the ids, or of a new numbering: Partition's orders).
Partition partition_for(const Dataset& data, const TrainConfig& config, int size);
// The layout of a partition's blocks, in its numbering.
ShardLayout layout_of(const Partition& partition, int rank, int64_t n_users, int64_t n_items);

// Every process passes its description of its inputs (config and data set, one JSON object);
// all stop with an InputError when any differs from rank 0's: the ranks that differ name the keys
// and both values, the others name those ranks.
void check_same_inputs(Communicator& comm, Device& dev, const std::string& description);

// all [global rows x d] := the rows of `kind` that each process owns (owned, its block in
// local order), on every process.
void gather_blocks(Communicator& comm, const ShardLayout& layout, NodeKind kind, int64_t d, const float* owned,
                   float* all);

}  // namespace mmgraph::detail
