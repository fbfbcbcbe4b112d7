// The memory figures INFO memory and MEMORY STATS print, and MEMORY DOCTOR's report on them.
#include <catch2/catch.hpp>

#include <string>

#include "storage/memory_stats.hpp"

using credis::memory_figures;

namespace {

constexpr int64_t mb = 1024 * 1024;

// A server using 100 MB with no waste anywhere: the doctor finds nothing.
memory_figures healthy() {
  memory_figures m;
  m.used = m.peak = 100 * mb;
  m.startup = 1 * mb;
  m.allocator = {100 * mb, 100 * mb, 100 * mb};
  m.rss = 100 * mb;
  m.normal_clients = 1;
  return m;
}

bool has(const std::string& report, const char* text) {
  return report.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("the overhead is the startup memory, buffers and tables; the rest is the dataset",
          "[memory]") {
  memory_figures m;
  m.used = 10'000;
  m.peak = 20'000;
  m.startup = 4'000;
  m.replication_backlog = 1'000;
  m.dbs = {{0, 3, 300, 16}, {5, 2, 200, 0}};
  CHECK(m.overhead_total() == 4'000 + 1'000 + 316 + 200);
  CHECK(m.dataset() == 10'000 - 5'516);
  CHECK(m.keys() == 5);
  CHECK(m.bytes_per_key() == 6'000 / 5);  // of the memory used beyond the startup's
  CHECK(m.dataset_percentage() == Approx(4'484 * 100.0 / 6'000));
  CHECK(m.peak_percentage() == Approx(50.0));
}

TEST_CASE("ratios are 0 where the base is unknown, and come with the bytes between",
          "[memory]") {
  memory_figures m;
  m.used = 1'000;
  m.rss = 3'000;
  CHECK(m.fragmentation().ratio == Approx(3.0));
  CHECK(m.fragmentation().bytes == 2'000);
  CHECK(m.allocator_fragmentation().ratio == 0.0);  // no jemalloc figures
  memory_figures empty;
  CHECK(empty.bytes_per_key() == 0);
  CHECK(empty.peak_percentage() == 0.0);
  CHECK(empty.dataset_percentage() == 0.0);
}

TEST_CASE("MEMORY DOCTOR says so when there is too little data to judge", "[memory]") {
  memory_figures m = healthy();
  m.used = 5 * mb - 1;
  m.peak = 50 * mb;  // would be a peak issue with more data
  const std::string report = credis::memory_doctor_report(m, "jemalloc-5.3.0");
  CHECK(report.starts_with("Hi Sam, this instance is empty or is using very little memory"));
  CHECK(report.ends_with("as soon as I finished rebooting.\n"));
}

TEST_CASE("MEMORY DOCTOR finds nothing in a healthy instance", "[memory]") {
  CHECK(credis::memory_doctor_report(healthy(), "jemalloc-5.3.0") ==
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.\n");
}

TEST_CASE("MEMORY DOCTOR reports each issue past Redis's thresholds, in Redis's order",
          "[memory]") {
  memory_figures m = healthy();
  m.peak = 151 * mb;                  // over 150% of used
  m.rss = 200 * mb;                   // RSS twice the allocations, 100 MB more
  m.allocator.active = 120 * mb;      // allocator fragmentation 1.2, 20 MB
  m.allocator.resident = 120 * mb;
  m.client_buffers = 300 * 1024;      // one client with 300K of output
  const std::string report = credis::memory_doctor_report(m, "jemalloc-5.3.0");
  CHECK(report.starts_with("Sam, I detected a few issues in this Redis instance memory implants"));
  CHECK(report.ends_with("I'm here to keep you safe, Sam. I want to help you.\n"));
  const auto peak = report.find(" * Peak memory:");
  const auto rss = report.find(" * High total RSS:");
  const auto frag = report.find(" * High allocator fragmentation:");
  const auto clients = report.find(" * Big client buffers:");
  REQUIRE(peak != std::string::npos);
  CHECK(peak < rss);
  CHECK(rss < frag);
  CHECK(frag < clients);
  CHECK(clients != std::string::npos);
  CHECK(has(report, "The currently used allocator is \"jemalloc-5.3.0\"."));
  // Resident 120 MB of 120 MB active: no allocator RSS overhead; RSS 200 MB of 120 MB resident
  // is the process's own overhead.
  CHECK(!has(report, "High allocator RSS overhead"));
  CHECK(has(report, "High process RSS overhead"));
  CHECK(!has(report, "Big replica buffers"));
}

TEST_CASE("MEMORY DOCTOR ignores a high ratio that wastes under 10 MB", "[memory]") {
  memory_figures m = healthy();
  m.used = 6 * mb;
  m.peak = 6 * mb;
  m.allocator = {6 * mb, 6 * mb, 6 * mb};
  m.rss = 15 * mb;  // 2.5 times used, but only 9 MB more
  CHECK(has(credis::memory_doctor_report(m, "libc"), "can't find any memory issue"));
}
