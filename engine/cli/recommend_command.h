#pragma once
// `mmgraph recommend`: top-K items per user from a checkpoint, in original ids.
#include <string>

namespace mmgraph::cli {

struct RecommendArgs {
  std::string checkpoint;
  std::string users = "all";  // "all" or a file of original user ids, one per line
  int k = 20;
  std::string out;            // "" = stdout; .csv or .jsonl (or --format)
  std::string format;         // csv | jsonl ("" = from --out's extension, csv on stdout)
  bool include_train = false;
  std::string device = "auto";  // where users are scored (auto | cpu | cuda | cuda:N)
};

int run_recommend(const RecommendArgs& args);

}  // namespace mmgraph::cli
