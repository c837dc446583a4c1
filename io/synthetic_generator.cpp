// The synthetic generator: latent-factor preferences, power-law user activity
// and item popularity, modality features derived from item latents, drawn in
// one pass and handed to a sink user by user and row by row.
#include "io/synthetic_generator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

#include <unistd.h>

#include <fmt/format.h>

#include "io/interactions.h"
#include "mmgraph/errors.h"

namespace mmgraph::io {

namespace {

constexpr const char* kSpecSource = "--data synthetic";
constexpr uint32_t kUnconsumedStream = 0x756e636f;  // "unco": seeds the unconsumed items' generator
constexpr uint32_t kTopUpStream = 0x746f7075;       // "topu": seeds a user's draws beyond its first candidates

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

// Advances rng past n draws of one normal distribution (as gaussian_matrix or
// a feature's noise of n values would draw them), keeping nothing.
void skip_normals(int64_t n, double scale, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, scale);
  for (int64_t j = 0; j < n; ++j) normal(rng);
}

// The rows of gaussian_matrix(rows, cols, scale, rng) one at a time, from a
// copy of rng taken where the matrix would be drawn, so that none is held.
class GaussianRows {
 public:
  GaussianRows(int32_t cols, double scale, const std::mt19937_64& rng) : rng_(rng), normal_(0.0, scale), row_(cols) {}
  const float* next() {
    for (float& x : row_) x = static_cast<float>(normal_(rng_));
    return row_.data();
  }

 private:
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_;
  std::vector<float> row_;
};

// Degrees are clamped to [3, max(3, items / 2)] (see make_synthetic_dataset).
int32_t max_degree(int32_t items) { return std::max(3, items / 2); }

// The modalities a specification asks for, in the order they are drawn.
std::vector<SyntheticModality> modalities_of(const SyntheticOptions& o) {
  std::vector<SyntheticModality> m;
  if (o.image_dim > 0) m.push_back({"image", o.image_dim});
  if (o.text_dim > 0) m.push_back({"text", o.text_dim});
  return m;
}

// Each user's degree: clamp(round(c a_u), 3, max_degree) at the c where the
// degrees first add up to `interactions` or more (bisection), then the users
// whose degree grows over the last step of c take that growth in user order
// until the total is exactly `interactions`.
class Degrees {
 public:
  Degrees(const std::vector<double>& activity, int64_t interactions, int32_t items)
      : activity_(activity), most_(max_degree(items)) {
    double activity_sum = 0;
    for (double a : activity) activity_sum += a;
    double lo = 0, hi = static_cast<double>(interactions) / activity_sum;
    while (total(hi) < interactions && hi < 1e18) hi *= 2;
    for (int it = 0; it < 60; ++it) (total((lo + hi) / 2) < interactions ? lo : hi) = (lo + hi) / 2;
    lo_ = lo;
    hi_ = hi;
    extra_ = interactions - total(lo);
  }
  // The degree of user u; call for u = 0, 1, ... in order.
  int32_t next(int32_t u) {
    const int32_t low = at(lo_, u);
    const auto more = static_cast<int32_t>(std::min<int64_t>(at(hi_, u) - low, extra_));
    extra_ -= more;
    return low + more;
  }

 private:
  int32_t at(double c, int32_t u) const {
    return static_cast<int32_t>(std::clamp<double>(std::round(c * activity_[u]), 3.0, most_));
  }
  int64_t total(double c) const {
    int64_t t = 0;
    for (int32_t u = 0; u < static_cast<int32_t>(activity_.size()); ++u) t += at(c, u);
    return t;
  }
  const std::vector<double>& activity_;
  int32_t most_;
  double lo_ = 0, hi_ = 0;
  int64_t extra_ = 0;
};

// The unconsumed items' generator: their latents, then (drawn while the
// features are) their feature noise, then the shuffle of all item ids.
struct UnconsumedDraws {
  std::vector<float> latent;      // [unconsumed x dim]
  std::mt19937_64 feature_rng;    // where the unconsumed rows' feature noise starts
  std::vector<int32_t> new_id;    // generated id -> final id; empty when unconsumed = 0
};

// Draws the unconsumed items' latents and the shuffle of ids up front: the
// shuffle comes after the features' noise in the stream, which is skipped here
// and drawn again, from feature_rng, when the features are written.
UnconsumedDraws draw_unconsumed(const SyntheticOptions& o, double entry_std) {
  std::seed_seq seed{static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32), kUnconsumedStream};
  std::mt19937_64 rng(seed);
  UnconsumedDraws u;
  u.latent = gaussian_matrix(o.unconsumed, o.latent_dim, entry_std, rng);
  u.feature_rng = rng;
  if (o.unconsumed == 0) return u;
  for (const auto& m : modalities_of(o)) skip_normals(int64_t{o.unconsumed} * m.cols, o.feature_noise, rng);
  u.new_id.resize(static_cast<size_t>(o.items) + o.unconsumed);
  std::iota(u.new_id.begin(), u.new_id.end(), 0);
  std::shuffle(u.new_id.begin(), u.new_id.end(), rng);
  return u;
}

// One modality's features, row i = latent_i x proj plus Gaussian noise, with
// proj [latent x dim] drawn once from rng for all rows. The consumed items'
// rows draw their noise from rng, the unconsumed ones' from extra_rng, so that
// rng's draws do not depend on `unconsumed`. Rows go to the sink under their final ids.
void draw_modality(size_t m, const SyntheticModality& modality, const std::vector<float>& item_latent, int32_t items,
                   UnconsumedDraws& extra, int32_t unconsumed, int32_t latent, double noise, std::mt19937_64& rng,
                   SyntheticSink& sink) {
  const int32_t dim = modality.cols;
  const auto proj = gaussian_matrix(latent, dim, 1.0 / std::sqrt(static_cast<double>(latent)), rng);
  std::vector<float> row(static_cast<size_t>(dim));
  auto project = [&](const std::vector<float>& z, int32_t n, int32_t first_id, std::mt19937_64& g) {
    std::normal_distribution<double> normal(0.0, noise);
    for (int32_t i = 0; i < n; ++i) {
      for (int32_t c = 0; c < dim; ++c) {
        double v = 0;
        for (int32_t k = 0; k < latent; ++k) v += z[static_cast<size_t>(i) * latent + k] * proj[static_cast<size_t>(k) * dim + c];
        row[c] = static_cast<float>(v + normal(g));
      }
      const int32_t id = first_id + i;
      sink.feature_row(m, extra.new_id.empty() ? id : extra.new_id[static_cast<size_t>(id)], row.data());
    }
  };
  project(item_latent, items, 0, rng);
  project(extra.latent, unconsumed, items, extra.feature_rng);
}

}  // namespace

void check_synthetic_options(const SyntheticOptions& o, SyntheticTarget target) {
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
  // In memory: bytes per user (latents, degree weights, at least 3 interactions
  // through the split), per item (latents, features) and per interaction (the
  // split and the CSR); an unconsumed item also costs its id. Streamed: the
  // degree weight per user and, per item, the latents, the popularity law and
  // the largest user's candidates (at most 8 per item); no interaction or feature is held.
  const bool in_memory = target == SyntheticTarget::in_memory;
  const double per_interaction = in_memory ? 48 : 0;
  const double per_user = in_memory ? 4.0 * o.latent_dim + 16 + 3 * per_interaction : 8;
  const double per_item = 4.0 * o.latent_dim + (in_memory ? 4.0 * (o.image_dim + o.text_dim) + 16 : 120);
  const std::pair<const char*, double> needs[] = {
      {"users", static_cast<double>(o.users) * per_user},
      {"items", static_cast<double>(o.items) * per_item},
      {"unconsumed", static_cast<double>(o.unconsumed) * (per_item + 4)},
      {"interactions", static_cast<double>(o.interactions) * per_interaction}};
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
  if (o.interactions < 3 * int64_t{o.users})
    throw InputError(kSpecSource, "interactions",
                     fmt::format("{} interactions cannot be drawn: each user takes at least 3 items, so at least "
                                 "users x 3 = {}",
                                 o.interactions, 3 * int64_t{o.users}));
}

SplitCounts synthetic_split_counts(const SyntheticOptions& o) {
  std::vector<double> activity(static_cast<size_t>(o.users));
  for (int32_t r = 0; r < o.users; ++r) activity[r] = std::pow(static_cast<double>(r + 1), -o.alpha);
  Degrees degrees(activity, o.interactions, o.items);
  LoadOptions split;
  split.seed = o.seed;
  SplitCounts total;
  for (int32_t u = 0; u < o.users; ++u) {
    const SplitCounts c = split_counts(degrees.next(u), split);
    total.train += c.train;
    total.valid += c.valid;
    total.test += c.test;
  }
  return total;
}

// Each user u draws deg(u) distinct items (Degrees). Candidate items are
// proposed from the popularity law (8 deg(u) of them, at least 64) and kept in
// the order of weighted sampling without replacement with weights
// exp(<z_u, z_i> / T) (Efraimidis-Spirakis keys) until deg(u) distinct ones are
// kept, so the item law is close to popularity x softmax(preference / T). A
// user whose candidates hold fewer distinct items draws further batches from a
// stream of its own (so the other users' draws do not change), and once it has
// drawn as many candidates as there are items, keeps the rest by the same keys
// over every item not yet kept, weights popularity x exp(<z_u, z_i> / T).
// Latent entries have std k^-1/4, so <z_u, z_i> has unit variance.
void generate_synthetic(const SyntheticOptions& o, SyntheticTarget target, SyntheticSink& sink) {
  check_synthetic_options(o, target);
  std::mt19937_64 rng(o.seed);
  const int32_t k = o.latent_dim;
  const double entry_std = std::pow(static_cast<double>(k), -0.25);
  GaussianRows user_latents(k, entry_std, rng);
  skip_normals(int64_t{o.users} * k, entry_std, rng);
  const auto item_latent = gaussian_matrix(o.items, k, entry_std, rng);
  const auto activity = power_law_weights(o.users, o.alpha, rng);
  const auto popularity = power_law_weights(o.items, o.alpha, rng);
  std::discrete_distribution<int32_t> pick_item(popularity.begin(), popularity.end());
  Degrees degrees(activity, o.interactions, o.items);
  LoadOptions split;
  split.seed = o.seed;
  // The 8:1:1 split of the largest degree must hold out a validation and a test item.
  Degrees probe = degrees;
  int32_t largest = 0;
  for (int32_t u = 0; u < o.users; ++u) largest = std::max(largest, probe.next(u));
  if (const SplitCounts c = split_counts(largest, split); c.valid == 0 || c.test == 0)
    throw InputError(kSpecSource, "interactions",
                     fmt::format("{} interactions over {} users leave no user the 6 items it needs for a validation "
                                 "and a test item (8:1:1 split): raise interactions or lower users",
                                 o.interactions, o.users));
  UnconsumedDraws extra = draw_unconsumed(o, entry_std);
  const std::vector<SyntheticModality> modalities = modalities_of(o);
  sink.begin(o.users, o.items + o.unconsumed, modalities);

  std::uniform_real_distribution<double> unit(std::numeric_limits<double>::min(), 1.0);
  std::vector<std::pair<double, int32_t>> keyed;
  std::set<int32_t> chosen;
  auto preference = [&](const float* zu, int32_t i) {
    double s = 0;
    for (int32_t j = 0; j < k; ++j) s += static_cast<double>(zu[j]) * item_latent[static_cast<size_t>(i) * k + j];
    return s;
  };
  // Draws n candidates with their keys (key = log(U) / w with w = exp(s / T):
  // larger keys win) and keeps them in key order until `degree` are kept.
  auto draw_and_keep = [&](const float* zu, int32_t n, int32_t degree, std::mt19937_64& g) {
    keyed.clear();
    for (int32_t c = 0; c < n; ++c) {
      const int32_t i = pick_item(g);
      const double s = preference(zu, i);
      keyed.push_back({std::log(unit(g)) * std::exp(-s / o.temperature), i});
    }
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [key, i] : keyed) {
      if (static_cast<int32_t>(chosen.size()) == degree) break;
      chosen.insert(i);
    }
  };
  std::vector<int32_t> items;
  std::vector<int32_t> parts[3];
  for (int32_t u = 0; u < o.users; ++u) {
    const float* zu = user_latents.next();
    const int32_t degree = degrees.next(u);
    const int32_t n_candidates = std::max(64, 8 * degree);
    chosen.clear();
    draw_and_keep(zu, n_candidates, degree, rng);
    if (static_cast<int32_t>(chosen.size()) < degree) {
      std::seed_seq seed{static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32), kTopUpStream,
                         static_cast<uint32_t>(u)};
      std::mt19937_64 g(seed);
      for (int64_t drawn = n_candidates; static_cast<int32_t>(chosen.size()) < degree && drawn < o.items;) {
        const int32_t batch = std::max(64, 8 * (degree - static_cast<int32_t>(chosen.size())));
        draw_and_keep(zu, batch, degree, g);
        drawn += batch;
      }
      if (static_cast<int32_t>(chosen.size()) < degree) {
        keyed.clear();
        for (int32_t i = 0; i < o.items; ++i)
          if (!chosen.count(i))
            keyed.push_back({std::log(unit(g)) * std::exp(-preference(zu, i) / o.temperature) / popularity[i], i});
        const auto missing = static_cast<size_t>(degree) - chosen.size();
        std::nth_element(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(missing) - 1, keyed.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (size_t j = 0; j < missing; ++j) chosen.insert(keyed[j].second);
      }
    }
    items.assign(chosen.begin(), chosen.end());
    shuffle_user_items(items.begin(), items.end(), u, split.seed);
    const SplitCounts counts = split_counts(static_cast<int64_t>(items.size()), split);
    const int64_t ends[3] = {counts.train, counts.train + counts.valid, counts.train + counts.valid + counts.test};
    for (int s = 0; s < 3; ++s) {
      parts[s].assign(items.begin() + (s == 0 ? 0 : ends[s - 1]), items.begin() + ends[s]);
      if (!extra.new_id.empty())
        for (int32_t& i : parts[s]) i = extra.new_id[static_cast<size_t>(i)];
      std::sort(parts[s].begin(), parts[s].end());
    }
    sink.user_items(u, parts[0], parts[1], parts[2]);
  }
  for (size_t m = 0; m < modalities.size(); ++m)
    draw_modality(m, modalities[m], item_latent, o.items, extra, o.unconsumed, k, o.feature_noise, rng, sink);
}

}  // namespace mmgraph::io
