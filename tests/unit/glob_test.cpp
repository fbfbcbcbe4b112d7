#include <catch2/catch.hpp>

#include "storage/glob.hpp"

using credis::glob_match;

TEST_CASE("glob: stars and question marks", "[glob]") {
  CHECK_FALSE(glob_match("*", ""));  // as Redis's stringmatchlen
  CHECK(glob_match("", ""));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("h?llo", "hello"));
  CHECK_FALSE(glob_match("h?llo", "hllo"));
  CHECK(glob_match("h*llo", "hllo"));
  CHECK(glob_match("h*llo", "heeeello"));
  CHECK(glob_match("*llo", "hello"));
  CHECK_FALSE(glob_match("*llo", "hellO"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
  CHECK(glob_match("**a", "ba"));
}

TEST_CASE("glob: classes, negation, ranges and escapes", "[glob]") {
  CHECK(glob_match("h[ae]llo", "hello"));
  CHECK(glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
  CHECK(glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(glob_match("h[^e]llo", "hello"));
  CHECK(glob_match("h[a-b]llo", "hbllo"));
  CHECK_FALSE(glob_match("h[a-b]llo", "hcllo"));
  CHECK(glob_match("h[b-a]llo", "hallo"));  // reversed ranges work in Redis
  CHECK(glob_match("h\\*llo", "h*llo"));
  CHECK_FALSE(glob_match("h\\*llo", "hello"));
  CHECK(glob_match("[\\]]", "]"));
  CHECK(glob_match("a\\", "a\\"));  // a trailing backslash is literal
}

TEST_CASE("glob: case folding for CONFIG GET", "[glob]") {
  CHECK(glob_match("DB*", "dbfilename", true));
  CHECK_FALSE(glob_match("DB*", "dbfilename", false));
}

TEST_CASE("glob: hostile patterns finish quickly", "[glob]") {
  std::string pattern;
  for (int i = 0; i < 30; ++i)
    pattern += "*a";
  pattern += "b";
  CHECK_FALSE(glob_match(pattern, std::string(5000, 'a')));
}
