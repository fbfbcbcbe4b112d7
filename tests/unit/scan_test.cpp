// SCAN's guarantees (database::scan, entry_table's hash-ordered homes), as Redis documents them:
// 1. every key present from the start to the end of a full iteration is returned;
// 2. the iteration ends, after a number of calls bounded by the table's size;
// 3. keys may come twice, and those added or removed meanwhile may or may not come.
// Property tests: random inserts, deletes, growth and shrink between scan calls, many seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/database.hpp"

using namespace credis;

namespace {

std::string key_of(uint64_t n) { return "key:" + std::to_string(n); }

// One SCAN call; adds what it returned to `seen`, returns the next cursor.
uint64_t scan_step(const database& db, uint64_t cursor, size_t count,
                   std::multiset<std::string>& seen) {
  return db.scan(cursor, count, [&](std::string_view k, const entry&) { seen.emplace(k); });
}

}  // namespace

TEST_CASE("scan: an unchanged table gives every key exactly once", "[storage][scan]") {
  // COUNT 100000 covers a whole table in one call: the walk then wraps onto the slots it began
  // with (10 keys in 16 slots once returned one of them twice).
  for (size_t keys : {0, 1, 7, 10, 11, 12, 100, 1000, 12345}) {
    for (size_t count : {1, 10, 1000, 100000}) {
      database db;
      for (size_t i = 0; i < keys; ++i)
        db.put(key_of(i), value("v"), no_expiry);
      std::multiset<std::string> seen;
      uint64_t cursor = 0;
      size_t calls = 0;
      do {
        cursor = scan_step(db, cursor, count, seen);
        ++calls;
        REQUIRE(calls <= db.entries().slot_count() + 1);
      } while (cursor != 0);
      REQUIRE(seen.size() == keys);
      REQUIRE(std::set<std::string>(seen.begin(), seen.end()).size() == keys);
      if (keys > 0 && count == 1)
        CHECK(calls >= keys / 4);  // COUNT is honoured roughly, as in Redis
    }
  }
}

TEST_CASE("scan: keys present throughout are returned while the table grows and shrinks",
          "[storage][scan]") {
  for (uint32_t seed = 1; seed <= 100; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rnd(seed);
    auto pick = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rnd); };
    database db;
    uint64_t next_key = 0;
    std::set<std::string> present, stable;  // stable: present from the start, never deleted
    auto insert = [&](size_t n) {
      for (size_t i = 0; i < n; ++i) {
        std::string k = key_of(next_key++);
        db.put(k, value("v"), no_expiry);
        present.insert(k);
      }
    };
    // Deletes about n random keys (stable ones too unless spared).
    auto erase_some = [&](size_t n, bool spare_stable) {
      for (size_t i = 0; i < n && !present.empty(); ++i) {
        auto it = present.lower_bound(key_of(pick(next_key)));
        if (it == present.end() || (spare_stable && stable.count(*it)))
          continue;
        REQUIRE(db.erase(*it));
        stable.erase(*it);
        present.erase(it);
      }
    };
    insert(pick(3000));
    for (const auto& k : present)
      if (pick(3) == 0)
        stable.insert(k);
    const std::set<std::string> stable_at_start = stable;

    std::multiset<std::string> seen;
    uint64_t cursor = 0;
    size_t calls = 0, largest = std::max<size_t>(db.entries().slot_count(), 16);
    bool resized = false;
    do {
      size_t slots_before = db.entries().slot_count();
      cursor = scan_step(db, cursor, 1 + pick(40), seen);
      ++calls;
      switch (pick(10)) {
        case 0:  // a burst that doubles the table, or more (up to a size, or it never ends)
          if (present.size() < 20000)
            insert(present.size() * (1 + pick(3)) + 100);
          break;
        case 1: {  // everything not stable goes: the table shrinks
          for (auto it = present.begin(); it != present.end();) {
            if (stable.count(*it)) {
              ++it;
              continue;
            }
            REQUIRE(db.erase(*it));
            it = present.erase(it);
          }
          break;
        }
        case 2:  // a stable key goes: it may or may not be returned now
          erase_some(1, false);
          break;
        default:  // steady churn
          insert(pick(200));
          erase_some(pick(150), true);
      }
      resized = resized || db.entries().slot_count() != slots_before;
      largest = std::max(largest, db.entries().slot_count());
      REQUIRE(calls <= 4 * largest);  // guarantee 2: it ends
    } while (cursor != 0);
    for (const auto& k : stable)  // guarantee 1 (stable lost only keys that were deleted)
      REQUIRE(seen.count(k) >= 1);
    for (const auto& k : stable_at_start)
      if (!stable.count(k))
        REQUIRE(!present.count(k));
    if (seed == 100)
      CHECK(resized);
  }
}

TEST_CASE("scan: a cursor is a hash, good across a resize in either direction", "[storage][scan]") {
  database db;
  for (int i = 0; i < 5000; ++i)
    db.put(key_of(i), value("v"), no_expiry);
  std::multiset<std::string> first, rest;
  uint64_t cursor = scan_step(db, 0, 2500, first);
  REQUIRE(cursor != 0);
  const size_t slots = db.entries().slot_count();
  for (int i = 0; i < 4600; ++i)  // shrinks the table (below 1/16 full)
    REQUIRE(db.erase(key_of(i)));
  REQUIRE(db.entries().slot_count() < slots);
  do
    cursor = scan_step(db, cursor, 100, rest);
  while (cursor != 0);
  for (int i = 4600; i < 5000; ++i)
    REQUIRE(first.count(key_of(i)) + rest.count(key_of(i)) >= 1);
  // Nothing the first part returned comes again, but for the homes a shrink merged.
  size_t again = 0;
  for (const auto& k : rest)
    again += first.count(k);
  CHECK(again < 100);
}
