// Renumbered data sets (engine/src/relabel.h): every interaction, feature row and id name moves
// with its user and item, and representations come back in the original order.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "engine/src/relabel.h"
#include "mmgraph/errors.h"
#include "mmgraph/synthetic.h"

namespace mmgraph {
namespace {

TEST(Relabel, InteractionsFeaturesAndNamesMoveWithTheirNodes) {
  SyntheticOptions o;
  o.users = 40;
  o.items = 30;
  o.interactions = 500;
  o.image_dim = 3;
  o.text_dim = 0;
  const Dataset data = make_synthetic_dataset(o);
  std::vector<int32_t> users(40), items(30);
  for (int32_t u = 0; u < 40; ++u) users[static_cast<size_t>(u)] = (u * 7) % 40;  // new -> old
  for (int32_t i = 0; i < 30; ++i) items[static_cast<size_t>(i)] = 29 - i;
  const Dataset r = detail::relabeled(data, users, items);
  validate_dataset(r);
  std::vector<int32_t> new_item(30);
  for (int32_t i = 0; i < 30; ++i) new_item[static_cast<size_t>(items[static_cast<size_t>(i)])] = i;
  for (const auto& [split, renumbered] : {std::pair{&data.train, &r.train}, {&data.valid, &r.valid}, {&data.test, &r.test}}) {
    std::set<std::tuple<int32_t, int32_t>> expected, got;
    for (int32_t n = 0; n < 40; ++n) {
      const int32_t old = users[static_cast<size_t>(n)];
      for (int64_t k = split->row_ptr[static_cast<size_t>(old)]; k < split->row_ptr[static_cast<size_t>(old) + 1]; ++k)
        expected.insert({n, new_item[static_cast<size_t>(split->col[static_cast<size_t>(k)])]});
      for (int64_t k = renumbered->row_ptr[static_cast<size_t>(n)]; k < renumbered->row_ptr[static_cast<size_t>(n) + 1]; ++k)
        got.insert({n, renumbered->col[static_cast<size_t>(k)]});
    }
    EXPECT_EQ(got, expected);
    EXPECT_EQ(renumbered->nnz(), split->nnz());
  }
  ASSERT_EQ(r.features.size(), data.features.size());
  for (int32_t i = 0; i < 30; ++i)
    for (int64_t c = 0; c < 3; ++c)
      EXPECT_EQ(r.features[0].values[static_cast<size_t>(i * 3 + c)],
                data.features[0].values[static_cast<size_t>(items[static_cast<size_t>(i)] * 3 + c)]);
  // Dense ids get their original numbers as names.
  EXPECT_EQ(r.user_ids[1], std::to_string(users[1]));
  EXPECT_EQ(r.item_ids[0], "29");
}

TEST(Relabel, TheItemEntityMapMovesWithTheItemsAndTheTriplesStay) {
  SyntheticOptions o;
  o.users = 2;
  o.items = 12;
  o.interactions = 12;
  Dataset data = make_synthetic_dataset(o);
  data.kg.n_entities = 6;
  data.kg.n_relations = 2;
  data.kg.head = {0, 4};
  data.kg.relation = {1, 0};
  data.kg.tail = {5, 2};
  data.kg.item_entity = {4, -1, 0, 5, 1, 2, 3, -1, 0, 0, 1, 1};
  const Dataset r = detail::relabeled(data, {}, {2, 3, 0, 1, 7, 6, 5, 4, 8, 9, 10, 11});
  validate_dataset(r);
  EXPECT_EQ(r.kg.item_entity, std::vector<int32_t>({0, 5, 4, -1, -1, 3, 2, 1, 0, 0, 1, 1}));
  EXPECT_EQ(r.kg.head, data.kg.head);
  EXPECT_EQ(r.kg.tail, data.kg.tail);
  EXPECT_EQ(r.kg.n_entities, 6);
}

TEST(Relabel, RowsComeBackInTheOriginalOrder) {
  const std::vector<int32_t> order{2, 0, 1};  // new -> old
  const std::vector<float> rows{20, 21, 0, 1, 10, 11};  // new order, width 2
  EXPECT_EQ(detail::rows_in_original_order(rows, order, 2), (std::vector<float>{0, 1, 10, 11, 20, 21}));
  EXPECT_EQ(detail::rows_in_original_order(rows, {}, 2), rows);
}

TEST(Relabel, AnOrderThatIsNoPermutationIsAnError) {
  SyntheticOptions o;
  o.users = 10;
  o.items = 20;
  o.interactions = 80;
  const Dataset data = make_synthetic_dataset(o);
  EXPECT_THROW(detail::relabeled(data, {0, 1}, {}), Error);
  std::vector<int32_t> repeated(10, 3);
  EXPECT_THROW(detail::relabeled(data, repeated, {}), Error);
}

}  // namespace
}  // namespace mmgraph
