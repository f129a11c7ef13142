// point_arena.hpp: the snapped outlines of a grid set, in large blocks of
// memory that the kernel may back with 2 MB pages.
//
//   auto arena = std::make_shared<PointArena>();
//   std::vector<Pt, ArenaAllocator<Pt>> v{ArenaAllocator<Pt>(arena)};
//   v.reserve(n);                       // carved from the arena's current block
//
// Why: an open of 800 grids of 50,000 vertices writes 320 MB of snapped
// coordinates into 800 fresh arrays of 400 KB. Each is its own 4 KB-paged
// allocation, and on a virtual machine every first touch of a page is a fault
// of about a microsecond: about 80,000 of them, a fifth of the open. Carved
// from 64 MB blocks advised MADV_HUGEPAGE, the same arrays fault 2 MB at a
// time (measured: docs/performance.md).
//
// Memory is returned only when the arena goes: deallocate() is a no-op, so an
// arena suits arrays made once and kept as long as each other (a snapshot's
// grids). Every allocator holds the arena (shared_ptr), so it lives as long as
// its last array. An allocator without an arena is std::allocator; copies of
// a container are made without the arena (select_on_container_copy_construction).
//
// Thread-safety: allocate() from any number of threads (one mutex per block taken).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace poleloc::index {

class PointArena {
 public:
  static constexpr std::size_t kBlockBytes = std::size_t{64} << 20;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  // Arrays smaller than this are better left to the heap, unless many are made
  // at once (SnapshotBuilder): a block's first 2 MB page costs more than a few 4 KB faults.
  static constexpr std::size_t kMinBytes = std::size_t{64} << 10;

  PointArena() = default;
  PointArena(const PointArena&) = delete;
  PointArena& operator=(const PointArena&) = delete;
  ~PointArena() {
    for (const Block& b : blocks_) ::munmap(b.map, b.map_bytes);
  }

  // `bytes` aligned to 16; a request over a quarter of a block gets a block of its own.
  void* allocate(std::size_t bytes) {
    bytes = (bytes + 15) & ~std::size_t{15};
    const std::lock_guard lock(mutex_);
    if (bytes > kBlockBytes / 4) {
      used_ += bytes;
      return new_block(bytes).base;
    }
    if (blocks_.empty() || current_left_ < bytes) {
      Block& b = new_block(kBlockBytes);
      current_ = b.base;
      current_left_ = b.bytes;
    }
    void* out = current_;
    current_ += bytes;
    current_left_ -= bytes;
    used_ += bytes;
    return out;
  }

  // Bytes handed out (what the arrays hold, not the blocks' untouched tails).
  std::size_t used_bytes() const {
    const std::lock_guard lock(mutex_);
    return used_;
  }

 private:
  struct Block {
    void* map;
    std::size_t map_bytes;
    char* base;
    std::size_t bytes;
  };
  Block& new_block(std::size_t bytes) {
    // Mapped one huge page larger, so that a 2 MB-aligned start fits.
    const std::size_t map_bytes = bytes + kHugePage;
    void* map = ::mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED) throw std::bad_alloc();
    const auto start = (reinterpret_cast<std::uintptr_t>(map) + kHugePage - 1) & ~(kHugePage - 1);
    char* base = reinterpret_cast<char*>(start);
    ::madvise(base, (bytes + kHugePage - 1) & ~(kHugePage - 1), MADV_HUGEPAGE);  // a hint: nothing where THP is off
    blocks_.push_back({map, map_bytes, base, bytes});
    return blocks_.back();
  }

  mutable std::mutex mutex_;
  std::vector<Block> blocks_;
  char* current_ = nullptr;
  std::size_t current_left_ = 0;
  std::size_t used_ = 0;
};

template <typename T>
class ArenaAllocator {
 public:
  using value_type = T;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  using is_always_equal = std::false_type;

  ArenaAllocator() noexcept = default;
  explicit ArenaAllocator(std::shared_ptr<PointArena> arena) noexcept : arena_(std::move(arena)) {}
  template <typename U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(std::size_t n) {
    if (!arena_) return std::allocator<T>().allocate(n);
    return static_cast<T*>(arena_->allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (!arena_) std::allocator<T>().deallocate(p, n);  // in an arena: freed with it
  }
  ArenaAllocator select_on_container_copy_construction() const { return {}; }

  const std::shared_ptr<PointArena>& arena() const noexcept { return arena_; }
  friend bool operator==(const ArenaAllocator& a, const ArenaAllocator& b) noexcept { return a.arena_ == b.arena_; }

 private:
  std::shared_ptr<PointArena> arena_;
};

}  // namespace poleloc::index
