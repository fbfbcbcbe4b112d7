#include <catch2/catch.hpp>

#include "actors/spin_policy.hpp"

using credis::spin_policy;
using namespace std::chrono_literals;

namespace {

spin_policy after(std::initializer_list<std::chrono::nanoseconds> gaps, int times) {
  spin_policy p(15us, 100us);
  for (int i = 0; i < times; ++i)
    for (auto g : gaps)
      p.record_gap(g);
  return p;
}

}  // namespace

TEST_CASE("spin_policy does not spin before it has seen a gap") {
  spin_policy p(15us, 100us);
  CHECK(p.length() == 0ns);
}

TEST_CASE("spin_policy spins while work comes back sooner than a wake-up costs") {
  // Gaps of 5 µs: each spin of 12.5 µs or more saves 10 µs; the shortest one that covers
  // the gaps saves as much as any, and the first best is kept.
  auto p = after({5us}, 50);
  CHECK(p.length() == 12500ns);
  // Gaps of 20 µs: a 25 µs spin covers them but costs more than the 15 µs wake-up it saves.
  CHECK(after({20us}, 50).length() == 0ns);
}

TEST_CASE("spin_policy stops spinning when the gaps grow past the spin") {
  spin_policy p(15us, 100us);
  for (int i = 0; i < 100; ++i)
    p.record_gap(4us);
  REQUIRE(p.length() > 0ns);
  // A client every 1 ms: every spin runs out; the balances, capped at 16 wake-ups, run dry in
  // a few rounds.
  int rounds = 0;
  while (p.length() > 0ns && rounds < 100) {
    p.record_gap(1ms);
    ++rounds;
  }
  CHECK(p.length() == 0ns);
  CHECK(rounds <= 20);
}

TEST_CASE("spin_policy weighs mixed gaps: a few short ones do not pay for many long ones") {
  // One gap in four is short (4 µs): spinning saves 11 µs then, and wastes 12.5 µs or more
  // on each of the three long ones.
  CHECK(after({4us, 300us, 300us, 300us}, 50).length() == 0ns);
  // Three in four short: the shortest spin pays (3 * 11 > 12.5).
  CHECK(after({4us, 4us, 4us, 300us}, 50).length() == 12500ns);
}

TEST_CASE("spin_policy ignores rounds that found work at once") {
  spin_policy p(15us, 100us);
  for (int i = 0; i < 1000; ++i)
    p.record_gap(200ns);
  CHECK(p.length() == 0ns);
  // ... and they do not wash out what the real gaps said.
  for (int i = 0; i < 20; ++i)
    p.record_gap(40us);
  for (int i = 0; i < 1000; ++i)
    p.record_gap(0ns);
  CHECK(p.length() == 0ns);
}

TEST_CASE("spin_policy picks the length whose balance is best") {
  // Gaps of 30 µs and 8 µs alternating, with a wake-up of 15 µs: 12.5 µs catches the 8 µs
  // ones (+7, -12.5: a loss); 50 µs catches both (+7, -15: a loss); nothing pays.
  CHECK(after({30us, 8us}, 50).length() == 0ns);
  // Gaps of 2 µs and 20 µs: 12.5 µs gains 13 and loses 12.5 (a small gain); 25 µs gains
  // 13 and loses 5: the better one.
  CHECK(after({2us, 20us}, 50).length() == 25000ns);
}
