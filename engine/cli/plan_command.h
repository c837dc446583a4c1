#pragma once
// `mmgraph plan`: the device memory a training run needs per process, from the data set's sizes.
#include <string>
#include <vector>

namespace mmgraph::cli {

struct PlanArgs {
  std::string data;                   // a prepared directory or a synthetic: specification
  std::vector<std::string> configs;   // YAML configs, later ones override earlier ones
  std::vector<std::string> sets;      // --set key=value
  int devices = 1;                    // processes of the run, one device each
  std::string device_memory = "80GiB";
};

int run_plan(const PlanArgs& args);

}  // namespace mmgraph::cli
