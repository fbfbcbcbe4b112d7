#include <catch2/catch.hpp>

#include <string>

#include "storage/value.hpp"

using namespace credis;

TEST_CASE("strings up to 15 bytes live inline, longer ones on the heap", "[storage]") {
  for (size_t len : {0, 1, 14, 15, 16, 17, 100, 5000}) {
    std::string s(len, 'x');
    if (len > 0)
      s[len - 1] = '\0';  // binary safe
    value v(s);
    REQUIRE(v.type() == value_type::string);
    REQUIRE(v.str() == s);
    value moved(std::move(v));
    REQUIRE(moved.str() == s);
    REQUIRE(v.str().empty());
  }
}

TEST_CASE("assign_str and append_str cross the inline/heap boundary both ways", "[storage]") {
  value v("abc");
  v.append_str("defghijklmno");  // 15 bytes: still inline
  REQUIRE(v.str() == "abcdefghijklmno");
  v.append_str("p");  // 16: moves to the heap
  REQUIRE(v.str() == "abcdefghijklmnop");
  std::string expected = "abcdefghijklmnop";
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
