#include "storage/memory_usage.hpp"

#ifdef CREDIS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

namespace credis {

#ifdef CREDIS_WITH_JEMALLOC

int64_t allocated_bytes() {
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

std::string_view allocator_name() { return "jemalloc-" JEMALLOC_VERSION; }

#else

int64_t allocated_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

std::string_view allocator_name() { return "libc"; }

#endif

}  // namespace credis
