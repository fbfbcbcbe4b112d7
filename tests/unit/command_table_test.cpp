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

namespace {

// The keys key_positions finds in a command line, or {"invalid"}.
std::vector<std::string> keys_of(std::initializer_list<std::string_view> line) {
  std::vector<std::string_view> argv(line);
  std::vector<size_t> positions;
  const credis::command_spec* cmd = credis::find_command(argv[0]);
  REQUIRE(cmd);
  if (!credis::key_positions(*cmd, argv, positions))
    return {"invalid"};
  std::vector<std::string> keys;
  for (size_t i : positions)
    keys.emplace_back(argv[i]);
  return keys;
}

using keys = std::vector<std::string>;

}  // namespace

TEST_CASE("key positions: fixed, counted, after STREAMS, after STORE", "[command_table]") {
  CHECK(keys_of({"MSET", "a", "1", "b", "2"}) == keys{"a", "b"});
  CHECK(keys_of({"BLPOP", "a", "b", "0"}) == keys{"a", "b"});
  CHECK(keys_of({"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"}) == keys{"d", "a", "b"});
  CHECK(keys_of({"ZUNIONSTORE", "d", "3", "a", "b"}) == keys{"invalid"});
  CHECK(keys_of({"ZUNIONSTORE", "d", "0", "a"}) == keys{"invalid"});
  CHECK(keys_of({"ZUNIONSTORE", "d", "x", "a"}) == keys{"invalid"});
  CHECK(keys_of({"BLMPOP", "0.5", "2", "a", "b", "LEFT"}) == keys{"a", "b"});
  CHECK(keys_of({"XREAD", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"}) == keys{"s1", "s2"});
  CHECK(keys_of({"XREADGROUP", "GROUP", "streams", "c", "STREAMS", "s", ">"}) == keys{"s"});
  CHECK(keys_of({"XREAD", "STREAMS", "s"}) == keys{"invalid"});
  CHECK(keys_of({"SORT", "k", "BY", "store", "STORE", "d1", "STORE", "d2"}) == keys{"k", "d2"});
  CHECK(keys_of({"SORT", "k", "LIMIT", "0", "1"}) == keys{"k"});
}

TEST_CASE("every command with keys has key specs that find them", "[command_table]") {
  for (const auto& spec : all_commands_and_subcommands()) {
    INFO(spec.name);
    key_spec derived{};
    const auto specs = key_specs_of(spec, derived);
    if (spec.first_key > 0 || spec.movable.how != movable_keys::none)
      CHECK(!specs.empty());
    for (const auto& k : specs)
      CHECK(k.flags != kf::none);
    // A spec of its own replaces the range's flags, never both.
    CHECK((spec.key_specs.empty() || spec.key_flags == kf::none));
  }
}

namespace {

// Each key keys_with_flags finds in a command line, with its flags.
std::vector<std::pair<std::string, uint16_t>> flagged_keys_of(
    std::initializer_list<std::string_view> line) {
  std::vector<std::string_view> argv(line);
  const credis::command_spec* cmd = credis::find_command(argv[0]);
  REQUIRE(cmd);
  std::vector<std::pair<std::string, uint16_t>> keys;
  for (auto [pos, flags] : credis::keys_with_flags(*cmd, argv))
    keys.emplace_back(argv[pos], flags);
  return keys;
}

using flagged = std::vector<std::pair<std::string, uint16_t>>;

}  // namespace

TEST_CASE("key flags: by spec, by the arguments, by the command's procedure", "[command_table]") {
  CHECK(flagged_keys_of({"GET", "k"}) == flagged{{"k", kf::ro | kf::access}});
  CHECK(flagged_keys_of({"LMOVE", "a", "b", "LEFT", "RIGHT"}) ==
        flagged{{"a", kf::rw | kf::access | kf::del}, {"b", kf::rw | kf::insert}});
  CHECK(
      flagged_keys_of({"ZUNIONSTORE", "d", "2", "a", "b"}) ==
      flagged{{"d", kf::ow | kf::update}, {"a", kf::ro | kf::access}, {"b", kf::ro | kf::access}});
  CHECK(flagged_keys_of({"ZUNIONSTORE", "d", "3", "a", "b"}).empty());
  CHECK(flagged_keys_of({"XREAD", "COUNT", "1", "streams", "s1", "s2", "0", "0"}) ==
        flagged{{"s1", kf::ro | kf::access}, {"s2", kf::ro | kf::access}});
  CHECK(flagged_keys_of({"XREAD", "COUNT", "1"}).empty());
  CHECK(flagged_keys_of({"SET", "k", "v"}) == flagged{{"k", kf::ow | kf::update}});
  CHECK(flagged_keys_of({"SET", "k", "v", "get"}) ==
        flagged{{"k", kf::rw | kf::access | kf::update}});
  CHECK(flagged_keys_of({"BITFIELD", "k", "GET", "u8", "0"}) ==
        flagged{{"k", kf::ro | kf::access}});
  CHECK(flagged_keys_of({"SORT", "k", "BY", "w", "STORE", "d"}) ==
        flagged{{"k", kf::ro | kf::access}, {"d", kf::ow | kf::update}});
  // EVAL with no keys: the count spec finds none, and its procedure none either.
  CHECK(flagged_keys_of({"EVAL", "return 1", "0"}).empty());
  CHECK(flagged_keys_of({"EVAL", "return 1", "1", "k"}) ==
        flagged{{"k", kf::rw | kf::access | kf::update}});
}
