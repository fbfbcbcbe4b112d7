#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "storage/database.hpp"

using namespace credis;

TEST_CASE("keys past their deadline read as missing, exactly at the millisecond", "[storage]") {
  database db;
  db.put("k", value(std::string("v")), 1000);
  REQUIRE(db.find("k", 999) != nullptr);
  REQUIRE(db.find("k", 1000) != nullptr);  // Redis: expired only once now > deadline
  REQUIRE(db.find("k", 1001) == nullptr);
  REQUIRE(db.size() == 0);
  REQUIRE(db.expires() == 0);
}

TEST_CASE("active expiry removes due keys in deadline order within a budget", "[storage]") {
  database db;
  for (int i = 0; i < 10; ++i)
    db.put(std::string("k").append(std::to_string(i)), value(std::string("v")), 100 + i);
  db.put("forever", value(std::string("v")), no_expiry);
  REQUIRE(db.expires() == 10);
  REQUIRE(db.next_deadline() == 100);
  REQUIRE(db.expire_due(104, 100) == 4);  // 100..103 are past
  REQUIRE(db.size() == 7);
  REQUIRE(db.expire_due(1000, 2) == 2);   // budget respected
  REQUIRE(db.expire_due(1000, 100) == 4);
  REQUIRE(db.size() == 1);
  REQUIRE(db.next_deadline() == no_expiry);
}

TEST_CASE("every deadline set moves the count that lets the keyspace skip its scan",
          "[storage]") {
  database db;
  uint64_t before = database::deadlines_set();
  db.put("plain", value(std::string("v")), no_expiry);
  REQUIRE(database::deadlines_set() == before);  // no deadline: no earlier one to find
  db.put("k", value(std::string("v")), 1000);
  REQUIRE(database::deadlines_set() == before + 1);
  db.set_expire(*db.find_raw("k"), 500);  // earlier than the one a scan found
  REQUIRE(database::deadlines_set() == before + 2);
  db.set_expire(*db.find_raw("k"), no_expiry);
  REQUIRE(database::deadlines_set() == before + 2);
  database other;  // any database counts: the keyspace's 16 share it
  other.put("k", value(std::string("v")), 2000);
  REQUIRE(database::deadlines_set() == before + 3);
}

TEST_CASE("a scheduled delete never removes a rewritten, persisted or re-timed key",
          "[storage]") {
  database db;
  db.put("overwritten", value(std::string("v")), 100);
  db.put("persisted", value(std::string("v")), 100);
  db.put("retimed", value(std::string("v")), 100);
  db.put("renamed-away", value(std::string("v")), 100);
  db.put("overwritten", value(std::string("new")), no_expiry);
  db.set_expire(*db.find_raw("persisted"), no_expiry);
  db.set_expire(*db.find_raw("retimed"), 500);
  db.erase("renamed-away");
  db.put("renamed-away", value(std::string("other")), no_expiry);
  REQUIRE(db.expire_due(200, 100) == 0);
  REQUIRE(db.size() == 4);
  REQUIRE(db.expires() == 1);
  REQUIRE(db.expire_due(501, 100) == 1);
  REQUIRE(db.find_raw("retimed") == nullptr);
}

TEST_CASE("stale deadline items do not pile up when a key keeps getting new TTLs",
          "[storage]") {
  database db;
  for (int i = 0; i < 100000; ++i)
    db.put("hot", value(std::string("v")), 1000000 + i);
  REQUIRE(db.expires() == 1);
  REQUIRE(db.expire_due(2000000, 10) == 1);
  REQUIRE(db.size() == 0);
}

TEST_CASE("avg_ttl averages the remaining time of keys with a deadline", "[storage]") {
  database db;
  db.put("a", value(std::string("v")), 1100);
  db.put("b", value(std::string("v")), 1300);
  db.put("c", value(std::string("v")), no_expiry);
  REQUIRE(db.avg_ttl(1000) == 200);
}

TEST_CASE("values of every type clone deeply", "[storage]") {
  zset_value z;
  REQUIRE(z.insert("a", 1.5));
  REQUIRE_FALSE(z.insert("a", 2.5));
  REQUIRE((*z.begin()).score == 2.5);
  value v(std::move(z));
  value copy = v.clone();
  copy.zset().insert("b", 0);
  REQUIRE(v.zset().size() == 1);
  REQUIRE(copy.zset().size() == 2);
  REQUIRE(type_name(value(list_value{"x"}).type()) == "list");
}

TEST_CASE("the table agrees with a reference map through inserts, deletes and rewrites",
          "[storage]") {
  database db;
  std::map<std::string, std::string> ref;
  uint64_t x = 12345;
  auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int round = 0; round < 200000; ++round) {
    std::string key = std::string("k").append(std::to_string(next() % 5000));
    switch (next() % 3) {
      case 0:
      case 1: {
        std::string v = std::to_string(next());
        db.put(key, value(v), no_expiry);
        ref[key] = v;
        break;
      }
      case 2:
        REQUIRE(db.erase(key) == (ref.erase(key) == 1));
        break;
    }
  }
  REQUIRE(db.size() == ref.size());
  for (const auto& [k, v] : ref)
    REQUIRE(db.find_raw(k)->val.str() == v);
  size_t seen = 0;
  for (const auto& [k, e] : db.entries()) {
    REQUIRE(ref.at(std::string(k)) == e.val.str());
    ++seen;
  }
  REQUIRE(seen == ref.size());
}

TEST_CASE("deleting most keys shrinks the table and keeps the rest", "[storage]") {
  database db;
  for (int i = 0; i < 100000; ++i)
    db.put("key" + std::to_string(i), value("v"), i % 2 ? 5000 + i : no_expiry);
  for (int i = 0; i < 99990; ++i)
    REQUIRE(db.erase("key" + std::to_string(i)));
  REQUIRE(db.size() == 10);
  REQUIRE(db.expires() == 5);
  for (int i = 99990; i < 100000; ++i)
    REQUIRE(db.find("key" + std::to_string(i), 0) != nullptr);
  REQUIRE(db.next_deadline() == 5000 + 99991);
}

TEST_CASE("deadlines given, changed and taken away agree with a reference through node moves",
          "[storage]") {
  database db;
  std::map<std::string, std::pair<std::string, unix_ms>> ref;
  uint64_t x = 777;
  auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
  // Keys of every length class: inline, one byte short of the long form, and long.
  auto key_for = [](uint64_t n) {
    switch (n % 4) {
      case 0:
        return std::string("k").append(std::to_string(n % 3000));
      case 1:
        return std::string(65534, 'a').append(std::to_string(n % 7));
      case 2:
        return std::string(65535 + n % 5, 'b');
      default:
        return std::string(16, 'c').append(std::to_string(n % 3000));
    }
  };
  for (int round = 0; round < 60000; ++round) {
    const std::string key = key_for(next());
    switch (next() % 5) {
      case 0: {  // a write with or without a deadline
        const std::string v = std::to_string(next());
        const unix_ms at = next() % 2 ? static_cast<unix_ms>(1000 + next() % 100000) : no_expiry;
        REQUIRE(db.put(key, value(v), at).expire_at() == at);
        ref[key] = {v, at};
        break;
      }
      case 1:
      case 2: {  // a deadline set on a key found: the entry returned is the live one
        entry* e = db.find_raw(key);
        REQUIRE((e != nullptr) == ref.count(key));
        if (!e)
          break;
        e->val.set_access(0xABCDE);
        const unix_ms at = next() % 4 ? static_cast<unix_ms>(1000 + next() % 100000) : no_expiry;
        entry& moved = db.set_expire(*e, at);
        REQUIRE(moved.expire_at() == at);
        REQUIRE(moved.val.access() == 0xABCDE);
        REQUIRE(db.find_raw(key) == &moved);
        ref[key].second = at;
        break;
      }
      case 3:
        REQUIRE(db.erase(key) == (ref.erase(key) == 1));
        break;
      case 4: {
        entry* e = db.find_raw(key);
        REQUIRE((e != nullptr) == ref.count(key));
        if (e)
          REQUIRE(e->val.str() == ref[key].first);
        break;
      }
    }
  }
  size_t with_deadline = 0;
  unix_ms earliest = no_expiry;
  for (const auto& [k, v] : ref) {
    const entry* e = db.find_raw(k);
    REQUIRE(e != nullptr);
    REQUIRE(e->val.str() == v.first);
    REQUIRE(e->expire_at() == v.second);
    if (v.second != no_expiry) {
      ++with_deadline;
      earliest = earliest == no_expiry ? v.second : std::min(earliest, v.second);
    }
  }
  for (const auto& [k, e] : db.entries())
    REQUIRE(ref.count(std::string(k)));
  REQUIRE(db.size() == ref.size());
  REQUIRE(db.expires() == with_deadline);
  REQUIRE(db.next_deadline() == earliest);
  // The active expiry removes exactly the keys with a deadline, earliest first.
  REQUIRE(db.expire_due(1000 + 100000, ref.size()) == with_deadline);
  REQUIRE(db.size() == ref.size() - with_deadline);
}
