// An allocator for the big read-only tables of a plan snapshot (members, products, index slots).
// Blocks of 4 MiB and more are 2 MiB aligned and advised for transparent huge pages before they
// are first touched: random lookups in a 1M-member table then miss the TLB far less often.
// Smaller blocks come from operator new as usual. Load time only.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

namespace rxgate::rules {

template <class T>
struct huge_page_allocator {
  using value_type = T;
  static constexpr std::size_t huge = std::size_t{2} << 20;

  huge_page_allocator() = default;
  template <class U>
  huge_page_allocator(const huge_page_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < 2 * huge) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + huge - 1) / huge * huge;
    void* p = std::aligned_alloc(huge, rounded);
    if (!p) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure just means small pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < 2 * huge) ::operator delete(p);
    else std::free(p);
  }
  template <class U>
  bool operator==(const huge_page_allocator<U>&) const noexcept { return true; }
};

}  // namespace rxgate::rules
