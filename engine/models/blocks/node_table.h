#pragma once
// Tables whose rows are nodes (users, items, or both stacked), in device memory and laid out
// by the process's NodeIndex (engine/src/node_index.h): the owned rows of the kinds a table
// holds, users then items, then (in a table with halo rows) their halo rows. Models reach a
// kind's rows through these, never by offset arithmetic; with one process a [users; items]
// table is one buffer, users first, in Â's row order.
#include <cstdint>
#include <vector>

#include "engine/src/device.h"
#include "engine/src/node_index.h"

namespace mmgraph::detail {

// A view of such a table (`width` floats a row) over memory owned elsewhere.
class NodeRows {
 public:
  NodeRows() = default;
  NodeRows(float* data, const NodeIndex& index, NodeSet set, int64_t width, bool with_halo = false)
      : data_(data), index_(&index), set_(set), width_(width), with_halo_(with_halo) {}

  float* data() const { return data_; }  // every row
  // The owned rows of a kind the table holds (Error for another kind).
  float* owned(NodeKind kind) const { return data_ + index_->first_row(set_, kind) * width_; }
  float* users() const { return owned(NodeKind::kUser); }
  float* items() const { return owned(NodeKind::kItem); }
  // The halo rows of a kind, in a table that has them.
  float* halo(NodeKind kind) const;
  // The row of a kind's local id (NodeIndex::local_id).
  float* row(NodeKind kind, int64_t local) const { return data_ + index_->row(set_, kind, local) * width_; }

  int64_t width() const { return width_; }
  int64_t rows() const { return index_->rows(set_, with_halo_); }
  int64_t size() const { return rows() * width_; }  // floats
  // Floats of a kind's owned rows.
  int64_t floats(NodeKind kind) const { return index_->owned(kind) * width_; }
  const NodeIndex& index() const { return *index_; }
  NodeSet set() const { return set_; }
  bool with_halo() const { return with_halo_; }

 private:
  float* data_ = nullptr;
  const NodeIndex* index_ = nullptr;
  NodeSet set_ = NodeSet::kUsersAndItems;
  int64_t width_ = 0;
  bool with_halo_ = false;
};

// Such a table in a buffer of its own.
class NodeTable {
 public:
  NodeTable() = default;
  // Uninitialised rows; `what` names the buffer in an out-of-memory error.
  NodeTable(Device& dev, const NodeIndex& index, NodeSet set, int64_t width, const char* what, bool with_halo = false);

  const NodeRows& rows() const { return rows_; }
  float* data() const { return rows_.data(); }
  float* users() const { return rows_.users(); }
  float* items() const { return rows_.items(); }
  int64_t size() const { return rows_.size(); }
  void set_zero() { buffer_.set_zero(); }

 private:
  Buffer<float> buffer_;
  NodeRows rows_;  // over buffer_'s memory, which a move of the buffer keeps
};

// The rows held here of a table of `set` given whole (every global row, `width` values a row,
// users before items): its owned rows, in local order.
std::vector<float> held_rows(std::vector<float> global, const NodeIndex& index, NodeSet set, int64_t width);

// The value and gradient of a parameter that is a node table (placed by NodeIndex::placement).
NodeRows value_rows(const Param& p, const NodeIndex& index, NodeSet set);
NodeRows grad_rows(const Param& p, const NodeIndex& index, NodeSet set);

}  // namespace mmgraph::detail
