#include "storage/memory_usage.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

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

#define CREDIS_TEXT_OF(x) #x
#define CREDIS_NUMBER_TEXT(x) CREDIS_TEXT_OF(x)

// As Redis names it (ZMALLOC_LIB): without jemalloc's build suffix ("-0-g54eaed1d...").
std::string_view allocator_name() {
  return "jemalloc-" CREDIS_NUMBER_TEXT(JEMALLOC_VERSION_MAJOR) "." CREDIS_NUMBER_TEXT(
      JEMALLOC_VERSION_MINOR) "." CREDIS_NUMBER_TEXT(JEMALLOC_VERSION_BUGFIX);
}

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

std::string allocator_report() {
  std::string text;
  auto append = [](void* out, const char* s) { static_cast<std::string*>(out)->append(s); };
  malloc_stats_print(append, &text, nullptr);
  return text;
}

bool purge_allocator() {
  // Arena number `narenas` stands for all arenas (MALLCTL_ARENAS_ALL).
  unsigned arenas = 0;
  size_t len = sizeof(arenas);
  if (mallctl("arenas.narenas", &arenas, &len, nullptr, 0) != 0)
    return false;
  char name[32];
  std::snprintf(name, sizeof name, "arena.%u.purge", arenas);
  return mallctl(name, nullptr, nullptr, nullptr, 0) == 0;
}

void flush_thread_allocator_cache() {
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
}

bool set_allocator_background_thread(bool on) {
  // One thread for every arena, as Redis has (its other threads hardly allocate; ours each
  // have an arena, and jemalloc would start a purging thread per CPU).
  size_t threads = 1;
  mallctl("max_background_threads", nullptr, nullptr, &threads, sizeof threads);
  bool value = on;
  return mallctl("background_thread", nullptr, nullptr, &value, sizeof value) == 0;
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

std::string allocator_report() { return {}; }

// glibc's nearest equivalent of a purge: free memory at the top of the heap and in its arenas
// goes back to the system.
bool purge_allocator() {
  malloc_trim(0);
  return true;
}

// glibc has no per-thread cache to flush.
void flush_thread_allocator_cache() {}

bool set_allocator_background_thread(bool) { return false; }

#endif

int64_t process_rss() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace credis
