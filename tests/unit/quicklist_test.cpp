// The big list's quicklist against std::deque as the reference: inserts and erases at random
// places (nodes fill, split and empty), with every node kept within the byte limit.
#include <catch2/catch.hpp>

#include <malloc.h>

#include <deque>
#include <iterator>
#include <random>
#include <string>

#include "storage/aggregates.hpp"
#include "storage/quicklist.hpp"

using namespace credis;

namespace {

void check_same(const quicklist& q, const std::deque<std::string>& ref) {
  REQUIRE(q.size() == ref.size());
  size_t i = 0;
  for (auto it = q.begin(); it != q.end(); ++it, ++i) {
    const element e = *it;
    REQUIRE(e.view() == ref[i]);
  }
  REQUIRE(i == ref.size());
  auto back = q.end();
  for (auto r = ref.rbegin(); r != ref.rend(); ++r) {
    const element e = *--back;
    REQUIRE(e.view() == *r);
  }
  for (const listpack& node : q.nodes()) {
    REQUIRE(!node.empty());
    REQUIRE(node.bytes() <= limits::list_bytes);
  }
}

size_t usable_size(const listpack& node) {
  return malloc_usable_size(const_cast<void*>(node.block()));
}

}  // namespace

TEST_CASE("quicklist: inserts and erases anywhere match a deque", "[storage][list]") {
  std::mt19937 rng(7);
  quicklist q;
  std::deque<std::string> ref;
  for (int step = 0; step < 20000; ++step) {
    const unsigned op = rng() % 10;
    if (op < 6 || ref.empty()) {
      const size_t at = rng() % (ref.size() + 1);
      std::string s = rng() % 5 == 0 ? std::string(rng() % 300, 'x') : std::to_string(rng() % 100000);
      auto it = q.insert(at == ref.size() ? q.end() : q.at(at), s);
      REQUIRE((*it).str() == s);
      ref.insert(ref.begin() + static_cast<std::ptrdiff_t>(at), s);
    } else {
      const size_t at = rng() % ref.size();
      auto next = q.erase(q.at(at));
      ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at));
      if (at < ref.size())
        REQUIRE((*next).str() == ref[at]);
      else
        REQUIRE(next == q.end());
    }
    if (step % 1000 == 0)
      check_same(q, ref);
  }
  check_same(q, ref);
  REQUIRE(q.nodes().size() > 10);  // it did split
  for (size_t i = 0; i < ref.size(); i += 97)
    REQUIRE((*q.at(i)).str() == ref[i]);
}

TEST_CASE("list_value: a list past one node becomes a quicklist and stays a list",
          "[storage][list]") {
  list_value l;
  std::deque<std::string> ref;
  for (int i = 0; i < 5000; ++i) {
    const std::string s = "element:" + std::to_string(i);
    i % 2 ? l.push_back(s) : l.push_front(s);
    i % 2 ? ref.push_back(s) : ref.push_front(s);
  }
  REQUIRE(l.packed() == nullptr);
  REQUIRE(l.size() == ref.size());
  for (size_t i = 0; i < ref.size(); i += 131)
    REQUIRE((*l.at(i)).str() == ref[i]);
  // An element of the list itself may be pushed (LMOVE of a list onto itself does).
  const element first = l.front();
  l.push_back(first.view());
  REQUIRE(l.back().str() == ref.front());
  while (!l.empty())
    l.pop_front();
  REQUIRE(l.begin() == l.end());
}

TEST_CASE("quicklist: a node begun beside a full one at either end gets a full node's block",
          "[storage][list]") {
  quicklist q;
  std::deque<std::string> ref;
  for (int i = 0; i < 3000; ++i) {
    const std::string s = "element-" + std::to_string(i);
    q.push_back(s);
    ref.push_back(s);
    q.insert(q.begin(), s);
    ref.push_front(s);
  }
  check_same(q, ref);
  REQUIRE(q.nodes().size() >= 4);
  // The end nodes were each begun beside a full node: one block, never grown by copies.
  REQUIRE(usable_size(q.nodes().front()) >= limits::list_bytes);
  REQUIRE(usable_size(q.nodes().back()) >= limits::list_bytes);
  // Popping an end node down gives its room back.
  while (q.nodes().back().size() > 1) {
    q.erase(--q.end());
    ref.pop_back();
  }
  check_same(q, ref);
  REQUIRE(usable_size(q.nodes().back()) < limits::list_bytes / 2);
}
