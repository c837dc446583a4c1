// The built-in synthetic data set in memory, and its specification string.
#include "mmgraph/synthetic.h"

#include <algorithm>
#include <optional>
#include <span>

#include "io/synthetic_generator.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace {

constexpr const char* kSpecSource = "--data synthetic";

// Collects the generated data set into a Dataset.
class DatasetSink : public io::SyntheticSink {
 public:
  explicit DatasetSink(Dataset& d) : d_(d) {}
  void begin(int32_t n_users, int32_t n_items, const std::vector<io::SyntheticModality>& modalities) override {
    d_.name = "synthetic";
    d_.n_users = n_users;
    d_.n_items = n_items;
    for (InteractionCsr* csr : {&d_.train, &d_.valid, &d_.test}) csr->row_ptr.assign(1, 0);
    for (const auto& m : modalities)
      d_.features.push_back({m.name, n_items, m.cols, std::vector<float>(static_cast<size_t>(n_items) * m.cols)});
  }
  void user_items(int32_t, std::span<const int32_t> train, std::span<const int32_t> valid,
                  std::span<const int32_t> test) override {
    for (auto [csr, items] : {std::pair{&d_.train, train}, {&d_.valid, valid}, {&d_.test, test}}) {
      csr->col.insert(csr->col.end(), items.begin(), items.end());
      csr->row_ptr.push_back(csr->nnz());
    }
  }
  void feature_row(size_t m, int32_t row, const float* values) override {
    FeatureMatrix& f = d_.features[m];
    std::copy_n(values, f.cols, f.values.owned().begin() + static_cast<std::ptrdiff_t>(row) * f.cols);
  }

 private:
  Dataset& d_;
};

}  // namespace

SyntheticOptions parse_synthetic_spec(const std::string& spec) {
  SyntheticOptions o;
  size_t start = 0;
  while (start < spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    const std::string item = spec.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    if (eq == std::string::npos) throw InputError(kSpecSource, io::excerpt(key), "expected key=value");
    const std::string value = item.substr(eq + 1);
    int64_t iv = 0;
    double dv = 0;
    auto need_int = [&](int64_t lo, int64_t hi) {
      if (!io::parse_int64(value, iv) || iv < lo || iv > hi)
        throw InputError(kSpecSource, key, "'" + io::excerpt(value) + "' must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
      return iv;
    };
    auto need_double = [&](double lo, double hi) {
      if (!io::parse_double(value, dv) || !(dv >= lo && dv <= hi))
        throw InputError(kSpecSource, key, "'" + io::excerpt(value) + "' must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return dv;
    };
    if (key == "users") o.users = static_cast<int32_t>(need_int(1, 2'000'000'000));
    else if (key == "items") o.items = static_cast<int32_t>(need_int(4, 2'000'000'000));
    else if (key == "interactions") o.interactions = need_int(1, int64_t{1} << 40);
    else if (key == "dim") o.latent_dim = static_cast<int32_t>(need_int(1, 1024));
    else if (key == "alpha") o.alpha = need_double(0.0, 5.0);
    else if (key == "temperature") o.temperature = need_double(1e-3, 1e3);
    else if (key == "image") o.image_dim = static_cast<int32_t>(need_int(0, 65536));
    else if (key == "text") o.text_dim = static_cast<int32_t>(need_int(0, 65536));
    else if (key == "noise") o.feature_noise = need_double(0.0, 1e3);
    else if (key == "seed") o.seed = static_cast<uint64_t>(need_int(0, INT64_MAX));
    else if (key == "unconsumed") o.unconsumed = static_cast<int32_t>(need_int(0, 2'000'000'000));
    else
      throw InputError(kSpecSource, io::excerpt(key),
                       "unknown key (users, items, interactions, dim, alpha, temperature, image, text, noise, seed, "
                       "unconsumed)");
  }
  return o;
}

std::optional<SyntheticOptions> synthetic_spec_options(const std::string& data_spec) {
  if (data_spec == "synthetic") return SyntheticOptions{};
  if (!data_spec.starts_with("synthetic:")) return std::nullopt;
  return parse_synthetic_spec(data_spec.substr(10));
}

Dataset make_synthetic_dataset(const SyntheticOptions& o) {
  Dataset d;
  DatasetSink sink(d);
  io::generate_synthetic(o, io::SyntheticTarget::in_memory, sink);
  return d;
}

}  // namespace mmgraph
