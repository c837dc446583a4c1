// Modalities added from .npy files: rows must be the items, values finite;
// errors name the file and the row and column.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/npy.h"
#include "mmgraph/dataset.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"
#include "support/temp_dir.h"

namespace mmgraph {
namespace {

Dataset small_data() {
  SyntheticOptions o;
  o.users = 30;
  o.items = 12;
  o.interactions = 150;  // at most users x items / 2 = 180
  return make_synthetic_dataset(o);
}

TEST(Modality, AddsAndReplacesByName) {
  testing::TempDir dir;
  Dataset data = small_data();
  const size_t before = data.features.size();
  std::vector<float> v(static_cast<size_t>(data.n_items) * 3);
  for (size_t e = 0; e < v.size(); ++e) v[e] = static_cast<float>(e);
  const std::string path = (dir.path() / "audio.npy").string();
  io::write_npy(path, v.data(), data.n_items, 3);
  add_modality(data, "audio", path);
  ASSERT_EQ(data.features.size(), before + 1);
  EXPECT_EQ(data.features.back().name, "audio");
  EXPECT_EQ(data.features.back().cols, 3);
  EXPECT_EQ(data.features.back().values, v);
  add_modality(data, "image", path);  // replaces the synthetic image modality
  EXPECT_EQ(data.features.size(), before + 1);
  for (const auto& f : data.features) {
    if (f.name == "image") { EXPECT_EQ(f.cols, 3); }
  }
}

TEST(Modality, WrongRowCountNamesTheFile) {
  testing::TempDir dir;
  Dataset data = small_data();
  std::vector<float> v(static_cast<size_t>(data.n_items + 1) * 2, 1.0f);
  const std::string path = (dir.path() / "x.npy").string();
  io::write_npy(path, v.data(), data.n_items + 1, 2);
  try {
    add_modality(data, "x", path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), path);
    EXPECT_NE(e.problem().find("13 rows, but the data set has 12 items"), std::string::npos) << e.what();
  }
}

TEST(Modality, NanAndInfNameTheRowAndColumn) {
  testing::TempDir dir;
  Dataset data = small_data();
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> v(static_cast<size_t>(data.n_items) * 4, 0.5f);
    v[7 * 4 + 2] = bad;
    const std::string path = (dir.path() / "bad.npy").string();
    io::write_npy(path, v.data(), data.n_items, 4);
    try {
      add_modality(data, "bad", path);
      FAIL() << "expected an InputError";
    } catch (const InputError& e) {
      EXPECT_EQ(e.source(), path);
      EXPECT_EQ(e.position(), "row 7, column 2");
      EXPECT_NE(e.problem().find(std::isnan(bad) ? "NaN" : "Inf"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace mmgraph
