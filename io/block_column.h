#pragma once
// A column of values appended one at a time, in blocks.
#include <cstddef>
#include <vector>

namespace mmgraph::io {

// Appending never copies what the column holds (nor holds it twice, as a
// growing std::vector does while it moves); take() joins the blocks into one
// exactly sized vector, freeing each block once copied.
template <typename T>
class BlockColumn {
 public:
  static constexpr size_t kBlock = size_t{1} << 20;

  void push_back(T value) {
    if (blocks_.empty() || blocks_.back().size() == kBlock) {
      blocks_.emplace_back();
      blocks_.back().reserve(kBlock);
    }
    blocks_.back().push_back(value);
  }

  size_t size() const { return blocks_.empty() ? 0 : (blocks_.size() - 1) * kBlock + blocks_.back().size(); }

  std::vector<T> take() {
    std::vector<T> out;
    out.reserve(size());
    for (std::vector<T>& block : blocks_) {
      out.insert(out.end(), block.begin(), block.end());
      std::vector<T>().swap(block);
    }
    blocks_.clear();
    return out;
  }

 private:
  std::vector<std::vector<T>> blocks_;
};

}  // namespace mmgraph::io
