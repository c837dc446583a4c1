#pragma once
// Checkpoints written by train() (TrainOptions::checkpoint_dir): safetensors
// files holding the parameters, the optimizer moments, the best epoch's
// representations, the training split and id maps, with the epoch, the
// config and a fingerprint of the data set in the header's metadata. A
// checkpoint is all that export and recommend need.
#include <string>
#include <utility>
#include <vector>

#include "mmgraph/dataset.h"
#include "mmgraph/metrics.h"

namespace mmgraph {

struct TrainedModel {
  std::string source;          // the checkpoint's path
  std::string model;           // config name: lightgcn, freedom, ...
  int epoch = 0;               // epochs trained when it was written
  int best_epoch = 0;          // the epoch whose representations it holds (0: the initial ones)
  std::vector<std::pair<std::string, std::string>> config;  // the run's config_items
  Dataset data;                // sizes, original ids and the training split (valid / test empty)
  int dim = 0;
  std::vector<float> user_rep, item_rep;  // [n_users x dim], [n_items x dim]: scores are dot products
  MetricTable best_valid, test;
};

// Reads a checkpoint. Throws InputError naming the file on anything malformed.
TrainedModel load_trained_model(const std::string& checkpoint_path);

// Writes the representations as safetensors (loadable by safetensors.numpy and
// PyTorch): "user_embedding" [n_users x dim] and "item_embedding" [n_items x dim]
// float32, "user_ids" and "item_ids" uint8 (the original ids in UTF-8, one per
// line, in dense-id order; decimal dense ids when the data set has none), and
// metadata (model, epochs, dim, test metrics). Written crash-safely.
void export_representations(const TrainedModel& model, const std::string& out_path);

}  // namespace mmgraph
