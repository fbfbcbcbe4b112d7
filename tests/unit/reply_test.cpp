// The reply encoder in both protocols: what changes under RESP3 and what does not.
#include <catch2/catch.hpp>

#include "protocol/reply.hpp"

using namespace credis;

namespace {

template <class F>
std::string written(int protocol, F f) {
  const reply::protocol_scope scope(protocol);
  std::string out;
  f(out);
  return out;
}

}  // namespace

TEST_CASE("RESP2 and RESP3 forms of the replies whose type differs", "[reply]") {
  auto both = [](auto f) { return std::pair{written(2, f), written(3, f)}; };
  CHECK(both([](std::string& o) { reply::null_bulk(o); }) == std::pair<std::string, std::string>{"$-1\r\n", "_\r\n"});
  CHECK(both([](std::string& o) { reply::null_array(o); }) == std::pair<std::string, std::string>{"*-1\r\n", "_\r\n"});
  CHECK(both([](std::string& o) { reply::map_header(o, 3); }) == std::pair<std::string, std::string>{"*6\r\n", "%3\r\n"});
  CHECK(both([](std::string& o) { reply::set_header(o, 2); }) == std::pair<std::string, std::string>{"*2\r\n", "~2\r\n"});
  CHECK(both([](std::string& o) { reply::push_header(o, 3); }) == std::pair<std::string, std::string>{"*3\r\n", ">3\r\n"});
  CHECK(both([](std::string& o) { reply::boolean(o, true); }) == std::pair<std::string, std::string>{":1\r\n", "#t\r\n"});
  CHECK(both([](std::string& o) { reply::bulk_double(o, 1.5); }) == std::pair<std::string, std::string>{"$3\r\n1.5\r\n", ",1.5\r\n"});
  CHECK(both([](std::string& o) { reply::bulk_double(o, -1.0 / 0.0); }) == std::pair<std::string, std::string>{"$4\r\n-inf\r\n", ",-inf\r\n"});
  CHECK(both([](std::string& o) { reply::verbatim(o, "a\r\nb"); }) == std::pair<std::string, std::string>{"$4\r\na\r\nb\r\n", "=8\r\ntxt:a\r\nb\r\n"});
  CHECK(both([](std::string& o) {
          reply::pairs_header(o, 1);
          reply::pair_header(o);
          reply::bulk(o, "m");
        }) == std::pair<std::string, std::string>{"*2\r\n$1\r\nm\r\n", "*1\r\n*2\r\n$1\r\nm\r\n"});
  // The rest is the same in both.
  CHECK(both([](std::string& o) { reply::integer(o, -7); }).second == ":-7\r\n");
  CHECK(both([](std::string& o) { reply::array_header(o, 2); }).second == "*2\r\n");
}

TEST_CASE("a scope restores the protocol it found", "[reply]") {
  CHECK(reply::protocol() == 2);
  {
    const reply::protocol_scope outer(3);
    {
      const reply::protocol_scope inner(2);
      CHECK(reply::protocol() == 2);
    }
    CHECK(reply::protocol() == 3);
  }
  CHECK(reply::protocol() == 2);
}

TEST_CASE("Pub/Sub frames become RESP3 pushes, element lengths respected", "[reply]") {
  // A message whose payload looks like a frame must stay as it is.
  const std::string frames =
      "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\n*3\r\n\r\n"
      "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n";
  std::string out = "x";
  reply::as_push(out, frames);
  CHECK(out ==
        "x>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\n*3\r\n\r\n"
        ">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$0\r\n\r\n");
}
