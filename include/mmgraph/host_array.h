#pragma once
// A read-mostly host array: either an owned std::vector<T> or a read-only view
// of memory that another object keeps alive (a file mapping of a prepared data
// set). Reads are the same for both (data, size, [], begin/end); copies of a
// mapped array share the mapping, which is released with its last owner.
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace mmgraph {

template <typename T>
class HostArray {
 public:
  using value_type = T;
  using size_type = size_t;
  using const_iterator = const T*;
  using iterator = const T*;

  HostArray() = default;
  HostArray(std::vector<T> owned) : owned_(std::move(owned)) {}
  HostArray(std::initializer_list<T> values) : owned_(values) {}

  // A view of `size` elements at `data`, valid while `keeper` lives (not copied).
  static HostArray view(std::shared_ptr<const void> keeper, const T* data, size_t size) {
    HostArray a;
    a.keeper_ = std::move(keeper);
    a.view_ = data;
    a.view_size_ = size;
    return a;
  }

  // Reads: the same for owned and viewed arrays, never a copy.
  const T* data() const { return keeper_ ? view_ : owned_.data(); }
  size_t size() const { return keeper_ ? view_size_ : owned_.size(); }
  bool empty() const { return size() == 0; }
  const T& operator[](size_t i) const { return data()[i]; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }
  const T& front() const { return data()[0]; }
  const T& back() const { return data()[size() - 1]; }
  // Whether the elements are a view of memory kept by another object (a file mapping).
  bool is_view() const { return static_cast<bool>(keeper_); }
  std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

  // The owned elements, to modify in place. A viewed array is first copied into
  // owned memory (the mapping is released here; it is never written through).
  std::vector<T>& owned() {
    if (keeper_) {
      owned_.assign(view_, view_ + view_size_);
      keeper_.reset();
      view_ = nullptr;
      view_size_ = 0;
    }
    return owned_;
  }
  // Building, as std::vector does; each goes through owned().
  void assign(size_t n, const T& value) { owned().assign(n, value); }
  void push_back(const T& value) { owned().push_back(value); }
  void reserve(size_t n) { owned().reserve(n); }
  void resize(size_t n) { owned().resize(n); }
  void clear() { owned().clear(); }
  template <typename It>
  void insert(const T* at, It first, It last) {
    const auto offset = at - data();
    std::vector<T>& v = owned();
    v.insert(v.begin() + offset, first, last);
  }

  friend bool operator==(const HostArray& a, const HostArray& b) { return std::ranges::equal(a, b); }
  friend bool operator==(const HostArray& a, const std::vector<T>& b) { return std::ranges::equal(a, b); }

 private:
  std::vector<T> owned_;
  std::shared_ptr<const void> keeper_;  // set for a view
  const T* view_ = nullptr;
  size_t view_size_ = 0;
};

}  // namespace mmgraph
