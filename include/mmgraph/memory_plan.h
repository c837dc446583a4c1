#pragma once
// The memory a training run needs on each device, from the data set's sizes and the config
// alone (`mmgraph plan`): the bytes per process of each part of what the trainer, the model and
// the evaluation allocate on the device, for a run over any number of processes, and the number
// of devices of a given memory that such a run needs. engine/src/memory_plan.cpp accounts for
// each model beside a description of what it allocates; tests/engine/memory_plan_test.cpp checks
// the accounting against the bytes the CPU device counts while training every model.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mmgraph/config.h"
#include "mmgraph/dataset.h"

namespace mmgraph {

// The sizes of a data set that a plan reads.
struct DataSizes {
  std::string name;
  int64_t users = 0, items = 0;
  int64_t train = 0, valid = 0, test = 0;  // interactions of each split
  std::vector<std::string> modalities;     // feature names
  std::vector<int64_t> feature_dims;       // their widths
  // Whether some items may have no training interaction (cold items): the models that place
  // them (cold_scale > 0) then keep calibration tables. True unless the sizes say otherwise.
  bool cold_items = true;
  bool estimated = false;  // interaction counts asked of a generator, not counted
};

// The sizes of a loaded data set.
DataSizes data_sizes_of(const Dataset& data);
// The sizes of a prepared data directory (its manifest.json alone; no array is read) or of a
// synthetic: specification (parsed, nothing generated: the interactions asked for, split per user as
// the generator splits them).
// Other sources are an InputError asking for `mmgraph prepare` first.
DataSizes data_sizes(const std::string& spec);

// The parts a plan counts, in the order it prints them.
enum class MemoryPart {
  kParameters,      // parameter values
  kAdamMoments,     // Adam's m and v
  kGradients,       // parameter gradients
  kFeatures,        // item features on the device (float32 or bf16)
  kUserItemGraph,   // Â, the training CSR, the sampler's pairs and negatives, pruned Â, Â's row blocks
  kItemItemGraphs,  // kNN item graphs S and S^T
  kPropagation,     // propagated tables, their gradients, activations and the passes' scratch
  kEvaluation,      // the evaluation's users, held-out items and masks, a block of scores
  kWorkspace,       // batch buffers and the scratch ops keep between calls
};
inline constexpr int kMemoryParts = 9;
// "parameters", "Adam moments", ...
const char* memory_part_name(MemoryPart part);

// Bytes per process of each part, for one process of a run over `processes`.
struct MemoryPlan {
  int processes = 1;
  int64_t halo_rows = 0;  // the estimated halo rows of a process (0 with one process)
  std::array<int64_t, kMemoryParts> bytes{};
  int64_t operator[](MemoryPart part) const { return bytes[static_cast<size_t>(part)]; }
  int64_t total() const;
};

// The plan of training config.model with `config` on `data` over `processes` processes (each
// owning 1/P of the users and items, plus halo rows estimated as in memory_plan.cpp). An unknown
// model or processes < 1 is an InputError.
MemoryPlan plan_memory(const TrainConfig& config, const DataSizes& data, int processes = 1);

// The share of a device's memory a plan leaves free (allocator overhead, the CUDA context,
// fragmentation): a run fits a device when its total is at most (1 - kPlanHeadroom) of it.
inline constexpr double kPlanHeadroom = 0.10;

// The smallest number of processes, one device each of device_bytes, whose per-process plan fits
// (kPlanHeadroom), up to max_devices; 0 when none does.
int devices_needed(const TrainConfig& config, const DataSizes& data, int64_t device_bytes, int max_devices = 65536);

// "80GiB", "80 GB", "1.5TiB", "512MiB", "1000000" (bytes): KiB, MiB, GiB, TiB are powers of 1024,
// KB, MB, GB, TB of 1000. Anything else, or not above zero, is an InputError naming `option`.
int64_t parse_byte_size(const std::string& text, const std::string& option);

}  // namespace mmgraph
