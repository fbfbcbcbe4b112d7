#include <catch2/catch.hpp>

#include <string>

#include "storage/value.hpp"

using namespace credis;

TEST_CASE("strings up to 10 bytes live inline, longer ones on the heap", "[storage]") {
  for (size_t len : {0, 1, 9, 10, 11, 12, 13, 100, 5000}) {
    std::string s(len, 'x');
    if (len > 0)
      s[len - 1] = '\0';  // binary safe
    value v(s);
    REQUIRE(v.type() == value_type::string);
    REQUIRE(v.str() == s);
    REQUIRE((v.heap_block() == nullptr) == (len <= 10));
    value moved(std::move(v));
    REQUIRE(moved.str() == s);
    REQUIRE(v.str().empty());
  }
}

TEST_CASE("assign_str and append_str cross the inline/heap boundary both ways", "[storage]") {
  value v("abc");
  v.append_str("defghij");  // 10 bytes: still inline
  REQUIRE(v.str() == "abcdefghij");
  REQUIRE(v.heap_block() == nullptr);
  v.append_str("k");  // 11: moves to the heap
  REQUIRE(v.str() == "abcdefghijk");
  REQUIRE(v.heap_block() != nullptr);
  std::string expected = "abcdefghijk";
  for (int i = 0; i < 2000; ++i) {
    v.append_str("0123456789");
    expected += "0123456789";
  }
  REQUIRE(v.str() == expected);
  v.assign_str("short");
  REQUIRE(v.str() == "short");
  v.assign_str(std::string(40, 'y'));
  REQUIRE(v.str() == std::string(40, 'y'));
  v.assign_str(std::string(38, 'z'));  // reuses the block
  REQUIRE(v.str() == std::string(38, 'z'));
}

TEST_CASE("assigning or appending a value's own bytes is safe", "[storage]") {
  value v(std::string(30, 'a'));
  v.assign_str(v.str().substr(5));
  REQUIRE(v.str() == std::string(25, 'a'));
  v.append_str(v.str());
  REQUIRE(v.str() == std::string(50, 'a'));
  value small("abc");
  small.append_str(small.str());
  REQUIRE(small.str() == "abcabc");
}

TEST_CASE("aggregates are reached through the value and freed with it", "[storage]") {
  value l(list_value{"a", "b"});
  REQUIRE(l.type() == value_type::list);
  l.list().push_back("c");
  REQUIRE(l.list().size() == 3);
  value h(hash_value{{"f", "v"}});
  REQUIRE(h.type() == value_type::hash);
  value s(set_value{"m"});
  REQUIRE(s.type() == value_type::set);
  h = std::move(s);  // frees the hash
  REQUIRE(h.type() == value_type::set);
  REQUIRE(h.set().contains("m"));
}

TEST_CASE("the holder's word and flag stay with the holder through moves and assignments",
          "[storage]") {
  const std::string strings[] = {"", "ten bytes!", std::string(11, 'h'), std::string(32767, 'x'),
                                 std::string(40000, 'L')};
  for (const std::string& s : strings) {
    value held;
    held.set_holder_word(0xBEEF);
    held.set_holder_flag(true);
    held.set_access(0x123456);
    held = value(s);
    REQUIRE(held.str() == s);
    REQUIRE(held.holder_word() == 0xBEEF);
    REQUIRE(held.holder_flag());
    REQUIRE(held.access() == 0x123456);
    held.assign_str("short");
    held.append_str(s);
    REQUIRE(held.str() == "short" + s);
    held = value(list_value{"a"});
    REQUIRE(held.type() == value_type::list);
    REQUIRE((held.holder_word() == 0xBEEF && held.holder_flag()));
    held = value(s);

    // Moved out: the new value starts with a clear word and flag, the holder keeps its own.
    value taken(std::move(held));
    REQUIRE(taken.str() == s);
    REQUIRE((taken.holder_word() == 0 && !taken.holder_flag()));
    REQUIRE(held.str().empty());
    REQUIRE((held.holder_word() == 0xBEEF && held.holder_flag()));
    held.set_holder_flag(false);
    REQUIRE(!held.holder_flag());
    REQUIRE(held.str().empty());
  }
}
