// Large strings without copies: byte_blocks as values, the parser handing a big bulk to its
// caller, batches carrying blocks, SET keeping them and GET replying by reference.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "protocol/resp_parser.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/value.hpp"

using namespace credis;

namespace {

byte_block block_of(size_t n, char fill) {
  byte_block b = byte_block::allocate(n);
  std::string(n, fill).copy(b.data(), n);
  return b;
}

}  // namespace

TEST_CASE("a value adopts a large block without copying it, a small one is copied",
          "[storage][large]") {
  byte_block big = block_of(64 * 1024, 'a');
  value v(big);
  REQUIRE(v.str().data() == big.data());
  REQUIRE(v.shared_block().data() == big.data());
  REQUIRE_FALSE(big.unique());  // the value and `big`

  byte_block small = block_of(100, 'b');
  value s(small);
  REQUIRE(s.str() == std::string(100, 'b'));
  REQUIRE(s.str().data() != small.data());
  REQUIRE_FALSE(s.shared_block());
  REQUIRE(small.unique());
}

TEST_CASE("strings from 32 KB on live in a block, which replies may share", "[storage][large]") {
  value below(std::string(32 * 1024 - 1, 'x'));
  REQUIRE_FALSE(below.shared_block());
  value at(std::string(32 * 1024, 'y'));
  byte_block shared = at.shared_block();
  REQUIRE(shared.view() == at.str());
  value moved(std::move(at));
  REQUIRE(moved.str().data() == shared.data());
}

TEST_CASE("a shared block is never changed in place", "[storage][large]") {
  std::string text(40000, 'q');
  value v(text);
  byte_block reply = v.shared_block();  // a reply still being sent holds it
  v.append_str("tail");
  REQUIRE(reply.view() == text);
  REQUIRE(v.str() == text + "tail");
  REQUIRE(v.str().data() != reply.data());

  byte_block again = v.shared_block();
  v.assign_str(std::string(40001, 'r'));
  REQUIRE(again.view() == text + "tail");
  REQUIRE(v.str() == std::string(40001, 'r'));
}

TEST_CASE("an unshared block is appended to and overwritten in place", "[storage][large]") {
  value v(std::string(40000, 'q'));
  v.append_str(std::string(10000, 'x'));  // grows into a block with room ahead
  const char* where = v.str().data();
  for (int i = 0; i < 100; ++i)
    v.append_str("0123456789");
  REQUIRE(v.str().data() == where);
  REQUIRE(v.str().size() == 40000 + 10000 + 1000);
  v.assign_str(std::string(60000, 's'));  // fits, and wastes less than it holds
  REQUIRE(v.str().data() == where);
  REQUIRE(v.str() == std::string(60000, 's'));
  v.assign_str("short again");
  REQUIRE(v.str() == "short again");
  REQUIRE_FALSE(v.shared_block());
}

TEST_CASE("the parser hands a big bulk to its caller and goes on after it", "[parser][large]") {
  resp_parser parser;
  std::vector<std::string_view> argv;
  const std::string data(big_bulk_size + 10, 'd');
  std::string input = "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(data.size()) +
                      "\r\n" + data.substr(0, 100);
  size_t pos = 0;
  REQUIRE(parser.parse(input, pos, argv) == resp_parser::result::incomplete);
  REQUIRE(parser.big_bulk_pending());
  REQUIRE(parser.big_bulk_length() == data.size());
  size_t at = pos + parser.big_bulk_offset();
  REQUIRE(input.substr(at) == data.substr(0, 100));

  // The caller collects the data elsewhere; its input goes on with what follows the data.
  std::string collected = input.substr(at) + data.substr(100);
  input.erase(at);
  parser.add_big_bulk(collected);
  REQUIRE_FALSE(parser.big_bulk_pending());
  input += "\r";
  REQUIRE(parser.parse(input, pos, argv) == resp_parser::result::incomplete);
  input += "\n$2\r\nGE\r\n*1\r\n$4\r\nPING\r\n";
  REQUIRE(parser.parse(input, pos, argv) == resp_parser::result::command);
  REQUIRE(argv.size() == 4);
  REQUIRE(argv[0] == "SET");
  REQUIRE(argv[2].data() == collected.data());
  REQUIRE(argv[2].size() == data.size());
  REQUIRE(argv[3] == "GE");
  REQUIRE(parser.parse(input, pos, argv) == resp_parser::result::command);
  REQUIRE(argv.size() == 1);
  REQUIRE(argv[0] == "PING");
}

TEST_CASE("a bulk below the big size is never handed out", "[parser][large]") {
  resp_parser parser;
  std::vector<std::string_view> argv;
  std::string input = "*2\r\n$3\r\nSET\r\n$" + std::to_string(big_bulk_size - 1) + "\r\nab";
  size_t pos = 0;
  REQUIRE(parser.parse(input, pos, argv) == resp_parser::result::incomplete);
  REQUIRE_FALSE(parser.big_bulk_pending());
}

TEST_CASE("a batch carries block arguments by reference", "[storage][large]") {
  byte_block big = block_of(50000, 'v');
  std::vector<std::string_view> argv = {"set", "key", big.view()};
  command_batch batch;
  batch.add_command(find_command("set"), 0, argv, std::span<const byte_block>(&big, 1));
  REQUIRE_FALSE(big.unique());
  std::vector<std::string_view> out;
  const auto& item = batch.items().front();
  batch.args_of(item, out);
  REQUIRE(out[1] == "key");
  REQUIRE(out[2].data() == big.data());
  REQUIRE(batch.blocks_of(item).size() == 1);

  command_batch copy = batch;  // CAF may copy a message: the copy shares the block
  copy.args_of(copy.items().front(), out);
  REQUIRE(out[2].data() == big.data());
}

TEST_CASE("SET keeps the argument's block and GET replies with it by reference",
          "[storage][large]") {
  keyspace ks;
  server_state server;
  replication_info replication;
  client_state client;
  byte_block big = block_of(70000, 'g');
  command_batch batch;
  std::vector<std::string_view> set = {"SET", "k", big.view()};
  add_request(batch, set, client, server, std::span<const byte_block>(&big, 1));
  std::vector<std::string_view> get = {"GET", "k"};
  add_request(batch, get, client, server);
  std::vector<std::string_view> mget = {"MGET", "k", "nokey"};
  add_request(batch, mget, client, server);

  std::vector<spliced_block> spliced;
  std::string text;
  batch_context bc{ks, server, replication, 1'700'000'000'000, false, nullptr, &spliced};
  execute_batch(bc, batch, text);
  REQUIRE(ks.db(0).find_raw("k")->val.str().data() == big.data());
  REQUIRE(text == "+OK\r\n$70000\r\n\r\n*2\r\n$70000\r\n\r\n$-1\r\n");
  REQUIRE(spliced.size() == 2);
  REQUIRE(spliced[0].offset == std::string("+OK\r\n$70000\r\n").size());
  REQUIRE(spliced[0].block.data() == big.data());
  REQUIRE(spliced[1].offset == std::string("+OK\r\n$70000\r\n\r\n*2\r\n$70000\r\n").size());

  // Without a place for spliced blocks the bytes are copied into the text.
  std::string copied;
  command_batch get_only;
  add_request(get_only, get, client, server);
  execute_batch({ks, server, replication, 1'700'000'000'000}, get_only, copied);
  REQUIRE(copied == "$70000\r\n" + std::string(70000, 'g') + "\r\n");
}
