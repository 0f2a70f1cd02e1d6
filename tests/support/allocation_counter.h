// Counts heap allocations in a test executable: linking allocation_counter.cpp replaces the
// global operator new/delete (every form, so AddressSanitizer sees malloc/free pairs) with ones
// that count while a counting_scope is alive. What GoogleTest allocates outside it is ignored.
// Single-threaded use: the scope counts allocations of every thread while it is alive.
#pragma once

namespace rxgate::test {

class counting_scope {
 public:
  counting_scope();
  ~counting_scope();
  counting_scope(const counting_scope&) = delete;
  counting_scope& operator=(const counting_scope&) = delete;
  // Stops counting; the allocations counted since the scope began.
  long stop();
};

}  // namespace rxgate::test
