// Replaces the global operator new/delete of a test executable to count heap allocations while a
// test asks for it, so a test can prove that a hot path's steady state allocates nothing.
// Include it in exactly one source file of an executable (it defines the replacement operators).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace allocation_counter {
inline std::atomic<bool> counting{false};
inline std::atomic<std::size_t> allocations{0};

/// Counts the allocations made while it lives.
class scope {
public:
    scope() { allocations = 0; counting = true; }
    ~scope() { counting = false; }
    std::size_t count() const { return allocations.load(); }
};
}  // namespace allocation_counter

// GCC 12 sees the malloc/free pair through inlined new-expressions and warns; the pair matches.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
    if (allocation_counter::counting.load(std::memory_order_relaxed)) allocation_counter::allocations.fetch_add(1);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
