#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/resp_parser.hpp"

using namespace credis;
using namespace std::string_literals;

namespace {

using command = std::vector<std::string>;

// Feeds `chunks` one after another the way a connection does: append, parse all complete
// commands, drop the consumed prefix. Returns the commands, or stops at the first error.
struct feed_result {
  std::vector<command> commands;
  std::string error;
};

feed_result feed(const std::vector<std::string>& chunks) {
  resp_parser parser;
  std::string buffer;
  std::vector<std::string_view> argv;
  feed_result out;
  for (const auto& chunk : chunks) {
    buffer += chunk;
    size_t pos = 0;
    for (;;) {
      auto r = parser.parse(buffer, pos, argv);
      if (r == resp_parser::result::incomplete)
        break;
      if (r == resp_parser::result::error) {
        out.error = parser.error();
        return out;
      }
      out.commands.emplace_back(argv.begin(), argv.end());
    }
    buffer.erase(0, pos);
  }
  return out;
}

feed_result feed_one(const std::string& bytes) { return feed({bytes}); }

}  // namespace

TEST_CASE("a multibulk command is parsed into its arguments", "[parser]") {
  auto r = feed_one("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.commands == std::vector<command>{{"SET", "k", "hello"}});
}

TEST_CASE("inline commands split on spaces and honour quotes", "[parser]") {
  auto r = feed_one("PING\r\nset \"a b\" 'c d'\r\necho \"x\\x41\\n\"\nECHO   spaced  \r\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.commands == std::vector<command>{
                            {"PING"}, {"set", "a b", "c d"}, {"echo", "xA\n"}, {"ECHO", "spaced"}});
}

TEST_CASE("empty inline lines and empty multibulk are skipped", "[parser]") {
  auto r = feed_one("\r\n\n*0\r\n*-1\r\nPING\r\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.commands == std::vector<command>{{"PING"}});
}

TEST_CASE("bulk strings are binary safe", "[parser]") {
  std::string value("a\0b\r\nc", 6);
  auto r = feed_one("*2\r\n$4\r\nECHO\r\n$6\r\n" + value + "\r\n");
  REQUIRE(r.error.empty());
  REQUIRE(r.commands.size() == 1);
  REQUIRE(r.commands[0][1] == value);
}

TEST_CASE("every split point of a pipelined buffer gives the same commands", "[parser]") {
  const std::string pipeline =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\nva\r\nl\0ue!!\r\n"
      "PING\r\n"
      "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
      "GET \"key\"\r\n"
      "*1\r\n$4\r\nPING\r\n"s;  // the s suffix keeps the embedded NUL
  auto whole = feed_one(pipeline);
  REQUIRE(whole.error.empty());
  REQUIRE(whole.commands.size() == 5);
  for (size_t a = 0; a <= pipeline.size(); ++a) {
    for (size_t b = a; b <= pipeline.size(); b += 3) {
      auto split = feed({pipeline.substr(0, a), pipeline.substr(a, b - a), pipeline.substr(b)});
      INFO("split at " << a << " and " << b);
      REQUIRE(split.error.empty());
      REQUIRE(split.commands == whole.commands);
    }
  }
}

TEST_CASE("one byte at a time", "[parser]") {
  std::string bytes = "*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\nPING\r\n";
  std::vector<std::string> chunks;
  for (char c : bytes)
    chunks.emplace_back(1, c);
  auto r = feed(chunks);
  REQUIRE(r.error.empty());
  REQUIRE(r.commands == std::vector<command>{{"ECHO", "hello world"}, {"PING"}});
}

TEST_CASE("bad framing gives Redis's protocol errors", "[parser]") {
  CHECK(feed_one("*abc\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*1048577\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*+1\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*1\r\n$-1\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1\r\n$536870913\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1\r\n$x\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1\r\nfoo\r\n").error == "Protocol error: expected '$', got 'f'");
  CHECK(feed_one("set \"abc\r\n").error == "Protocol error: unbalanced quotes in request");
  CHECK(feed_one("set 'a'b\r\n").error == "Protocol error: unbalanced quotes in request");
  CHECK(feed_one(std::string(70000, 'a')).error == "Protocol error: too big inline request");
  CHECK(feed_one("*1\r\n" + std::string(70000, '$')).error ==
        "Protocol error: too big bulk count string");
  CHECK(feed_one("*" + std::string(70000, '1')).error ==
        "Protocol error: too big mbulk count string");
}

TEST_CASE("lengths read in one pass agree with the general reading at their edges", "[parser]") {
  CHECK(feed_one("*1\r\n$0\r\n\r\n").commands == std::vector<command>{{""}});
  CHECK(feed_one("*2\r\n$1\r\na\r\n$10\r\n0123456789\r\n").commands ==
        std::vector<command>{{"a", "0123456789"}});
  CHECK(feed_one("*0\r\n*1\r\n$4\r\nPING\r\n").commands == std::vector<command>{{"PING"}});
  CHECK(feed_one("*-1\r\n*1\r\n$4\r\nPING\r\n").commands == std::vector<command>{{"PING"}});
  // Leading zeros, a sign, a digit then junk, 18 and 19 digits: as parse_int64 reads them.
  CHECK(feed_one("*01\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*1\r\n$03\r\nabc\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1\r\n$+3\r\nabc\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1\r\n$3x\r\nabc\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1x\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*100000000000000000\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*1000000000000000000\r\n").error == "Protocol error: invalid multibulk length");
  CHECK(feed_one("*1\r\n$100000000000000000\r\n").error == "Protocol error: invalid bulk length");
  CHECK(feed_one("*1\r\n$99999999999999999999\r\n").error == "Protocol error: invalid bulk length");
  // A length line whose '\r' is the last byte so far waits for the byte after it.
  CHECK(feed({"*1\r", "\n$3\r", "\nabc\r\n"}).commands == std::vector<command>{{"abc"}});
}

TEST_CASE("limits at their edge are accepted", "[parser]") {
  // 512 MB bulk and 1M elements are allowed: the header parses and waits for the data.
  resp_parser parser;
  std::vector<std::string_view> argv;
  std::string in = "*1048576\r\n$536870912\r\nabc";
  size_t pos = 0;
  REQUIRE(parser.parse(in, pos, argv) == resp_parser::result::incomplete);
  REQUIRE(pos == 0);
}

TEST_CASE("commands before a protocol error are still delivered", "[parser]") {
  auto r = feed_one("PING\r\n*1\r\nbad\r\n");
  REQUIRE(r.commands == std::vector<command>{{"PING"}});
  REQUIRE(r.error == "Protocol error: expected '$', got 'b'");
}

TEST_CASE("the limits a client is held to: proto-max-bulk-len, and before AUTH",
          "[parser]") {
  // The parser's answer to `input` under the given limits, and its error text.
  auto parse_with = [](int64_t max_bulk, bool unauthenticated, const std::string& input) {
    resp_parser parser;
    parser.set_limits(max_bulk, unauthenticated);
    std::vector<std::string_view> argv;
    size_t pos = 0;
    auto r = parser.parse(input, pos, argv);
    return std::make_pair(r, parser.error());
  };
  using result = resp_parser::result;
  CHECK(parse_with(1000, false, "*2\r\n$3\r\nGET\r\n$2000\r\n") ==
        std::make_pair(result::error, std::string("Protocol error: invalid bulk length")));
  CHECK(parse_with(max_bulk_length, true, "*11\r\n") ==
        std::make_pair(result::error,
                       std::string("Protocol error: unauthenticated multibulk length")));
  CHECK(parse_with(max_bulk_length, true, "*2\r\n$4\r\nAUTH\r\n$16385\r\n") ==
        std::make_pair(result::error, std::string("Protocol error: unauthenticated bulk length")));
  // Ten arguments of 16 KB are still allowed.
  std::string ten = "*10\r\n$16384\r\n" + std::string(16384, 'x') + "\r\n";
  CHECK(parse_with(max_bulk_length, true, ten).first == result::incomplete);
}
