#pragma once
// Built-in synthetic data set: deterministic by seed, power-law user and item
// degrees, interactions drawn from latent factors, and modality features that
// are noisy linear functions of the item latents.
#include <cstdint>
#include <optional>
#include <string>

#include "mmgraph/dataset.h"

namespace mmgraph {

struct SyntheticOptions {
  int32_t users = 2000;
  int32_t items = 1000;
  int64_t interactions = 40000;  // distinct user-item pairs, exactly; the split is per user 8:1:1
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
// an InputError. The modalities are "image" and "text", each of any width.
SyntheticOptions parse_synthetic_spec(const std::string& spec);

// The options of a data set specification that names the generator
// ("synthetic" or "synthetic:key=value,..."), nothing for any other source.
std::optional<SyntheticOptions> synthetic_spec_options(const std::string& data_spec);

// The data set has exactly `users` users, items + unconsumed items and
// `interactions` distinct user-item pairs, split per user 8:1:1. Every user
// takes between 3 and max(3, items / 2) distinct items, its number drawn from
// a power law. The unconsumed items have latents and features drawn like the
// others (same projections, same noise) but appear in no split, and their ids
// are spread over the whole range by a seeded shuffle of all ids. With
// unconsumed = 0 the ids are not shuffled and the data set is the one this
// generator gave before the key existed. A specification the generator cannot
// honour is an InputError naming its key: users < 1, items < 4, unconsumed < 0,
// more items and unconsumed ones than an int32 id names, more interactions than
// users x max(3, items / 2) or fewer than users x 3, more memory than the
// machine has, or so few interactions per user that the split leaves the
// validation or the test set empty.
Dataset make_synthetic_dataset(const SyntheticOptions& options);

// What write_synthetic_dataset wrote.
struct SyntheticSizes {
  int32_t users = 0, items = 0;
  int64_t train = 0, valid = 0, test = 0;
};

// Writes the data set make_synthetic_dataset(options) gives, as the binary
// cache save_dataset_binary writes (the same files, byte for byte), into dir
// while it is drawn: interactions and feature rows go to the files as they come,
// so memory holds about 8 bytes per user, 4 dim + 120 bytes per item and 64 MiB
// of buffers whatever the number of interactions and the feature widths
// (10M users and 2M items: under 1 GiB). The same InputErrors as
// make_synthetic_dataset, with the memory check for what this holds; a
// failed write is an InputError naming the file and leaves no cache in dir.
SyntheticSizes write_synthetic_dataset(const SyntheticOptions& options, const std::string& dir);

}  // namespace mmgraph
