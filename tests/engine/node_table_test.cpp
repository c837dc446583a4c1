// Node ids and node tables: with one process every node is owned and a [users; items] table is
// Â's row order (items after the users); with a block and a halo, local and global ids map both
// ways, tables put owned rows first and halo rows after them, and parameter placements name the
// global rows held here.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "engine/models/blocks/node_table.h"
#include "engine/src/node_index.h"
#include "engine/src/params.h"
#include "mmgraph/errors.h"

namespace mmgraph {
namespace {

using detail::NodeIndex;
using detail::NodeKind;
using detail::NodeSet;

TEST(NodeIndex, SingleProcessIsTodaysLayout) {
  const NodeIndex idx = NodeIndex::single_process(3, 5);
  EXPECT_EQ(idx.rows(NodeSet::kUsersAndItems, true), 8);
  EXPECT_EQ(idx.first_row(NodeSet::kUsersAndItems, NodeKind::kUser), 0);
  EXPECT_EQ(idx.first_row(NodeSet::kUsersAndItems, NodeKind::kItem), 3);
  EXPECT_EQ(idx.first_row(NodeSet::kItems, NodeKind::kItem), 0);
  EXPECT_THROW(idx.first_row(NodeSet::kItems, NodeKind::kUser), Error);
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(idx.local_id(NodeKind::kItem, i), i);
    EXPECT_EQ(idx.global_id(NodeKind::kItem, i), i);
    EXPECT_EQ(idx.row(NodeSet::kUsersAndItems, NodeKind::kItem, i), 3 + i);
  }
  const detail::ParamPlacement p = idx.placement(NodeSet::kUsersAndItems, 4);
  EXPECT_TRUE(p.row_sharded);
  EXPECT_EQ(p.global_shape, (std::vector<int64_t>{8, 4}));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].first, 0);
  EXPECT_EQ(p.rows[0].count, 3);
  EXPECT_EQ(p.rows[1].first, 3);
  EXPECT_EQ(p.rows[1].count, 5);

  // held_rows of a whole table is the table.
  std::vector<float> whole(8 * 2);
  std::iota(whole.begin(), whole.end(), 0.0f);
  EXPECT_EQ(detail::held_rows(whole, idx, NodeSet::kUsersAndItems, 2), whole);
}

TEST(NodeIndex, BlockAndHaloMapIdsBothWays) {
  // Users 2..4 of 6 owned, 0 and 5 as halo; items 4..6 of 10 owned, 1 and 9 as halo.
  const NodeIndex idx({6, {2, 3}, {0, 5}}, {10, {4, 3}, {1, 9}});
  EXPECT_EQ(idx.rows(NodeSet::kUsersAndItems, false), 6);
  EXPECT_EQ(idx.rows(NodeSet::kUsersAndItems, true), 10);
  EXPECT_EQ(idx.rows(NodeSet::kItems, true), 5);
  // Local ids: owned in order, then the halo.
  EXPECT_EQ(idx.local_id(NodeKind::kUser, 3), 1);
  EXPECT_EQ(idx.local_id(NodeKind::kUser, 5), 4);
  EXPECT_EQ(idx.local_id(NodeKind::kUser, 1), -1);
  EXPECT_EQ(idx.local_id(NodeKind::kItem, 9), 4);
  for (NodeKind kind : {NodeKind::kUser, NodeKind::kItem})
    for (int64_t l = 0; l < idx.owned(kind) + idx.halo(kind); ++l)
      EXPECT_EQ(idx.local_id(kind, idx.global_id(kind, l)), l);
  // Rows of a table with halo: owned users, owned items, halo users, halo items.
  const NodeSet both = NodeSet::kUsersAndItems;
  EXPECT_EQ(idx.row(both, NodeKind::kUser, 2), 2);
  EXPECT_EQ(idx.row(both, NodeKind::kItem, 0), 3);
  EXPECT_EQ(idx.row(both, NodeKind::kUser, 3), 6);   // user 0 (halo)
  EXPECT_EQ(idx.row(both, NodeKind::kItem, 3), 8);   // item 1 (halo)
  EXPECT_EQ(idx.row(NodeSet::kItems, NodeKind::kItem, 4), 4);
  // The parameter's rows: users [2, 5) and items at global rows 6 + [4, 7).
  const detail::ParamPlacement p = idx.placement(both, 2);
  EXPECT_EQ(p.global_shape, (std::vector<int64_t>{16, 2}));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].first, 2);
  EXPECT_EQ(p.rows[1].first, 10);
  EXPECT_EQ(p.rows[1].count, 3);
  // held_rows picks the owned rows of a whole table in that order.
  std::vector<float> whole(16);
  std::iota(whole.begin(), whole.end(), 0.0f);
  EXPECT_EQ(detail::held_rows(whole, idx, both, 1), (std::vector<float>{2, 3, 4, 10, 11, 12}));
}

TEST(NodeIndex, RefusesInvalidBlocksAndHalos) {
  EXPECT_THROW(NodeIndex({6, {4, 3}, {}}, {1, {0, 1}, {}}), Error);     // block past the end
  EXPECT_THROW(NodeIndex({6, {0, 3}, {2}}, {1, {0, 1}, {}}), Error);    // halo id owned
  EXPECT_THROW(NodeIndex({6, {0, 2}, {5, 3}}, {1, {0, 1}, {}}), Error); // halo not ascending
}

TEST(NodeTable, ViewsPointAtTheKindsRows) {
  std::unique_ptr<detail::Device> dev = detail::make_cpu_device();
  const NodeIndex idx({6, {2, 3}, {0, 5}}, {10, {4, 3}, {1, 9}});
  const detail::NodeTable t(*dev, idx, NodeSet::kUsersAndItems, 4, "table", true);
  EXPECT_EQ(t.size(), 10 * 4);
  EXPECT_EQ(t.users(), t.data());
  EXPECT_EQ(t.items(), t.data() + 3 * 4);
  EXPECT_EQ(t.rows().halo(NodeKind::kUser), t.data() + 6 * 4);
  EXPECT_EQ(t.rows().halo(NodeKind::kItem), t.data() + 8 * 4);
  EXPECT_EQ(t.rows().row(NodeKind::kItem, 4), t.data() + 9 * 4);
  EXPECT_EQ(t.rows().floats(NodeKind::kItem), 12);
  const detail::NodeTable owned_only(*dev, idx, NodeSet::kItems, 4, "items");
  EXPECT_EQ(owned_only.size(), 3 * 4);
  EXPECT_THROW(owned_only.rows().halo(NodeKind::kItem), Error);
  EXPECT_THROW(owned_only.users(), Error);

  // A parameter that is a node table: the same rows over its value and gradient.
  detail::ParamSet params;
  detail::Param& p = params.add(*dev, "e", {6, 2}, std::vector<float>(12, 0.5f), idx.placement(NodeSet::kUsersAndItems, 2));
  EXPECT_EQ(detail::value_rows(p, idx, NodeSet::kUsersAndItems).items(), p.value.data() + 3 * 2);
  EXPECT_EQ(detail::grad_rows(p, idx, NodeSet::kUsersAndItems).items(), p.grad.data() + 3 * 2);
  EXPECT_THROW(detail::value_rows(p, idx, NodeSet::kItems), Error);
  // A placement whose rows do not add up to the shape is refused.
  EXPECT_THROW(params.add(*dev, "f", {5, 2}, std::vector<float>(10), idx.placement(NodeSet::kUsersAndItems, 2)), Error);
  EXPECT_EQ(params.add(*dev, "g", {3}, std::vector<float>(3), detail::ParamPlacement::replicated()).placement.global_shape,
            (std::vector<int64_t>{3}));
}

}  // namespace
}  // namespace mmgraph
