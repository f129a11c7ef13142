// held_array.hpp: an array an index reads, held either in its own vector or
// in a read-only file mapping that some other owner keeps alive.
//
//   HeldArray<std::uint32_t> cells;
//   cells.own().assign(n, 0);                    // built: a vector of its own
//   HeldArray<std::uint32_t> mapped(span, map);  // or read in place from a mapped file
//   cells[i]; cells.data(); cells.size();        // the same either way
//
// Why: an index of tens of millions of edges kept in a file (grid_index_file.hpp)
// is read in place from the page cache, so an open neither copies it nor holds
// it in the process's own memory; the kernel pages it in as queries touch it.
//
// Copies share the mapping (it is immutable) and copy an owned vector (on the
// heap: select_on_container_copy_construction). Moves keep every pointer into
// the data valid, as a vector's move does.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace poleloc::index {

template <typename T, typename Alloc = std::allocator<T>>
class HeldArray {
 public:
  using Storage = std::vector<T, Alloc>;

  HeldArray() = default;
  explicit HeldArray(Storage own) : own_(std::move(own)) {}
  // `mapped` stays valid as long as `keep` lives.
  HeldArray(std::span<const T> mapped, std::shared_ptr<const void> keep)
      : mapped_(mapped.data()), mapped_size_(mapped.size()), keep_(std::move(keep)) {}

  const T* data() const { return keep_ ? mapped_ : own_.data(); }
  std::size_t size() const { return keep_ ? mapped_size_ : own_.size(); }
  bool empty() const { return size() == 0; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }
  const T& front() const { return data()[0]; }
  const T& back() const { return data()[size() - 1]; }
  std::span<const T> span() const { return {data(), size()}; }

  // The vector a builder fills; a mapped array becomes an empty owned one first.
  Storage& own() {
    if (keep_) *this = HeldArray();
    return own_;
  }
  bool mapped() const { return keep_ != nullptr; }
  Alloc get_allocator() const { return own_.get_allocator(); }  // of the vector owned
  std::size_t heap_bytes() const { return own_.capacity() * sizeof(T); }
  std::size_t mapped_bytes() const { return keep_ ? mapped_size_ * sizeof(T) : 0; }

 private:
  Storage own_;
  const T* mapped_ = nullptr;
  std::size_t mapped_size_ = 0;
  std::shared_ptr<const void> keep_;  // the mapping, when the data is there
};

}  // namespace poleloc::index
