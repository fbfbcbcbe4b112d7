// The big sorted set's skip list with counted links, against std::set as the reference order:
// inserts, score updates and erases at random, with rank, select-by-rank and count_before checked
// at every size.
#include <catch2/catch.hpp>

#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/aggregates.hpp"
#include "storage/zset_index.hpp"

using namespace credis;

namespace {

using reference = std::set<std::pair<double, std::string>>;

void check_same(const zset_index& z, const reference& ref) {
  REQUIRE(z.size() == ref.size());
  REQUIRE(static_cast<size_t>(std::distance(z.begin(), z.end())) == ref.size());
  size_t rank = 0;
  auto it = z.begin();
  for (const auto& [score, member] : ref) {
    REQUIRE(zset_index::member(*it) == member);
    REQUIRE(zset_index::score(*it) == score);
    REQUIRE(z.rank(z.find(member)) == rank);
    REQUIRE(*z.at(rank) == *it);
    ++it;
    ++rank;
  }
  // Backwards from end() too.
  auto back = z.end();
  for (auto r = ref.rbegin(); r != ref.rend(); ++r)
    REQUIRE(zset_index::member(*--back) == r->second);
}

}  // namespace

TEST_CASE("zset_index: order, rank and select match a sorted reference", "[storage][zset]") {
  std::mt19937 rng(42);
  zset_index z;
  reference ref;
  std::map<std::string, double> scores;
  for (int step = 0; step < 4000; ++step) {
    const std::string member = "m" + std::to_string(rng() % 300);
    const double score = static_cast<double>(rng() % 50) / 2;  // many equal scores
    auto found = scores.find(member);
    const unsigned op = rng() % 3;
    if (found == scores.end()) {
      REQUIRE(z.find(member) == nullptr);
      z.insert(member, score);
      ref.emplace(score, member);
      scores[member] = score;
    } else if (op == 0) {
      z.erase(z.find(member));
      ref.erase({found->second, member});
      scores.erase(found);
    } else {
      z.update(z.find(member), score);
      ref.erase({found->second, member});
      ref.emplace(score, member);
      found->second = score;
    }
    if (step % 97 == 0)
      check_same(z, ref);
  }
  check_same(z, ref);

  SECTION("count_before finds where a score range starts and ends") {
    for (double bound = -1; bound < 26; bound += 0.5) {
      const size_t below = z.count_before([&](double s, std::string_view) { return s < bound; });
      const size_t expected = static_cast<size_t>(std::distance(
          ref.begin(), ref.lower_bound({bound, std::string()})));
      REQUIRE(below == expected);
    }
  }
  SECTION("copies are deep and equal") {
    zset_index copy = z;
    check_same(copy, ref);
    zset_index moved = std::move(copy);
    check_same(moved, ref);
    REQUIRE(copy.size() == 0);
  }
}

TEST_CASE("zset_index: a million members keep O(log n) rank", "[storage][zset]") {
  zset_index z;
  for (int i = 0; i < 200000; ++i)
    z.insert("member:" + std::to_string(i), static_cast<double>(i));
  REQUIRE(z.rank(z.find("member:123456")) == 123456);
  REQUIRE(zset_index::member(*z.at(199999)) == "member:199999");
  z.erase(z.find("member:0"));
  REQUIRE(z.rank(z.find("member:123456")) == 123455);
  REQUIRE(zset_index::member(*z.at(0)) == "member:1");
}

TEST_CASE("zset_value: rank, at and count_before agree in both representations",
          "[storage][zset]") {
  for (size_t n : {10, 300}) {
    zset_value z;
    for (size_t i = 0; i < n; ++i)
      z.insert("m" + std::to_string(i), static_cast<double>(i % 7));
    REQUIRE((n > limits::zset_entries) == (z.packed() == nullptr));
    size_t r = 0;
    for (auto it = z.begin(); it != z.end(); ++it, ++r) {
      const zset_entry e = *it;
      REQUIRE(z.rank(e.member.view()) == r);
      const zset_entry at = *z.at(r);
      REQUIRE(at.member.view() == e.member.view());
    }
    REQUIRE(!z.rank("absent"));
    const size_t below3 = z.count_before([](double s, std::string_view) { return s < 3; });
    size_t expected = 0;
    for (const zset_entry& e : z)
      expected += e.score < 3;
    REQUIRE(below3 == expected);
  }
}
