// What the allocator and the kernel report: bytes handed out (INFO used_memory, the RDB's
// used-mem AUX), the allocator's name (INFO mem_allocator), its own figures and report
// (MEMORY MALLOC-STATS), and the process's resident set.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace credis {

// Allocated bytes, less those allocated for data that has not arrived yet (see below).
int64_t allocated_bytes();
// Counts `delta` bytes as allocated but not yet written: the rest of a big argument still on its
// way. No page backs them until the bytes come, so they are not memory in use (Redis counts a
// client's claim at once; here a claim alone costs nothing).
void add_unwritten_bytes(int64_t delta);
std::string_view allocator_name();

// jemalloc's own figures (INFO's allocator_*): bytes in use, in active pages, and resident;
// all 0 without jemalloc.
struct allocator_figures {
  int64_t allocated = 0, active = 0, resident = 0;
};
allocator_figures allocator_stats();

// The allocator's own statistics report (jemalloc's malloc_stats_print); empty without jemalloc.
std::string allocator_report();
// Gives the allocator's free pages back to the system (MEMORY PURGE); false if it refused.
bool purge_allocator();
// The calling thread's cached free blocks go back to their arenas, where a purge can find the
// pages they free (a bursting client left, and its blocks were cached on its thread).
void flush_thread_allocator_cache();
// Whether the allocator purges freed pages on a background thread of its own (jemalloc's
// background_thread); false if it refused or there is no jemalloc.
bool set_allocator_background_thread(bool on);

// The process's resident set size in bytes (INFO used_memory_rss).
int64_t process_rss();

}  // namespace credis
