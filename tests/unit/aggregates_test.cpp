// The listpack and the four aggregate containers: every operation against a reference std
// container, across the small -> big thresholds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "storage/aggregates.hpp"
#include "storage/value.hpp"

using namespace credis;

namespace {

struct rng {
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  uint64_t operator()() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  size_t below(size_t n) { return static_cast<size_t>((*this)() % n); }
};

// Strings of the lengths where the listpack header and backlen change size.
std::string sample(rng& r, size_t max_len = 5000) {
  static const size_t lens[] = {0, 1, 2, 20, 62, 63, 64, 65, 126, 127, 128, 4094, 4095, 4096};
  size_t len = r.below(3) == 0 ? lens[r.below(std::size(lens))] : r.below(12);
  len = std::min(len, max_len);
  std::string s(len, '\0');
  for (auto& c : s)
    c = static_cast<char>('a' + r.below(4));  // few letters: repeats happen
  return s;
}

std::vector<std::string> contents(const listpack& lp) {
  return std::vector<std::string>(lp.begin(), lp.end());
}

}  // namespace

TEST_CASE("listpack: entries of every header size, both directions, edits in the middle",
          "[storage]") {
  listpack lp;
  REQUIRE(lp.empty());
  REQUIRE(lp.bytes() == 7);
  REQUIRE(lp.data() == std::string_view("\x07\0\0\0\0\0\xff", 7));
  REQUIRE(lp.begin() == lp.end());

  std::deque<std::string> ref;
  rng r;
  for (int step = 0; step < 3000; ++step) {
    const size_t n = ref.size();
    const size_t at = n ? r.below(n + 1) : 0;
    auto pos = std::next(lp.begin(), static_cast<std::ptrdiff_t>(at));
    switch (r.below(n > 40 ? 3 : 2)) {
      case 0: {
        std::string s = sample(r);
        auto it = lp.insert(pos, s);
        REQUIRE(*it == s);
        ref.insert(ref.begin() + static_cast<std::ptrdiff_t>(at), s);
        break;
      }
      case 1:
        if (at < n) {
          std::string s = sample(r);
          REQUIRE(*lp.replace(pos, s) == s);
          ref[at] = s;
          break;
        }
        [[fallthrough]];
      default:
        if (at < n) {
          auto next = lp.erase(pos);
          ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at));
          REQUIRE(next == std::next(lp.begin(), static_cast<std::ptrdiff_t>(at)));
        }
    }
    REQUIRE(lp.size() == ref.size());
    if (step % 50 == 0 || step > 2950) {
      REQUIRE(contents(lp) == std::vector<std::string>(ref.begin(), ref.end()));
      std::vector<std::string> backwards;
      for (auto it = lp.end(); it != lp.begin();)
        backwards.emplace_back(*--it);
      REQUIRE(std::equal(backwards.rbegin(), backwards.rend(), ref.begin(), ref.end()));
      REQUIRE(lp.data().size() == lp.bytes());
    }
  }
  // Copies are deep; a copy of the bytes with the count reads the same.
  listpack copy = lp;
  listpack again = listpack::from_bytes(lp.data(), lp.size());
  lp.clear();
  REQUIRE(lp.empty());
  REQUIRE(contents(copy) == std::vector<std::string>(ref.begin(), ref.end()));
  REQUIRE(contents(again) == contents(copy));
}

TEST_CASE("listpack: inserting its own elements is safe", "[storage]") {
  listpack lp;
  lp.push_back(std::string(100, 'x'));
  for (int i = 0; i < 10; ++i) {
    const element last = *--lp.end();
    lp.insert(lp.begin(), last);  // the block moves while growing
  }
  REQUIRE(lp.size() == 11);
  const element first = *lp.begin();
  lp.replace(lp.begin(), first.view().substr(50));
  REQUIRE(*lp.begin() == std::string(50, 'x'));
  const element again = *lp.begin();
  REQUIRE(lp.owns(again));
  REQUIRE_FALSE(lp.owns("x"));
  REQUIRE(lp.find(std::string(100, 'x')) == std::next(lp.begin()));
  REQUIRE(lp.find("nope") == lp.end());
}

TEST_CASE("listpack: canonical integers become integer entries of Redis's widths", "[storage]") {
  // Value, bytes of the entry with its backlen (lpEncodeIntegerGetType).
  const std::pair<int64_t, size_t> widths[] = {
      {0, 2}, {127, 2}, {128, 3}, {-1, 3}, {4095, 3}, {-4096, 3}, {4096, 4}, {-4097, 4},
      {32767, 4}, {-32768, 4}, {32768, 5}, {8388607, 5}, {-8388608, 5}, {8388608, 6},
      {2147483647, 6}, {-2147483648LL, 6}, {2147483648LL, 10}, {INT64_MAX, 10}, {INT64_MIN, 10}};
  listpack lp;
  size_t bytes = 7;
  for (const auto& [v, size] : widths) {
    const std::string text = std::to_string(v);
    CHECK(listpack::entry_size(text) == size);
    lp.push_back(text);
    bytes += size;
    CHECK(lp.bytes() == bytes);
  }
  size_t i = 0;
  for (const element& e : lp) {
    CHECK(e.is_int());
    CHECK(e.as_int() == widths[i].first);
    CHECK(e == std::to_string(widths[i].first));
    ++i;
  }
  for (auto it = lp.end(); it != lp.begin();)
    CHECK((*--it).as_int() == widths[--i].first);
  // Strings that only look like numbers stay strings, and are found as such.
  for (const char* s : {"05", "-0", "+1", " 1", "1.0", "9223372036854775808", ""}) {
    lp.push_back(s);
    const element last = lp.back();
    CHECK_FALSE(last.is_int());
    CHECK(last == s);
    CHECK(lp.find(s) == --lp.end());
  }
  CHECK(lp.find("4096") == std::next(lp.begin(), 6));
  CHECK(lp.find("4097") == lp.end());
  CHECK(lp.find("-9223372036854775808") != lp.end());
  // An integer replaced by a string and back.
  auto it = lp.replace(lp.begin(), "zero");
  CHECK(*it == "zero");
  it = lp.replace(it, "-7");
  CHECK((*it).is_int());
}

TEST_CASE("intset: Redis's layout, widths that grow, against std::set", "[storage]") {
  intset s;
  CHECK(s.data() == std::string_view("\x02\0\0\0\0\0\0\0", 8));
  CHECK(s.insert(3));
  CHECK(s.insert(-2));
  CHECK_FALSE(s.insert(3));
  CHECK(s.data() == std::string_view("\x02\0\0\0\x02\0\0\0\xfe\xff\x03\0", 12));
  CHECK(s.insert(70000));  // to 32 bits: rewritten, the new one last
  CHECK(s.data().size() == 8 + 3 * 4);
  CHECK(s.insert(-5000000000LL));  // to 64 bits, the new one first
  CHECK(s.data().size() == 8 + 4 * 8);
  CHECK(s.contains(-5000000000LL));
  CHECK_FALSE(s.contains(INT64_MAX));
  std::vector<int64_t> got;
  for (const element& e : s)
    got.push_back(e.as_int());
  CHECK(got == std::vector<int64_t>{-5000000000LL, -2, 3, 70000});
  CHECK(intset::from_bytes(s.data()).data() == s.data());

  rng r;
  intset t;
  std::set<int64_t> ref;
  for (int step = 0; step < 5000; ++step) {
    const int shift = static_cast<int>(r.below(4)) * 16;  // values of every width
    const int64_t v = static_cast<int64_t>(r()) >> (63 - shift - static_cast<int>(r.below(16)));
    if (r.below(3) == 0)
      REQUIRE(t.erase(v) == (ref.erase(v) == 1));
    else
      REQUIRE(t.insert(v) == ref.insert(v).second);
    REQUIRE(t.size() == ref.size());
    REQUIRE(t.contains(v) == (ref.count(v) == 1));
  }
  std::vector<int64_t> all;
  for (const element& e : t)
    all.push_back(e.as_int());
  REQUIRE(std::equal(all.begin(), all.end(), ref.begin(), ref.end()));
}

TEST_CASE("element: a view, or an integer's digits that travel with it", "[storage]") {
  std::string bytes = "abc";
  element a{std::string_view(bytes)};
  CHECK(a == "abc");
  CHECK_FALSE(a.is_int());
  element n(int64_t{-42});
  element copy = n;  // the digits are copied, not pointed to
  n = element(int64_t{7});
  CHECK(copy == "-42");
  CHECK(copy.as_int() == -42);
  CHECK(std::string(n) == "7");
  CHECK(copy.str() == "-42");
  CHECK(element(int64_t{INT64_MIN}) == "-9223372036854775808");
}

TEST_CASE("canonical integers (parse_int64) are what Redis stores as numbers", "[storage]") {
  int64_t v;
  for (const char* yes : {"0", "1", "-1", "127", "9223372036854775807", "-9223372036854775808"})
    CHECK(parse_int64(yes, v));
  CHECK((parse_int64("-9223372036854775808", v) && v == INT64_MIN));
  for (const char* no : {"", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "9223372036854775808",
                         "-9223372036854775809", "99999999999999999999", "123456789012345678901"})
    CHECK_FALSE(parse_int64(no, v));
}

TEST_CASE("scores: Redis's text, which parses back exactly", "[storage]") {
  char buf[32];
  for (double d : {0.0, -0.0, 1.0, -3.0, 1.5, 0.1, 1e20, 5e-324, -1.7976931348623157e308,
                   HUGE_VAL, -HUGE_VAL}) {
    double back;
    REQUIRE(parse_score(std::string_view(buf, format_score(d, buf)), back));
    CHECK(back == d);
    CHECK(std::signbit(back) == std::signbit(d));
  }
  auto text = [&](double d) { return std::string(buf, format_score(d, buf)); };
  CHECK(text(3.0) == "3");
  CHECK(text(100000.0) == "100000");
  CHECK(text(-0.0) == "-0");
  CHECK(text(0.1) == "0.10000000000000001");
  CHECK(text(1e300) == "1.0000000000000001e+300");
  CHECK(text(4503599627370496.0) == "4503599627370496");  // 2^52: no longer an integer here
  CHECK(text(-HUGE_VAL) == "-inf");
  double d;
  CHECK(parse_score("+2.5", d));  // strtod's forms too
  CHECK(d == 2.5);
  CHECK_FALSE(parse_score("1x", d));
  CHECK_FALSE(parse_score("", d));
}

TEST_CASE("list: small until one listpack passes 8 KB, then big, same behaviour", "[storage]") {
  rng r;
  for (int round = 0; round < 20; ++round) {
    list_value l;
    std::deque<std::string> ref;
    bool was_big = false;
    for (int step = 0; step < 400; ++step) {
      const size_t n = ref.size();
      switch (r.below(6)) {
        case 0: case 1: {
          std::string s = sample(r, round < 10 ? 70 : 5000);
          l.push_back(s);
          ref.push_back(s);
          break;
        }
        case 2: {
          std::string s = sample(r, 70);
          l.push_front(s);
          ref.push_front(s);
          break;
        }
        case 3: {
          const size_t at = r.below(n + 1);
          std::string s = sample(r, 70);
          auto it = l.insert(std::next(l.begin(), static_cast<std::ptrdiff_t>(at)), s);
          REQUIRE(*it == s);
          ref.insert(ref.begin() + static_cast<std::ptrdiff_t>(at), s);
          break;
        }
        case 4:
          if (n) {
            REQUIRE(l.front() == ref.front());
            l.pop_front();
            ref.pop_front();
          }
          break;
        default:
          if (n) {
            REQUIRE(l.back() == ref.back());
            l.pop_back();
            ref.pop_back();
          }
      }
      REQUIRE(l.size() == ref.size());
      if (l.packed())
        REQUIRE(l.packed()->bytes() <= limits::list_bytes);
      if (was_big)
        REQUIRE(l.packed() == nullptr);  // never back
      was_big = l.packed() == nullptr;
    }
    REQUIRE(std::equal(l.begin(), l.end(), ref.begin(), ref.end()));
    list_value copy = l;
    REQUIRE(copy == l);
  }
  list_value big;
  for (int i = 0; i < 1000; ++i)
    big.push_back("element-" + std::to_string(i));
  CHECK(big.packed() == nullptr);
  list_value small{"a", "b"};
  CHECK(small.packed() != nullptr);
  CHECK_FALSE(small == big);
  const element front = small.front();
  small.push_back(front);  // an element of its own
  CHECK(small == list_value{"a", "b", "a"});
}

TEST_CASE("set: small up to 128 short members or 512 integers, then big", "[storage]") {
  set_value ints;
  for (int i = 0; i < 512; ++i)
    REQUIRE(ints.insert(std::to_string(i * 7 - 100)));
  CHECK(ints.packed() != nullptr);
  CHECK_FALSE(ints.insert("-100"));
  REQUIRE(ints.insert("513"));
  CHECK(ints.packed() == nullptr);  // 513 members
  CHECK(ints.size() == 513);

  set_value mixed;
  for (int i = 0; i < 127; ++i)
    mixed.insert(std::to_string(i));
  mixed.insert("x");
  CHECK(mixed.packed() != nullptr);  // 128 members, one not an integer
  mixed.insert("200");
  CHECK(mixed.packed() == nullptr);
  set_value long_member{"a"};
  long_member.insert(std::string(65, 'm'));
  CHECK(long_member.packed() == nullptr);
  // An intset while every member is an integer; a listpack from the first other one on.
  set_value forms{"1", "2"};
  REQUIRE(forms.packed()->ints() != nullptr);
  CHECK(forms.contains("2"));
  CHECK_FALSE(forms.contains("02"));
  forms.insert("02");
  REQUIRE(forms.packed()->strings() != nullptr);
  CHECK(forms.contains("2"));
  CHECK(forms.contains("02"));
  CHECK(forms.size() == 3);

  rng r;
  for (int round = 0; round < 30; ++round) {
    set_value s;
    std::set<std::string> ref;
    const bool numeric = round % 2 == 0;
    for (int step = 0; step < 800; ++step) {
      std::string m = numeric ? std::to_string(static_cast<int>(r.below(700)) - 50) : sample(r, 80);
      if (r.below(3) == 0) {
        REQUIRE(s.erase(m) == (ref.erase(m) == 1));
      } else {
        REQUIRE(s.insert(m) == ref.insert(m).second);
      }
      REQUIRE(s.size() == ref.size());
      REQUIRE(s.contains(m) == (ref.count(m) == 1));
    }
    std::set<std::string> got(s.begin(), s.end());
    REQUIRE(got == ref);
    set_value copy = s;
    REQUIRE(std::set<std::string>(copy.begin(), copy.end()) == ref);
  }
}

TEST_CASE("hash: small up to 512 pairs of at most 64 bytes, then big", "[storage]") {
  hash_value h;
  for (int i = 0; i < 512; ++i)
    REQUIRE(h.insert_or_assign(std::string("f").append(std::to_string(i)), "v"));
  CHECK(h.packed() != nullptr);
  REQUIRE_FALSE(h.insert_or_assign("f0", std::string(64, 'v')));
  CHECK(h.packed() != nullptr);
  REQUIRE_FALSE(h.insert("f0", "other"));  // only if absent
  CHECK(h.get("f0") == std::string(64, 'v'));
  REQUIRE(h.insert_or_assign("f512", "v"));
  CHECK(h.packed() == nullptr);
  CHECK(h.size() == 513);
  hash_value long_value{{"a", "b"}};
  long_value.insert_or_assign("a", std::string(65, 'v'));
  CHECK(long_value.packed() == nullptr);
  CHECK(long_value.get("a") == std::string(65, 'v'));

  rng r;
  for (int round = 0; round < 30; ++round) {
    hash_value hv;
    std::map<std::string, std::string> ref;
    for (int step = 0; step < 1500; ++step) {
      std::string f =
          round % 2 ? std::string("field:").append(std::to_string(r.below(700))) : sample(r, 70);
      std::string v = sample(r, round % 3 ? 64 : 80);
      switch (r.below(4)) {
        case 0: REQUIRE(hv.erase(f) == (ref.erase(f) == 1)); break;
        case 1: REQUIRE(hv.insert(f, v) == ref.emplace(f, v).second); break;
        default: {
          const bool added = ref.count(f) == 0;
          ref[f] = v;
          REQUIRE(hv.insert_or_assign(f, v) == added);
        }
      }
      REQUIRE(hv.size() == ref.size());
      auto it = ref.find(f);
      REQUIRE(hv.get(f) == (it == ref.end() ? std::nullopt : std::optional<std::string_view>(it->second)));
    }
    std::map<std::string, std::string> got;
    for (const auto& [f, v] : hv)
      got.emplace(f, v);
    REQUIRE(got == ref);
  }
  // A field's own value, assigned to another field.
  hash_value self{{"a", "1"}, {"b", "2"}};
  const element a = *self.get("a"), b = *self.get("b");
  self.insert_or_assign("c", a);
  self.insert_or_assign(b, b);
  CHECK(self.get("c") == "1");
  CHECK(self.get("2") == "2");
}

TEST_CASE("zset: small in (score, member) order up to 128 members, then big", "[storage]") {
  rng r;
  for (int round = 0; round < 30; ++round) {
    zset_value z;
    std::map<std::string, double> ref;
    for (int step = 0; step < 600; ++step) {
      std::string m =
          round % 2 ? std::string("m").append(std::to_string(r.below(300))) : sample(r, 70);
      const double score = static_cast<double>(static_cast<int>(r.below(20)) - 10) /
                           (r.below(2) ? 1 : 4);
      if (r.below(4) == 0) {
        REQUIRE(z.erase(m) == (ref.erase(m) == 1));
      } else {
        const bool added = ref.count(m) == 0;
        ref[m] = score;
        REQUIRE(z.insert(m, score) == added);
      }
      REQUIRE(z.size() == ref.size());
      auto it = ref.find(m);
      REQUIRE(z.score(m) == (it == ref.end() ? std::nullopt : std::optional<double>(it->second)));
      if (z.packed()) {
        REQUIRE(z.size() <= limits::zset_entries);
      }
    }
    std::set<std::pair<double, std::string>> order;
    for (const auto& [m, s] : ref)
      order.emplace(s, m);
    std::vector<std::pair<double, std::string>> got;
    for (const zset_entry& e : z)
      got.emplace_back(e.score, e.member);
    REQUIRE(std::equal(got.begin(), got.end(), order.begin(), order.end()));
    std::vector<std::pair<double, std::string>> reversed;
    for (auto it = z.rbegin(); it != z.rend(); ++it)
      reversed.emplace_back((*it).score, (*it).member);
    REQUIRE(std::equal(reversed.begin(), reversed.end(), order.rbegin(), order.rend()));
  }
  zset_value z;
  z.insert("a", 1);
  REQUIRE_FALSE(z.insert("a", 1));
  z.insert("long", 2);
  z.insert(std::string(65, 'm'), 0);
  CHECK(z.packed() == nullptr);
  CHECK(z.score("a") == 1);
  CHECK((*z.begin()).member == std::string(65, 'm'));
}

TEST_CASE("values hold the containers and clone them deeply", "[storage]") {
  value v(hash_value{{"f", "v"}});
  value copy = v.clone();
  copy.hash().insert_or_assign("g", "w");
  CHECK(v.hash().size() == 1);
  CHECK(copy.hash().size() == 2);
  value s(set_value{"1", "2"});
  value sc = s.clone();
  sc.set().erase("1");
  CHECK(s.set().size() == 2);
  value l(list_value{"x"});
  CHECK(l.clone().list() == l.list());
}
