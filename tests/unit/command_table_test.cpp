#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>

#include "storage/commands/command.hpp"

using namespace credis;

TEST_CASE("every command is found by its name in any case", "[commands][table]") {
  std::set<std::string_view> names;
  for (const auto& spec : all_commands()) {
    CHECK(names.insert(spec.name).second);  // no name twice
    std::string upper(spec.name), mixed(spec.name);
    for (size_t i = 0; i < upper.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
      if (i % 2 == 0)
        mixed[i] = upper[i];
    }
    CHECK(find_command(spec.name) == &spec);
    CHECK(find_command(upper) == &spec);
    CHECK(find_command(mixed) == &spec);
  }
  CHECK(names.size() > 40);
}

TEST_CASE("unknown, near-miss and odd names are not found", "[commands][table]") {
  CHECK(find_command("") == nullptr);
  CHECK(find_command("foo") == nullptr);
  CHECK(find_command("ge") == nullptr);
  CHECK(find_command("gett") == nullptr);
  CHECK(find_command(std::string_view("get\0", 4)) == nullptr);
  CHECK(find_command("G\xc5T") == nullptr);
  // Folding is ASCII only: '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
  CHECK(find_command("g@t") == nullptr);
  CHECK(find_command(std::string(100000, 'x')) == nullptr);
}

TEST_CASE("every command has the group and version COMMAND DOCS reports", "[commands][table]") {
  for (const auto& spec : all_commands()) {
    INFO(spec.name);
    CHECK(!spec.summary.empty());
    CHECK(!spec.group.empty());
    CHECK(!spec.since.empty());
  }
  CHECK(find_command("set")->group == "string");
  CHECK(find_command("ping")->group == "connection");
  CHECK(find_command("expiretime")->since == "7.0.0");
}
