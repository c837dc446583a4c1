// Uses the installed library: trains LightGCN on a small synthetic set and checks
// that it beats a random ranking.
#include <cstdio>

#include <mmgraph/mmgraph.h>

int main() {
  mmgraph::SyntheticOptions syn;
  syn.users = 300;
  syn.items = 200;
  syn.interactions = 6000;
  const mmgraph::Dataset data = mmgraph::make_synthetic_dataset(syn);
  mmgraph::TrainConfig config;
  config.device = "cpu";
  config.epochs = 5;
  config.embedding_size = 16;
  config.learning_rate = 0.01;
  config.train_batch_size = 512;
  mmgraph::TrainOptions options;
  options.progress = false;
  const mmgraph::TrainResult result = mmgraph::train(data, config, options);
  const double recall = result.test.get("Recall@20");
  std::printf("consumer: mmgraph %s, test Recall@20 = %.4f\n", MMGRAPH_VERSION_STRING, recall);
  return recall > 20.0 / 200.0 ? 0 : 1;
}
