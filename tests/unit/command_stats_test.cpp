// INFO commandstats and errorstats: calls, rejections and failures per command, error codes as
// Redis takes them from the reply, and where the harness runs commands as the server does.
#include <catch2/catch.hpp>

#include <string>

#include "command_harness.hpp"
#include "storage/command_stats.hpp"

using credis::command_counters;
using credis::command_index;
using credis::command_stats;
using credis::find_command;
using credis::testing::command_harness;

namespace {

// A command's counters, all zero when it has none.
const command_counters& counters_of(const command_stats& stats, std::string_view name) {
  static const command_counters none;
  const command_counters* c = stats.find(command_index(*find_command(name)));
  return c ? *c : none;
}

uint64_t error_count(const command_stats& stats, std::string_view code) {
  auto it = stats.errors().find(code);
  return it == stats.errors().end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("error codes are the reply's first word, or ERR", "[command_stats]") {
  command_stats stats;
  stats.count_error("-WRONGTYPE Operation against a key\r\n");
  stats.count_error("-NOGROUP No such key\r\n");
  stats.count_error("-ERR syntax error\r\n");
  stats.count_error("-NOSPACEINTHEFIRSTTHIRTYTWOBYTESATALL\r\n");  // Redis falls back to ERR
  stats.count_error("+OK\r\n");                                     // not an error
  CHECK(stats.total_error_replies() == 4);
  CHECK(error_count(stats, "WRONGTYPE") == 1);
  CHECK(error_count(stats, "NOGROUP") == 1);
  CHECK(error_count(stats, "ERR") == 2);
  stats.reset();
  CHECK(stats.total_error_replies() == 0);
  CHECK(stats.errors().empty());
}

TEST_CASE("calls, rejections and failures are counted per command", "[command_stats]") {
  command_harness h;
  auto& stats = h.server.stats.commands;
  h.run({"SET", "a", "b"});
  h.run({"SET", "a"});              // wrong arity: rejected
  h.run({"LPUSH", "a", "x"});       // WRONGTYPE: failed
  h.run({"NOSUCHCOMMAND"});         // an error of no command
  h.run({"PING"});                  // runs in the connection
  CHECK(counters_of(stats, "set").calls == 1);
  CHECK(counters_of(stats, "set").rejected == 1);
  CHECK(counters_of(stats, "set").failed == 0);
  CHECK(counters_of(stats, "lpush").calls == 1);
  CHECK(counters_of(stats, "lpush").failed == 1);
  CHECK(counters_of(stats, "ping").calls == 1);
  CHECK(error_count(stats, "WRONGTYPE") == 1);
  CHECK(error_count(stats, "ERR") == 2);
  CHECK(stats.total_error_replies() == 3);
}

TEST_CASE("EXEC fails by its own error only", "[command_stats]") {
  command_harness h;
  auto& stats = h.server.stats.commands;
  h.run({"SET", "a", "b"});
  h.run({"MULTI"});
  h.run({"LPUSH", "a", "x"});
  CHECK(h.run({"EXEC"}) ==
        "*1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(counters_of(stats, "exec").calls == 1);
  CHECK(counters_of(stats, "exec").failed == 0);
  CHECK(counters_of(stats, "lpush").failed == 1);
  h.run({"MULTI"});
  h.run({"GET"});
  CHECK(h.run({"EXEC"}).rfind("-EXECABORT", 0) == 0);
  CHECK(counters_of(stats, "exec").calls == 2);
  CHECK(counters_of(stats, "exec").failed == 1);
  CHECK(counters_of(stats, "get").rejected == 1);
  CHECK(h.run({"EXEC"}) == "-ERR EXEC without MULTI\r\n");
  CHECK(counters_of(stats, "exec").calls == 3);
  CHECK(counters_of(stats, "exec").failed == 2);
}
