// `mmgraph recommend`: reads a checkpoint, maps the requested original user ids
// to dense ids, ranks with recommend_topk and writes CSV or JSON lines (to a
// file crash-safely, or to stdout).
#include "engine/cli/recommend_command.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mmgraph/atomic_file.h"
#include "mmgraph/checkpoint.h"
#include "mmgraph/errors.h"
#include "mmgraph/recommend.h"

namespace mmgraph::cli {

namespace {

std::string id_of(const std::vector<std::string>& ids, int32_t dense) {
  return ids.empty() ? std::to_string(dense) : ids[static_cast<size_t>(dense)];
}

// Dense ids of the users listed in `path` (one original id per line; blank lines skipped).
std::vector<int32_t> read_users(const std::string& path, const Dataset& data) {
  std::unordered_map<std::string, int32_t> dense;
  for (int32_t u = 0; u < data.n_users; ++u) dense.emplace(id_of(data.user_ids, u), u);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot open the user list");
  std::vector<int32_t> users;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t"), last = line.find_last_not_of(" \t");
    if (first == std::string::npos) continue;
    const std::string id = line.substr(first, last - first + 1);
    const auto it = dense.find(id);
    if (it == dense.end())
      throw InputError(path, fmt::format("line {}", number),
                       fmt::format("unknown user id \"{}\" (not in the checkpoint's data set)", id.substr(0, 200)));
    users.push_back(it->second);
  }
  if (in.bad()) throw InputError(path, "", "read error");
  if (users.empty()) throw InputError(path, "", "lists no user ids");
  return users;
}

std::string format_csv(const TopK& top, const Dataset& data) {
  std::string out = "user,rank,item,score,cold\n";
  for (size_t r = 0; r < top.users.size(); ++r)
    for (int32_t j = 0; j < top.k; ++j) {
      const size_t at = r * static_cast<size_t>(top.k) + static_cast<size_t>(j);
      if (top.items[at] < 0) break;
      out += fmt::format("{},{},{},{:.6g},{}\n", id_of(data.user_ids, top.users[r]), j + 1,
                         id_of(data.item_ids, top.items[at]), top.scores[at], top.cold[r] ? 1 : 0);
    }
  return out;
}

std::string format_jsonl(const TopK& top, const Dataset& data) {
  std::string out;
  for (size_t r = 0; r < top.users.size(); ++r) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array(), scores = nlohmann::ordered_json::array();
    for (int32_t j = 0; j < top.k; ++j) {
      const size_t at = r * static_cast<size_t>(top.k) + static_cast<size_t>(j);
      if (top.items[at] < 0) break;
      items.push_back(id_of(data.item_ids, top.items[at]));
      scores.push_back(top.scores[at]);
    }
    out += nlohmann::ordered_json{{"user", id_of(data.user_ids, top.users[r])}, {"items", items}, {"scores", scores},
                          {"cold", top.cold[r] != 0}}
               .dump();
    out += '\n';
  }
  return out;
}

}  // namespace

int run_recommend(const RecommendArgs& args) {
  std::string format = args.format;
  if (format.empty()) {
    const bool jsonl = args.out.size() >= 6 && (args.out.ends_with(".jsonl") || args.out.ends_with(".json"));
    format = jsonl ? "jsonl" : "csv";
  }
  if (format != "csv" && format != "jsonl") throw InputError("--format", "", "must be csv or jsonl");
  if (args.k < 1) throw InputError("--k", "", fmt::format("must be >= 1, got {}", args.k));

  const TrainedModel model = load_trained_model(args.checkpoint);
  if (model.user_rep.empty())
    throw InputError(args.checkpoint, "",
                     "holds no representations yet (written before the first validation): use best.safetensors or "
                     "a later checkpoint");
  std::vector<int32_t> users;
  if (args.users == "all") {
    for (int32_t u = 0; u < model.data.n_users; ++u) users.push_back(u);
  } else {
    users = read_users(args.users, model.data);
  }
  RecommendOptions options;
  options.k = args.k;
  options.exclude_train = !args.include_train;
  options.device = args.device;
  const TopK top = recommend_topk(model.data, model.user_rep.data(), model.item_rep.data(), model.dim, users, options);

  size_t cold = 0;
  for (uint8_t c : top.cold) cold += c;
  if (cold)
    std::fprintf(stderr,
                 "note: %zu of %zu users have no training interaction: they get the most popular items (cold = 1)\n",
                 cold, top.users.size());
  const std::string text = format == "csv" ? format_csv(top, model.data) : format_jsonl(top, model.data);
  if (args.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    write_file_atomic(args.out, {text});
    std::fprintf(stderr, "wrote %s: top %d items for %zu users (%s, model %s, epoch %d)\n", args.out.c_str(), args.k,
                 top.users.size(), format.c_str(), model.model.c_str(), model.best_epoch);
  }
  return 0;
}

}  // namespace mmgraph::cli
