// What operators read about the server itself: command latency histograms (LATENCY HISTOGRAM,
// INFO latencystats), the slow log and the latency monitor's events.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "storage/latency_histogram.hpp"
#include "storage/latency_monitor.hpp"
#include "storage/slowlog.hpp"

using credis::latency_histogram;
using credis::latency_monitor;
using credis::slowlog;

TEST_CASE("a latency histogram's percentiles are within 1% of the values", "[introspection]") {
  latency_histogram h;
  CHECK(h.value_at_percentile(50) == 0);
  for (int64_t v = 1; v <= 100000; ++v)
    h.record(v * 10);  // 10 ns .. 1 ms, evenly
  CHECK(h.total() == 100000);
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    const double want = p / 100.0 * 1'000'000.0;
    const auto got = static_cast<double>(h.value_at_percentile(p));
    CHECK(got >= want);
    CHECK(got <= want * 1.01 + 10);
  }
  // Values outside [1 ns, 1 s] count at the ends.
  latency_histogram ends;
  ends.record(0);
  ends.record(5'000'000'000);
  CHECK(ends.value_at_percentile(0) == 1);
  CHECK(ends.value_at_percentile(100) >= latency_histogram::max_ns);
}

TEST_CASE("LATENCY HISTOGRAM's points double from 1024 ns and count what lies below",
          "[introspection]") {
  latency_histogram h;
  for (int i = 0; i < 3; ++i)
    h.record(500);  // below 1024 ns
  h.record(3000);   // between 2048 and 4096
  h.record(50'000'000);
  const auto points = h.cumulative_distribution();
  REQUIRE(points.size() == 3);
  CHECK(points[0].usec == 1);
  CHECK(points[0].cumulative == 3);
  CHECK(points[1].usec == 4);  // 4095 ns, rounded down
  CHECK(points[1].cumulative == 4);
  CHECK(points[2].usec == 67108);  // the first limit above 50 ms: 1024 << 16 ns
  CHECK(points[2].cumulative == 5);
  CHECK(latency_histogram().cumulative_distribution().empty());
}

TEST_CASE("the slow log keeps the newest entries above the threshold, trimmed as Redis",
          "[introspection]") {
  slowlog log;
  const std::vector<std::string_view> get = {"GET", "k"};
  log.record(get, 5, 10, 128, 1000, "1.2.3.4:5", "name");
  CHECK(log.entries().empty());  // faster than the threshold
  log.record(get, 5, -1, 128, 1000, "1.2.3.4:5", "name");
  CHECK(log.entries().empty());  // -1: nothing is logged
  for (int i = 0; i < 5; ++i)
    log.record(get, 20 + i, 10, 3, 1000 + i, "1.2.3.4:5", "name");
  REQUIRE(log.entries().size() == 3);
  CHECK(log.entries()[0].id == 4);  // newest first
  CHECK(log.entries()[0].duration_us == 24);
  CHECK(log.entries()[2].id == 2);
  CHECK(log.entries()[0].client_addr == "1.2.3.4:5");
  CHECK(log.entries()[0].client_name == "name");
  log.trim(1);
  CHECK(log.entries().size() == 1);

  std::vector<std::string> many_args;
  for (int i = 0; i < 40; ++i)
    many_args.push_back(std::to_string(i));
  many_args[1] = std::string(200, 'x');
  std::vector<std::string_view> argv(many_args.begin(), many_args.end());
  log.record(argv, 0, 0, 10, 1, "", "");
  const auto& args = log.entries()[0].args;
  REQUIRE(args.size() == slowlog::max_args);
  CHECK(args[1] == std::string(128, 'x') + "... (72 more bytes)");
  CHECK(args.back() == "... (9 more arguments)");
  log.reset();
  CHECK(log.entries().empty());
}

TEST_CASE("a slow log entry hides what the command's redactor names", "[introspection]") {
  slowlog log;
  const std::vector<std::string_view> argv = {"CONFIG", "SET", "requirepass", "secret"};
  log.record(argv, 1, 0, 10, 1, "", "", [](std::vector<std::string>& args) {
    args[3] = "(redacted)";
  });
  CHECK(log.entries()[0].args == std::vector<std::string>{"CONFIG", "SET", "requirepass",
                                                         "(redacted)"});
}

TEST_CASE("the latency monitor keeps each second's worst sample of each event",
          "[introspection]") {
  latency_monitor m;
  m.record("command", 50, 100, 10);  // under the threshold
  m.record("command", 500, 0, 10);   // monitoring off
  CHECK(m.events().empty());
  m.record("command", 150, 100, 10);
  m.record("command", 300, 100, 10);  // the same second: the worse one stays
  m.record("command", 120, 100, 10);
  m.record("command", 200, 100, 11);
  m.add("fork", 5, 11);
  const auto* s = m.find("command");
  REQUIRE(s);
  const auto history = s->history();
  REQUIRE(history.size() == 2);
  CHECK(history[0].unix_seconds == 10);
  CHECK(history[0].ms == 300);
  CHECK(history[1].ms == 200);
  CHECK(s->latest().ms == 200);
  CHECK(s->max_ms == 300);
  const std::string graph = latency_monitor::graph("command", *s, 12);
  CHECK(graph.rfind("command - high 300 ms, low 200 ms (all time high 300 ms)\n", 0) == 0);
  CHECK(graph.find('#') != std::string::npos);
  CHECK(m.doctor(100, 10000).find("command: 2 latency spikes") != std::string::npos);
  CHECK(m.reset("COMMAND") == 1);
  CHECK(m.reset("nosuch") == 0);
  CHECK(m.reset() == 1);
  CHECK(m.events().empty());
}

TEST_CASE("the latency monitor keeps the last 160 seconds", "[introspection]") {
  latency_monitor m;
  for (int64_t t = 1; t <= 200; ++t)
    m.add("expire-cycle", t, t);
  const auto history = m.find("expire-cycle")->history();
  REQUIRE(history.size() == latency_monitor::samples_kept);
  CHECK(history.front().unix_seconds == 41);
  CHECK(history.back().unix_seconds == 200);
  CHECK(m.find("expire-cycle")->max_ms == 200);
}
