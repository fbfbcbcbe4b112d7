// What the server's memory is made of, as Redis's getMemoryOverheadData works it out: the
// figures measured (allocator, process, buffers, tables) and those derived from them. INFO's
// memory section and MEMORY STATS both print these, and MEMORY DOCTOR reads them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/memory_usage.hpp"

namespace credis {

// A database's table overhead (MEMORY STATS db.N), for a database with keys.
struct db_memory_overhead {
  int db = 0;
  int64_t keys = 0;
  int64_t main_table = 0;  // slot array and per-key node headers
  int64_t expires = 0;     // the deadline index
};

// `part` against `whole`: their ratio (0 when `whole` is 0) and the bytes between them.
struct memory_ratio {
  double ratio = 0;
  int64_t bytes = 0;
};
memory_ratio ratio_of(int64_t part, int64_t whole);

struct memory_figures {
  // Measured.
  int64_t used = 0;     // allocated_bytes()
  int64_t rss = 0;      // process_rss()
  int64_t peak = 0;     // the most `used` seen
  int64_t startup = 0;  // `used` when the server started serving
  allocator_figures allocator;
  int64_t replication_backlog = 0;
  int64_t replica_buffers = 0;  // clients.slaves
  int64_t client_buffers = 0;   // clients.normal
  std::vector<db_memory_overhead> dbs;
  int64_t normal_clients = 0, replica_clients = 0;

  // Derived, as Redis derives them.
  int64_t overhead_total() const;
  int64_t dataset() const { return used - overhead_total(); }
  int64_t keys() const;
  int64_t bytes_per_key() const;
  double dataset_percentage() const;
  double peak_percentage() const;
  memory_ratio allocator_fragmentation() const {
    return ratio_of(allocator.active, allocator.allocated);
  }
  memory_ratio allocator_rss() const { return ratio_of(allocator.resident, allocator.active); }
  memory_ratio rss_overhead() const { return ratio_of(rss, allocator.resident); }
  // The whole RSS overhead, fragmentation and all (named "fragmentation" for history's sake).
  memory_ratio fragmentation() const { return ratio_of(rss, used); }

 private:
  // Used memory beyond the startup's (1 when there is none, so that shares of it stay finite).
  int64_t net_usage() const { return used > startup ? used - startup : 1; }
};

// MEMORY DOCTOR's report: Redis's texts for the conditions it checks that exist here.
// `allocator` names the allocator in the fragmentation advice.
std::string memory_doctor_report(const memory_figures& m, std::string_view allocator);

}  // namespace credis
