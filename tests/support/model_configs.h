#pragma once
// The configs that tests run every model with: a model's shipped configs/<model>.yaml
// (each model in the registry has one, so a model added without it fails every test
// that enumerates the models), on which a test then sets the sizes it needs; and the data
// sets they run on.
#include <string>
#include <vector>

#include "mmgraph/config.h"
#include "mmgraph/dataset.h"
#include "mmgraph/synthetic.h"

namespace mmgraph::testing {

// configs/<model>.yaml of the source tree, as load_config reads it.
inline TrainConfig shipped_config(const std::string& model) {
  return load_config(std::string(MMGRAPH_SOURCE_DIR) + "/configs/" + model + ".yaml");
}

// Every main objective a config's `loss` may name.
inline const std::vector<std::string>& objectives() {
  static const std::vector<std::string> names = {"bpr", "bce", "mse", "warp"};
  return names;
}

// The small CPU training run of the trainer tests: d = 16, 2 layers, learning rate 0.01, batches
// of 256, 8 epochs evaluated every 2, Recall and NDCG at 10 and 20.
inline TrainConfig quick_config() {
  TrainConfig c;
  c.device = "cpu";
  c.embedding_size = 16;
  c.n_layers = 2;
  c.learning_rate = 0.01;
  c.train_batch_size = 256;
  c.epochs = 8;
  c.eval_step = 2;
  c.topk = {10, 20};
  return c;
}

// A model's shipped config at the batch-rows tests' sizes (d = 8, batches of 32) with `loss`,
// on the CPU.
inline TrainConfig batch_rows_config(const std::string& model, const std::string& loss) {
  TrainConfig c = shipped_config(model);
  c.loss = loss;
  c.device = "cpu";
  c.embedding_size = 8;
  c.knn_k = 4;
  c.warp_candidates = 7;
  c.train_batch_size = 32;
  c.seed = 13;
  return c;
}

// The small two-modality synthetic data set (60 users, 45 items, 900 interactions; image 7-d,
// text 5-d) on which the batch-rows tests train every model for a step.
inline Dataset batch_rows_dataset() {
  SyntheticOptions s;
  s.users = 60;
  s.items = 45;
  s.interactions = 900;
  s.image_dim = 7;
  s.text_dim = 5;
  s.seed = 8;
  return make_synthetic_dataset(s);
}

}  // namespace mmgraph::testing
