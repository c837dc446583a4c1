// The built-in synthetic data set: latent-factor preferences, power-law user
// activity and item popularity, modality features derived from item latents.
#include "mmgraph/synthetic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include <unistd.h>

#include <fmt/format.h>

#include "io/interactions.h"
#include "io/text_input.h"
#include "mmgraph/errors.h"

namespace mmgraph {

namespace {

constexpr const char* kSpecSource = "--data synthetic";
constexpr uint32_t kUnconsumedStream = 0x756e636f;  // "unco": seeds the unconsumed items' generator

// Weights rank^-alpha assigned to a seeded random order of n entities.
std::vector<double> power_law_weights(int32_t n, double alpha, std::mt19937_64& rng) {
  std::vector<double> w(static_cast<size_t>(n));
  for (int32_t r = 0; r < n; ++r) w[r] = std::pow(static_cast<double>(r + 1), -alpha);
  std::shuffle(w.begin(), w.end(), rng);
  return w;
}

std::vector<float> gaussian_matrix(int64_t rows, int64_t cols, double scale, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<float> m(static_cast<size_t>(rows * cols));
  for (auto& x : m) x = static_cast<float>(normal(rng));
  return m;
}

// One modality's features [items + extra x dim]: row i is latent_i x proj plus
// Gaussian noise, with proj [latent x dim] drawn once for all rows. The consumed
// items' rows come first and draw their noise from rng; the extra items' rows
// draw theirs from extra_rng, so that rng's draws do not depend on `extra`.
FeatureMatrix modality(const std::string& name, const std::vector<float>& item_latent, int32_t items,
                       const std::vector<float>& extra_latent, int32_t extra, int32_t latent, int32_t dim, double noise,
                       std::mt19937_64& rng, std::mt19937_64& extra_rng) {
  const auto proj = gaussian_matrix(latent, dim, 1.0 / std::sqrt(static_cast<double>(latent)), rng);
  FeatureMatrix f;
  f.name = name;
  f.rows = int64_t{items} + extra;
  f.cols = dim;
  f.values.resize(static_cast<size_t>(f.rows) * dim);
  auto project = [&](const std::vector<float>& z, int32_t n, float* out, std::mt19937_64& g) {
    std::normal_distribution<double> normal(0.0, noise);
    for (int32_t i = 0; i < n; ++i)
      for (int32_t c = 0; c < dim; ++c) {
        double v = 0;
        for (int32_t k = 0; k < latent; ++k) v += z[static_cast<size_t>(i) * latent + k] * proj[static_cast<size_t>(k) * dim + c];
        out[static_cast<size_t>(i) * dim + c] = static_cast<float>(v + normal(g));
      }
  };
  project(item_latent, items, f.values.data(), rng);
  project(extra_latent, extra, f.values.data() + static_cast<size_t>(items) * dim, extra_rng);
  return f;
}

// Items of every split renamed i -> new_id[i], each user's items sorted again.
void relabel_items(InteractionCsr& csr, const std::vector<int32_t>& new_id) {
  for (int32_t& i : csr.col) i = new_id[static_cast<size_t>(i)];
  for (size_t u = 0; u + 1 < csr.row_ptr.size(); ++u)
    std::sort(csr.col.begin() + csr.row_ptr[u], csr.col.begin() + csr.row_ptr[u + 1]);
}

// Feature row i moved to row new_id[i].
void relabel_rows(FeatureMatrix& f, const std::vector<int32_t>& new_id) {
  std::vector<float> moved(f.values.size());
  const auto cols = static_cast<size_t>(f.cols);
  for (size_t i = 0; i < new_id.size(); ++i)
    std::copy_n(f.values.begin() + static_cast<std::ptrdiff_t>(i * cols), cols,
                moved.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(new_id[i]) * cols));
  f.values = std::move(moved);
}

// Degrees are clamped to [3, max(3, items / 2)] (see make_synthetic_dataset).
int32_t max_degree(int32_t items) { return std::max(3, items / 2); }

// Refuses what the generator could not honour: sizes out of range, more
// interactions than the degree clamp allows, or more memory than the machine has.
void check_satisfiable(const SyntheticOptions& o) {
  if (o.users < 1) throw InputError(kSpecSource, "users", fmt::format("{} users: at least 1 is needed", o.users));
  if (o.items < 4) throw InputError(kSpecSource, "items", fmt::format("{} items: at least 4 are needed", o.items));
  if (o.latent_dim < 1) throw InputError(kSpecSource, "dim", fmt::format("dim={}: at least 1 is needed", o.latent_dim));
  if (o.unconsumed < 0)
    throw InputError(kSpecSource, "unconsumed", fmt::format("unconsumed={}: cannot be negative", o.unconsumed));
  if (int64_t{o.items} + o.unconsumed >= std::numeric_limits<int32_t>::max())
    throw InputError(kSpecSource, "unconsumed",
                     fmt::format("items={} plus unconsumed={} is more items than an int32 id can name", o.items,
                                 o.unconsumed));
  const int64_t most = int64_t{o.users} * max_degree(o.items);
  if (o.interactions > most)
    throw InputError(kSpecSource, "interactions",
                     fmt::format("{} interactions cannot be drawn: each user takes at most max(3, items / 2) = {} "
                                 "distinct items, so at most users x {} = {}",
                                 o.interactions, max_degree(o.items), max_degree(o.items), most));
  // Bytes per user (latents, degree weights, at least 3 interactions through
  // the split), per item (latents, features) and per interaction (row, split, CSR);
  // an unconsumed item also costs its id and its features' copy when ids are shuffled.
  constexpr double kPerInteraction = 96;
  const double per_item = 4.0 * (o.latent_dim + o.image_dim + o.text_dim) + 16;
  const std::pair<const char*, double> needs[] = {
      {"users", static_cast<double>(o.users) * (4.0 * o.latent_dim + 16 + 3 * kPerInteraction)},
      {"items", static_cast<double>(o.items) * per_item},
      {"unconsumed", static_cast<double>(o.unconsumed) * (per_item + 4.0 * (o.image_dim + o.text_dim) + 4)},
      {"interactions", static_cast<double>(o.interactions) * kPerInteraction}};
  double total = 0;
  const auto* largest = &needs[0];
  for (const auto& n : needs) {
    total += n.second;
    if (n.second > largest->second) largest = &n;
  }
  const double physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  if (physical > 0 && total > physical)
    throw InputError(kSpecSource, largest->first,
                     fmt::format("users={}, items={}, unconsumed={}, interactions={} need about {:.1f} GiB, more than "
                                 "this machine's {:.1f} GiB of memory",
                                 o.users, o.items, o.unconsumed, o.interactions, total / (1 << 30), physical / (1 << 30)));
}

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

// Each user u draws deg(u) ∝ activity(u) distinct items (at least 3, at most
// items / 2, scaled so that the degrees add up to `interactions`). Candidate
// items are proposed from the popularity law (8 deg(u) of them, at least 64) and
// deg(u) are kept by weighted sampling without replacement with weights
// exp(<z_u, z_i> / T) (Efraimidis-Spirakis keys), so the item law is close to
// popularity x softmax(preference / T). Latent entries have std k^-1/4, so
// <z_u, z_i> has unit variance. Cost O(interactions x k), no O(users x items) term.
// The unconsumed items take their latents, feature noise and the shuffle of all
// ids from a second generator, after every draw of the consumed items.
Dataset make_synthetic_dataset(const SyntheticOptions& o) {
  check_satisfiable(o);
  std::mt19937_64 rng(o.seed);
  const int32_t k = o.latent_dim;
  const double entry_std = std::pow(static_cast<double>(k), -0.25);
  const auto user_latent = gaussian_matrix(o.users, k, entry_std, rng);
  const auto item_latent = gaussian_matrix(o.items, k, entry_std, rng);
  const auto activity = power_law_weights(o.users, o.alpha, rng);
  const auto popularity = power_law_weights(o.items, o.alpha, rng);
  std::discrete_distribution<int32_t> pick_item(popularity.begin(), popularity.end());
  double activity_sum = 0;
  for (double a : activity) activity_sum += a;
  const int32_t most_items = max_degree(o.items);
  // Degrees clamp(round(c a_u), 3, max_degree) with c found by bisection so that
  // they add up to the requested number of interactions despite the clamping.
  auto degree_of = [&](double c, int32_t u) {
    return static_cast<int32_t>(std::clamp<double>(std::round(c * activity[u]), 3.0, most_items));
  };
  double lo = 0, hi = static_cast<double>(o.interactions) / activity_sum;
  auto total = [&](double c) {
    int64_t t = 0;
    for (int32_t u = 0; u < o.users; ++u) t += degree_of(c, u);
    return t;
  };
  while (total(hi) < o.interactions && hi < 1e18) hi *= 2;
  for (int it = 0; it < 60; ++it) (total((lo + hi) / 2) < o.interactions ? lo : hi) = (lo + hi) / 2;
  const double degree_scale = hi;
  std::vector<io::Interaction> rows;
  rows.reserve(static_cast<size_t>(o.interactions) + 3 * static_cast<size_t>(o.users));
  std::uniform_real_distribution<double> unit(std::numeric_limits<double>::min(), 1.0);
  std::vector<std::pair<double, int32_t>> keyed;
  std::set<int32_t> chosen;
  int64_t drawn_total = 0;  // sum of the intended degrees
  for (int32_t u = 0; u < o.users; ++u) {
    const float* zu = &user_latent[static_cast<size_t>(u) * k];
    const int32_t degree = degree_of(degree_scale, u);
    const int32_t n_candidates = std::max(64, 8 * degree);
    keyed.clear();
    for (int32_t c = 0; c < n_candidates; ++c) {
      const int32_t i = pick_item(rng);
      double s = 0;
      for (int32_t j = 0; j < k; ++j) s += static_cast<double>(zu[j]) * item_latent[static_cast<size_t>(i) * k + j];
      // key = log(U) / w with w = exp(s / T): larger keys win.
      keyed.push_back({std::log(unit(rng)) * std::exp(-s / o.temperature), i});
    }
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    chosen.clear();
    for (const auto& [key, i] : keyed) {
      if (static_cast<int32_t>(chosen.size()) == degree) break;
      chosen.insert(i);
    }
    for (int32_t fill = 0; static_cast<int32_t>(chosen.size()) < 3; ++fill) chosen.insert(fill);  // tiny catalogues
    for (int32_t i : chosen) rows.push_back({u, i, 0.0, -1});
    drawn_total += degree;
  }
  // The largest degrees always lose some to repeated candidates (about 10% of
  // the README's 2M); under half distinct means the law cannot give the request.
  if (2 * static_cast<int64_t>(rows.size()) < drawn_total)
    throw InputError(kSpecSource, "alpha",
                     fmt::format("alpha={} concentrates the item draws on so few items that only {} of the {} "
                                 "interactions are distinct: lower alpha or interactions",
                                 o.alpha, rows.size(), drawn_total));
  LoadOptions split;
  split.seed = o.seed;
  Dataset d = io::split_per_user(rows, o.users, o.items, split, "synthetic");
  if (d.valid.nnz() == 0 || d.test.nnz() == 0)
    throw InputError(kSpecSource, "interactions",
                     fmt::format("{} interactions over {} users leave no user the 6 items it needs for a validation "
                                 "and a test item (8:1:1 split): raise interactions or lower users",
                                 o.interactions, o.users));
  d.name = "synthetic";
  std::seed_seq extra_seed{static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32), kUnconsumedStream};
  std::mt19937_64 extra_rng(extra_seed);
  const auto extra_latent = gaussian_matrix(o.unconsumed, k, entry_std, extra_rng);
  if (o.image_dim > 0)
    d.features.push_back(modality("image", item_latent, o.items, extra_latent, o.unconsumed, k, o.image_dim,
                                  o.feature_noise, rng, extra_rng));
  if (o.text_dim > 0)
    d.features.push_back(modality("text", item_latent, o.items, extra_latent, o.unconsumed, k, o.text_dim,
                                  o.feature_noise, rng, extra_rng));
  if (o.unconsumed > 0) {
    // Generated ids 0 .. items-1 are the consumed items, items .. the others;
    // a seeded shuffle of all of them leaves nothing to tell them apart by id.
    d.n_items = o.items + o.unconsumed;
    std::vector<int32_t> new_id(static_cast<size_t>(d.n_items));
    std::iota(new_id.begin(), new_id.end(), 0);
    std::shuffle(new_id.begin(), new_id.end(), extra_rng);
    for (InteractionCsr* csr : {&d.train, &d.valid, &d.test}) relabel_items(*csr, new_id);
    for (FeatureMatrix& f : d.features) relabel_rows(f, new_id);
  }
  return d;
}

}  // namespace mmgraph
