#include "storage/big_array.hpp"

#ifdef CREDIS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>

#include <cstdio>
#include <initializer_list>
#endif

namespace credis {

#ifdef CREDIS_WITH_JEMALLOC

namespace {

// An arena of its own whose freed pages are returned at once (no dirty or muzzy decay); 0 if
// jemalloc refused one (the default arenas serve then).
unsigned returning_arena() {
  static const unsigned arena = [] {
    unsigned index = 0;
    size_t len = sizeof(index);
    if (mallctl("arenas.create", &index, &len, nullptr, 0) != 0)
      return 0u;
    ssize_t zero = 0;
    char name[64];
    for (const char* setting : {"dirty_decay_ms", "muzzy_decay_ms"}) {
      std::snprintf(name, sizeof name, "arena.%u.%s", index, setting);
      mallctl(name, nullptr, nullptr, &zero, sizeof zero);
    }
    return index;
  }();
  return arena;
}

}  // namespace

void* allocate_big_array(size_t bytes) {
  const unsigned arena = returning_arena();
  return mallocx(bytes, arena ? (MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE) : 0);
}

void free_big_array(void* p) {
  if (p)
    dallocx(p, MALLOCX_TCACHE_NONE);
}

#else

// glibc maps arrays this big on their own and unmaps them when freed.
void* allocate_big_array(size_t bytes) { return std::malloc(bytes); }
void free_big_array(void* p) { std::free(p); }

#endif

}  // namespace credis
