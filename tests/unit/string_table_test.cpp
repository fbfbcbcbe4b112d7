// The big set's and big hash's tables (storage/string_table.hpp) and the slot_table under them
// (storage/slot_table.hpp): elements, values rewritten in place or moved, copies, SCAN's
// guarantee across resizes, and fair random picks.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>

#include "storage/string_table.hpp"

using credis::field_table;
using credis::member_table;

namespace {

std::set<std::string> members_of(const member_table& t) {
  std::set<std::string> out;
  for (const member_table::node* n : t)
    out.emplace(member_table::key(n));
  return out;
}

}  // namespace

TEST_CASE("member_table: insert, find, erase, shrink and copy", "[string_table]") {
  member_table t;
  CHECK(t.size() == 0);
  CHECK_FALSE(t.contains("a"));
  CHECK(t.insert("a"));
  CHECK_FALSE(t.insert("a"));
  CHECK(t.insert(""));  // an empty member is a member
  CHECK(t.insert(std::string(300, 'x')));  // a length past one byte
  CHECK(t.contains(""));
  CHECK(t.contains(std::string(300, 'x')));
  CHECK_FALSE(t.contains(std::string(299, 'x')));
  CHECK(t.size() == 3);
  for (int i = 0; i < 10000; ++i)
    REQUIRE(t.insert("m" + std::to_string(i)));
  CHECK(t.size() == 10003);
  member_table copy(t);
  for (int i = 0; i < 10000; ++i)
    REQUIRE(t.erase("m" + std::to_string(i)));
  CHECK_FALSE(t.erase("m0"));
  CHECK(members_of(t) == std::set<std::string>{"", "a", std::string(300, 'x')});
  CHECK(copy.size() == 10003);
  CHECK(copy.contains("m9999"));
  CHECK(members_of(copy).size() == 10003);
  member_table moved(std::move(copy));
  CHECK(moved.size() == 10003);
  CHECK(copy.size() == 0);
}

TEST_CASE("field_table: values rewritten in place, grown, shrunk and across length widths",
          "[string_table]") {
  field_table t;
  CHECK(t.insert("f", "v1"));
  CHECK_FALSE(t.insert("f", "other"));  // insert keeps what is there
  CHECK(field_table::second(t.find("f")) == "v1");
  const std::string sizes[] = {"",
                               "v2",
                               std::string(254, 'a'),
                               std::string(255, 'b'),
                               std::string(100000, 'c'),
                               "d",
                               std::string(300, 'e'),
                               std::string(20, 'g')};
  for (const std::string& v : sizes) {
    CHECK_FALSE(t.assign("f", v));
    const field_table::node* n = t.find("f");
    REQUIRE(n);
    CHECK(field_table::key(n) == "f");
    CHECK(field_table::second(n) == v);
  }
  CHECK(t.assign("g", "new"));
  std::string long_field(1000, 'F');
  CHECK(t.assign(long_field, "x"));
  CHECK_FALSE(t.assign(long_field, std::string(500, 'y')));
  CHECK(field_table::second(t.find(long_field)) == std::string(500, 'y'));
  field_table copy(t);
  CHECK(t.erase("f"));
  CHECK_FALSE(t.contains("f"));
  CHECK(field_table::second(copy.find("f")) == std::string(20, 'g'));
  CHECK(copy.size() == 3);
}

// SCAN's guarantee (as Redis's): an element present from the first call to the last is
// returned, while the table doubles and halves in between; the walk ends.
TEST_CASE("scan returns every element present throughout, across growing and shrinking",
          "[string_table][scan]") {
  std::mt19937_64 bits(7);
  for (int round = 0; round < 10; ++round) {
    member_table t;
    std::set<std::string> throughout;
    for (int i = 0; i < 2000; ++i) {
      std::string m = "k" + std::to_string(i);
      t.insert(m);
      if (i % 10 == 0)
        throughout.insert(m);  // the others may go
    }
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0, next = 0;
    do {
      cursor = t.slots().scan(cursor, 10, [&](const member_table::node* n) {
        seen.emplace(member_table::key(n));
      });
      if (round % 2 == 0) {
        for (int j = 0; j < 20; ++j)  // grows through several doublings
          t.insert("n" + std::to_string(next++));
      } else {
        for (int j = 0; j < 30; ++j) {  // shrinks through several halvings
          std::string m = "k" + std::to_string(bits() % 2000);
          if (!throughout.count(m))
            t.erase(m);
        }
      }
      ++calls;
    } while (cursor != 0 && calls < 100000);
    CHECK(cursor == 0);
    for (const auto& k : throughout)
      CHECK(seen.count(k) == 1);
  }
}

TEST_CASE("random_node picks every element about as often", "[string_table][random]") {
  field_table t;
  for (int i = 0; i < 50; ++i)
    t.insert("f" + std::to_string(i), std::to_string(i));
  for (int i = 50; i < 5000; ++i)  // then emptied again: a sparse table
    t.insert("g" + std::to_string(i), "");
  for (int i = 50; i < 5000; ++i)
    t.erase("g" + std::to_string(i));
  std::mt19937_64 bits(11);
  std::map<std::string, int> times;
  const int draws = 50000;
  for (int i = 0; i < draws; ++i)
    ++times[std::string(field_table::second(t.slots().random_node(bits)))];
  REQUIRE(times.size() == 50);
  // Pearson's chi-square over 50 cells (49 degrees of freedom): 80 is past the 99.5th
  // percentile.
  double chi = 0, expected = draws / 50.0;
  for (const auto& [field, n] : times)
    chi += (n - expected) * (n - expected) / expected;
  CHECK(chi < 80);
}
