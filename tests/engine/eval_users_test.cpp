// eval_users: validation and test on a fixed sample of the users.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/eval_blocks.h"
#include "engine/src/evaluate.h"
#include "mmgraph/config.h"
#include "mmgraph/synthetic.h"
#include "mmgraph/trainer.h"

namespace mmgraph {
namespace {

TEST(EvalUsers, SampleHasTheCountAskedForAndIsTheSameEveryTime) {
  for (const int64_t count : {int64_t{1}, int64_t{37}, int64_t{999}}) {
    const std::vector<char> s = detail::sampled_users(1000, count);
    int64_t n = 0;
    for (char c : s) n += c;
    EXPECT_EQ(n, count);
    EXPECT_EQ(detail::sampled_users(1000, count), s);
  }
  EXPECT_EQ(detail::sampled_users(10, 0), std::vector<char>(10, 1));
  EXPECT_EQ(detail::sampled_users(10, 25), std::vector<char>(10, 1));
  // A larger sample holds a smaller one (the users with the smallest hashes).
  const std::vector<char> small = detail::sampled_users(500, 40), large = detail::sampled_users(500, 200);
  for (size_t u = 0; u < small.size(); ++u)
    if (small[u]) {
      EXPECT_TRUE(large[u]) << u;
    }
}

// A run with eval_users reports the metrics of the sampled users alone (the best representations
// evaluated on the sample give its test metrics, and differ from all users'), says so in its log,
// and trains as the run without it.
TEST(EvalUsers, RunEvaluatesTheSampleAndSaysSo) {
  SyntheticOptions s;
  s.users = 400;
  s.items = 150;
  s.interactions = 6000;
  const Dataset data = make_synthetic_dataset(s);
  TrainConfig c = parse_config("model: lightgcn\nepochs: 2\nembedding_size: 16\nthreads: 1\n", "test config");
  TrainOptions o;
  o.progress = false;
  const TrainResult all = train(data, c, o);
  c.eval_users = 120;
  const std::string log = ::testing::TempDir() + "/eval_users.jsonl";
  o.log_path = log;
  const TrainResult part = train(data, c, o);
  EXPECT_EQ(part.eval_users, 120);
  EXPECT_EQ(all.eval_users, 0);
  EXPECT_EQ(part.history.back().loss, all.history.back().loss) << "the sample changed training";

  const auto dev = detail::make_cpu_device();
  const std::vector<char> sample = detail::sampled_users(data.n_users, 120);
  const detail::EvalSplit split = detail::make_eval_split(*dev, data, Split::kTest, true, false, {0, -1}, &sample);
  EXPECT_LE(split.users.size(), 120);
  const auto users = detail::Buffer<float>::from_host(*dev, part.user_rep, "users");
  const auto items = detail::Buffer<float>::from_host(*dev, part.item_rep, "items");
  const MetricTable again =
      detail::evaluate(*dev, split, users.data(), items.data(), part.dim, data.n_items, c.topk, 4096).all;
  for (const auto& [name, value] : part.test.items()) EXPECT_EQ(again.get(name), value) << name;
  EXPECT_NE(part.test.get("Recall@20"), all.test.get("Recall@20"));

  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"eval_users\":120"), std::string::npos) << text;
  std::remove(log.c_str());
}

}  // namespace
}  // namespace mmgraph
