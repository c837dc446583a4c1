#pragma once
// Built-in synthetic data set: deterministic by seed, power-law user and item
// degrees, interactions drawn from latent factors, and modality features that
// are noisy linear functions of the item latents.
#include <cstdint>
#include <string>

#include "mmgraph/dataset.h"

namespace mmgraph {

struct SyntheticOptions {
  int32_t users = 2000;
  int32_t items = 1000;
  int64_t interactions = 40000;  // drawn; a few repeats collapse, see below; the split is per user 8:1:1
  int32_t latent_dim = 16;       // rank of the user/item preference factors
  double alpha = 1.2;            // power-law exponent of the degree weights (Zipf-like)
  double temperature = 0.35;     // softmax temperature of item choice given a user
  int32_t image_dim = 64;        // modality "image" columns (0 = no modality)
  int32_t text_dim = 32;         // modality "text" columns (0 = no modality)
  double feature_noise = 0.5;    // std of the noise added to the features
  uint64_t seed = 1;
  int32_t unconsumed = 0;        // extra catalogue items with features that no user consumes
};

// Parses "users=N,items=M,interactions=K,dim=D,alpha=A,temperature=T,image=I,
// text=X,noise=S,seed=S,unconsumed=C" (any subset, any order); unknown keys are
// an InputError.
SyntheticOptions parse_synthetic_spec(const std::string& spec);

// Every user draws between 3 and max(3, items / 2) distinct items. The data set
// has items + unconsumed items: the unconsumed ones have latents and features
// drawn like the others (same projections, same noise) but appear in no split,
// and their ids are spread over the whole range by a seeded shuffle of all ids.
// With unconsumed = 0 the ids are not shuffled and the data set is the one this
// generator gave before the key existed. A specification the generator cannot
// honour is an InputError naming its key: users < 1, items < 4, unconsumed < 0,
// more items and unconsumed ones than an int32 id names, more interactions than
// users x max(3, items / 2), more memory than the machine has, an alpha so large
// that under half of the drawn interactions are distinct, or so few interactions
// per user that the split leaves the validation or the test set empty.
Dataset make_synthetic_dataset(const SyntheticOptions& options);

}  // namespace mmgraph
