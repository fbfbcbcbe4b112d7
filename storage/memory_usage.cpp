#include "storage/memory_usage.hpp"

#include <atomic>

#ifdef CREDIS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

namespace credis {

namespace {
std::atomic<int64_t> unwritten_bytes{0};

int64_t allocator_bytes();
}  // namespace

void add_unwritten_bytes(int64_t delta) {
  unwritten_bytes.fetch_add(delta, std::memory_order_relaxed);
}

int64_t allocated_bytes() {
  return allocator_bytes() - unwritten_bytes.load(std::memory_order_relaxed);
}

#ifdef CREDIS_WITH_JEMALLOC

namespace {

int64_t allocator_bytes() {
  // jemalloc's statistics are a snapshot refreshed by advancing its epoch.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t allocated = 0;
  len = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) != 0)
    return 0;
  return static_cast<int64_t>(allocated);
}

}  // namespace

std::string_view allocator_name() { return "jemalloc-" JEMALLOC_VERSION; }

allocator_figures allocator_stats() {
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  allocator_figures f;
  auto read = [](const char* name, int64_t& out) {
    size_t v = 0, n = sizeof(v);
    if (mallctl(name, &v, &n, nullptr, 0) == 0)
      out = static_cast<int64_t>(v);
  };
  read("stats.allocated", f.allocated);
  read("stats.active", f.active);
  read("stats.resident", f.resident);
  return f;
}

#else

namespace {

int64_t allocator_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

}  // namespace

std::string_view allocator_name() { return "libc"; }

allocator_figures allocator_stats() { return {}; }

#endif

}  // namespace credis
