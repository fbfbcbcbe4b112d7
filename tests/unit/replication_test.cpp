// The replication building blocks without sockets: the backlog ring buffer, the master's PSYNC
// decision, replication ids, the stream encoder and the replica's side of the link.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "replication/backlog.hpp"
#include "replication/master_link.hpp"
#include "replication/psync.hpp"
#include "replication/replication_id.hpp"
#include "replication/stream_encoder.hpp"
#include "storage/commands/command_batch.hpp"

using namespace credis;
using Catch::Matchers::Contains;

namespace {

// The bytes copy_after gives after `offset`, or "<none>" when it refuses. A refusal must leave
// the output untouched.
std::string after(const backlog& b, int64_t offset) {
  std::string out = "prefix:";
  if (!b.copy_after(offset, out))
    return out == "prefix:" ? "<none>" : "<refused but appended>";
  return out.substr(7);
}

// A RESP array of bulk strings, written out independently of the code under test.
std::string resp(std::initializer_list<std::string_view> argv) {
  std::string out;
  out += '*';
  out += std::to_string(argv.size());
  out += "\r\n";
  for (auto a : argv) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

bool is_lower_hex_id(const std::string& id) {
  return id.size() == 40 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// backlog

TEST_CASE("backlog: append tracks end offset, histlen and the first byte's offset",
          "[replication][backlog]") {
  backlog b(16);
  CHECK(b.capacity() == 16);
  CHECK(b.end_offset() == 0);
  CHECK(b.histlen() == 0);
  CHECK(b.first_byte_offset() == 1);
  CHECK(after(b, 0) == "");

  b.append("hello");
  CHECK(b.end_offset() == 5);
  CHECK(b.histlen() == 5);
  CHECK(b.first_byte_offset() == 1);
  CHECK(after(b, 0) == "hello");
  CHECK(after(b, 2) == "llo");
  CHECK(after(b, 5) == "");

  b.append(std::string());
  CHECK(b.end_offset() == 5);
  CHECK(b.histlen() == 5);
  CHECK(after(b, 0) == "hello");

  b.append("world!");
  CHECK(b.end_offset() == 11);
  CHECK(b.histlen() == 11);
  CHECK(b.first_byte_offset() == 1);
  CHECK(after(b, 0) == "helloworld!");
  CHECK(after(b, 10) == "!");
}

TEST_CASE("backlog: wrap-around keeps exactly the newest bytes", "[replication][backlog]") {
  backlog b(16);
  std::string all;
  for (const char* c : {"abc", "defgh", "ijklmno", "pqrs", "tuvwxyz", "0", "123456789"}) {
    b.append(c);
    all += c;
    size_t held = std::min<size_t>(all.size(), 16);
    INFO("after appending " << c);
    REQUIRE(b.end_offset() == static_cast<int64_t>(all.size()));
    REQUIRE(b.histlen() == held);
    REQUIRE(b.first_byte_offset() == static_cast<int64_t>(all.size() - held) + 1);
    REQUIRE(after(b, b.end_offset() - static_cast<int64_t>(held)) ==
            all.substr(all.size() - held));
  }
  REQUIRE(all == "abcdefghijklmnopqrstuvwxyz0123456789");
  CHECK(after(b, 20) == "uvwxyz0123456789");
  CHECK(after(b, 30) == "456789");
  CHECK(after(b, 19) == "<none>");

  // Exactly the capacity, with the head in the middle of the buffer.
  b.append("ABCDEFGHIJKLMNOP");
  CHECK(b.end_offset() == 52);
  CHECK(b.histlen() == 16);
  CHECK(after(b, 36) == "ABCDEFGHIJKLMNOP");
  CHECK(after(b, 44) == "IJKLMNOP");

  // A chunk bigger than the whole buffer: only its tail stays.
  std::string big = "the quick brown fox jumps over the lazy dog";  // 43 bytes
  b.append(big);
  CHECK(b.end_offset() == 95);
  CHECK(b.histlen() == 16);
  CHECK(b.first_byte_offset() == 80);
  CHECK(after(b, 79) == "ver the lazy dog");
  CHECK(after(b, 78) == "<none>");

  // Small appends after the big one wrap from the start again.
  b.append("12345");
  CHECK(b.end_offset() == 100);
  CHECK(after(b, 84) == "he lazy dog12345");
  b.append("6789abcdefghijk");  // 15 bytes, crossing the end of the buffer
  CHECK(after(b, 99) == "56789abcdefghijk");
  CHECK(after(b, 105) == "bcdefghijk");
  CHECK(after(b, 110) == "ghijk");
}

TEST_CASE("backlog: covers() and copy_after() at the edges of the history",
          "[replication][backlog]") {
  backlog b(16);
  b.append("0123456789");
  b.append("abcdefghij");  // 20 bytes, 16 held: offsets 5..20
  REQUIRE(b.end_offset() == 20);
  REQUIRE(b.histlen() == 16);
  REQUIRE(b.first_byte_offset() == 5);

  // A replica that has everything up to end - histlen needs exactly the bytes held.
  CHECK(b.covers(4));
  CHECK(after(b, 4) == "456789abcdefghij");
  CHECK_FALSE(b.covers(3));
  CHECK(after(b, 3) == "<none>");
  // A replica that has everything is covered, with nothing to send.
  CHECK(b.covers(20));
  CHECK(after(b, 20) == "");
  // A replica ahead of us is not.
  CHECK_FALSE(b.covers(21));
  CHECK(after(b, 21) == "<none>");
  CHECK_FALSE(b.covers(-1));
  CHECK(after(b, 19) == "j");
}

TEST_CASE("backlog: reset() starts an empty history at an offset", "[replication][backlog]") {
  backlog b(16);
  b.append("some old bytes");
  b.reset(100);
  CHECK(b.end_offset() == 100);
  CHECK(b.histlen() == 0);
  CHECK(b.first_byte_offset() == 101);
  CHECK(b.covers(100));
  CHECK(after(b, 100) == "");
  CHECK_FALSE(b.covers(99));
  CHECK_FALSE(b.covers(101));
  CHECK(after(b, 99) == "<none>");

  b.append("xy");
  CHECK(b.end_offset() == 102);
  CHECK(b.histlen() == 2);
  CHECK(b.first_byte_offset() == 101);
  CHECK(after(b, 100) == "xy");
  CHECK(after(b, 101) == "y");
  CHECK_FALSE(b.covers(99));
}

TEST_CASE("backlog: resize() keeps the newest bytes that fit", "[replication][backlog]") {
  backlog b(16);
  b.append("0123456789");
  b.append("abcdefghijKLMN");  // wrapped: 24 bytes, 16 held
  REQUIRE(after(b, 8) == "89abcdefghijKLMN");

  b.resize(8);
  CHECK(b.capacity() == 8);
  CHECK(b.end_offset() == 24);
  CHECK(b.histlen() == 8);
  CHECK(b.first_byte_offset() == 17);
  CHECK(after(b, 16) == "ghijKLMN");
  CHECK(after(b, 15) == "<none>");

  b.resize(32);
  CHECK(b.capacity() == 32);
  CHECK(b.end_offset() == 24);
  CHECK(b.histlen() == 8);
  CHECK(after(b, 16) == "ghijKLMN");
  b.append("+more+bytes+");
  CHECK(b.end_offset() == 36);
  CHECK(b.histlen() == 20);
  CHECK(after(b, 16) == "ghijKLMN+more+bytes+");

  // Growing a wrapped buffer keeps the order.
  backlog w(4);
  w.append("abc");
  w.append("def");  // buffer holds "cdef" with the head in the middle
  REQUIRE(after(w, 2) == "cdef");
  w.resize(10);
  CHECK(w.histlen() == 4);
  CHECK(after(w, 2) == "cdef");
  w.append("gh");
  CHECK(after(w, 2) == "cdefgh");

  // An empty history stays empty, at its offset.
  backlog e(8);
  e.reset(50);
  e.resize(4);
  CHECK(e.end_offset() == 50);
  CHECK(e.histlen() == 0);
  CHECK(e.covers(50));

  // A capacity of 0 becomes 1.
  b.resize(0);
  CHECK(b.capacity() == 1);
  CHECK(b.histlen() == 1);
  CHECK(after(b, 35) == "+");
}

TEST_CASE("backlog: agrees with a plain string model under random operations",
          "[replication][backlog]") {
  std::mt19937 rng(20240611);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  size_t cap = 16;
  backlog b(cap);
  std::string held;  // the model: the bytes the backlog should hold
  int64_t end = 0;
  for (int step = 0; step < 5000; ++step) {
    int op = pick(0, 99);
    if (op < 85) {
      std::string chunk(static_cast<size_t>(pick(0, op < 5 ? 70 : 20)), '\0');
      for (auto& c : chunk)
        c = static_cast<char>(pick(0, 255));
      b.append(chunk);
      held += chunk;
      end += static_cast<int64_t>(chunk.size());
    } else if (op < 95) {
      cap = static_cast<size_t>(pick(0, 40));
      b.resize(cap);
      cap = std::max<size_t>(cap, 1);
    } else {
      end += pick(0, 1000);
      b.reset(end);
      held.clear();
    }
    if (held.size() > cap)
      held.erase(0, held.size() - cap);

    INFO("step " << step);
    REQUIRE(b.capacity() == cap);
    REQUIRE(b.end_offset() == end);
    REQUIRE(b.histlen() == held.size());
    REQUIRE(b.first_byte_offset() == end - static_cast<int64_t>(held.size()) + 1);
    int64_t oldest = end - static_cast<int64_t>(held.size());
    for (int64_t o = oldest - 2; o <= end + 2; ++o) {
      bool inside = o >= oldest && o <= end;
      REQUIRE(b.covers(o) == inside);
      REQUIRE(after(b, o) ==
              (inside ? held.substr(static_cast<size_t>(o - oldest)) : std::string("<none>")));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// decide_psync

TEST_CASE("decide_psync: continue only for a known history the backlog still holds",
          "[replication][psync]") {
  const std::string current(40, 'a'), previous(40, 'b'), unknown(40, 'c');
  replication_ids ids;
  ids.replid = current;
  ids.replid2 = previous;
  ids.second_offset = 150;
  backlog log(100);
  log.append(std::string(200, 'x'));  // offsets 101..200 held
  REQUIRE(log.first_byte_offset() == 101);
  REQUIRE(log.end_offset() == 200);

  SECTION("a replica asking for a full sync gets one") {
    auto d = decide_psync(ids, &log, "?", -1);
    CHECK_FALSE(d.can_continue);
    CHECK(d.why == "Full resync requested by replica");
  }
  SECTION("the current id within the backlog continues, at both ends") {
    CHECK(decide_psync(ids, &log, current, 101).can_continue);  // needs the oldest byte held
    CHECK(decide_psync(ids, &log, current, 150).can_continue);
    CHECK(decide_psync(ids, &log, current, 201).can_continue);  // needs nothing
  }
  SECTION("the current id with an offset too old or beyond the end needs a full sync") {
    auto old = decide_psync(ids, &log, current, 100);
    CHECK_FALSE(old.can_continue);
    CHECK_THAT(old.why, Contains("lack of backlog"));
    CHECK_THAT(old.why, Contains("100"));
    CHECK_FALSE(decide_psync(ids, &log, current, 202).can_continue);
    CHECK_FALSE(decide_psync(ids, &log, current, 1000).can_continue);
    CHECK_FALSE(decide_psync(ids, &log, current, 0).can_continue);
  }
  SECTION("the previous id continues up to where that history ended") {
    CHECK(decide_psync(ids, &log, previous, 150).can_continue);
    CHECK(decide_psync(ids, &log, previous, 101).can_continue);
    auto d = decide_psync(ids, &log, previous, 151);
    CHECK_FALSE(d.can_continue);
    CHECK(d.why ==
          "Partial resynchronization not accepted: Requested offset for second ID was 151, "
          "but I can reply up to 150");
    // Known history, but older than the backlog.
    CHECK_FALSE(decide_psync(ids, &log, previous, 100).can_continue);
  }
  SECTION("an unknown id needs a full sync") {
    auto d = decide_psync(ids, &log, unknown, 150);
    CHECK_FALSE(d.can_continue);
    CHECK_THAT(d.why, Contains("Replication ID mismatch"));
    CHECK_THAT(d.why, Contains(unknown));
  }
  SECTION("without a backlog nothing continues") {
    auto d = decide_psync(ids, nullptr, current, 201);
    CHECK_FALSE(d.can_continue);
    CHECK_THAT(d.why, Contains("lack of backlog"));
    CHECK_FALSE(decide_psync(ids, nullptr, previous, 150).can_continue);
  }
}

TEST_CASE("decide_psync: after a shift, replicas of the old history continue",
          "[replication][psync]") {
  replication_ids ids;
  ids.restart();
  std::string old = ids.replid;
  backlog log(64);
  log.append(std::string(30, 's'));  // the old history: offsets 1..30
  ids.shift(log.end_offset());        // promoted at offset 30
  log.append(std::string(10, 'n'));   // the new history: 31..40

  // A replica of the old master that had everything (offset 30) asks for 31.
  CHECK(decide_psync(ids, &log, old, 31).can_continue);
  CHECK(decide_psync(ids, &log, old, 20).can_continue);
  // One that claims a byte of the old history past the shift cannot.
  CHECK_FALSE(decide_psync(ids, &log, old, 32).can_continue);
  // The new id covers the whole backlog.
  CHECK(decide_psync(ids, &log, ids.replid, 41).can_continue);
  CHECK(decide_psync(ids, &log, ids.replid, 1).can_continue);
  std::string sent;
  REQUIRE(log.copy_after(30, sent));
  CHECK(sent == std::string(10, 'n'));
}

// ---------------------------------------------------------------------------------------------
// replication ids

TEST_CASE("replication ids: shift keeps the old history, restart forgets it",
          "[replication][ids]") {
  std::string a = make_replication_id(), b = make_replication_id();
  CHECK(is_lower_hex_id(a));
  CHECK(is_lower_hex_id(b));
  CHECK(a != b);

  replication_ids ids;
  CHECK(ids.replid2 == std::string(40, '0'));
  CHECK(ids.second_offset == -1);
  ids.replid = a;
  ids.shift(500);
  CHECK(ids.replid2 == a);
  CHECK(ids.second_offset == 501);  // Redis: master_repl_offset + 1
  CHECK(ids.replid != a);
  CHECK(is_lower_hex_id(ids.replid));

  std::string after_shift = ids.replid;
  ids.restart();
  CHECK(is_lower_hex_id(ids.replid));
  CHECK(ids.replid != after_shift);
  CHECK(ids.replid != a);
  CHECK(ids.replid2 == std::string(40, '0'));
  CHECK(ids.second_offset == -1);
}

// ---------------------------------------------------------------------------------------------
// stream encoder

namespace {

void add(command_batch& b, int db, std::vector<std::string_view> argv) {
  b.add_command(nullptr, db, argv);
}

}  // namespace

TEST_CASE("stream_encoder: SELECT before the first command and on each database change",
          "[replication][encoder]") {
  stream_encoder enc;
  command_batch writes;
  add(writes, 0, {"SET", "k", "v"});
  add(writes, 0, {"INCR", "n"});
  add(writes, 3, {"DEL", "k"});
  add(writes, 3, {"DEL", "j"});
  add(writes, 0, {"SET", "a", "b"});
  std::string out;
  enc.encode(writes, out);
  CHECK(out ==
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
        "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
        "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
        "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"
        "*2\r\n$3\r\nDEL\r\n$1\r\nj\r\n"
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
        "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n");

  // The next batch continues in the same database: no SELECT.
  command_batch more;
  add(more, 0, {"SET", "x", "y"});
  out.clear();
  enc.encode(more, out);
  CHECK(out == "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n");

  // forget_db: SELECT again, even for the same database.
  enc.forget_db();
  out.clear();
  enc.encode(more, out);
  CHECK(out == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n");

  // Two-digit databases.
  command_batch twelve;
  add(twelve, 12, {"DEL", "k"});
  out.clear();
  enc.encode(twelve, out);
  CHECK(out == "*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n");

  // An empty batch writes nothing.
  out.clear();
  enc.encode(command_batch(), out);
  CHECK(out.empty());
}

TEST_CASE("stream_encoder: commands of no database never SELECT nor change the database",
          "[replication][encoder]") {
  stream_encoder enc;
  std::string out;
  std::vector<std::string_view> ping{"PING"}, set{"SET", "k", "v"};
  enc.encode(-1, ping, out);
  CHECK(out == "*1\r\n$4\r\nPING\r\n");
  out.clear();
  enc.encode(2, set, out);
  CHECK(out == "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  out.clear();
  enc.encode(-1, ping, out);
  enc.encode(2, set, out);  // still in database 2
  CHECK(out == "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  enc.forget_db();
  out.clear();
  enc.encode(-1, ping, out);
  enc.encode(2, set, out);
  CHECK(out ==
        "*1\r\n$4\r\nPING\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n"
        "$1\r\nv\r\n");
}

TEST_CASE("encode_command writes a RESP array of bulk strings", "[replication][encoder]") {
  std::string out = "before|";
  std::string binary("a\r\nb\0c", 6);
  std::vector<std::string_view> argv{"SET", "key", "", binary};
  encode_command(argv, out);
  CHECK(out == "before|*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n$6\r\n" + binary + "\r\n");
  CHECK(out.size() == 7 + 40);
  CHECK(out.substr(7) == resp({"SET", "key", "", binary}));
  out.clear();
  encode_command(std::vector<std::string_view>{}, out);
  CHECK(out == "*0\r\n");
}

// ---------------------------------------------------------------------------------------------
// master_link: the replica's side of the protocol

namespace {

struct received_command {
  std::vector<std::string> argv;
  std::string raw;
  int64_t offset_after = 0;  // the link's offset when the command was delivered

  bool operator==(const received_command& o) const {
    return argv == o.argv && raw == o.raw && offset_after == o.offset_after;
  }
};

struct recording_sink : stream_sink {
  const master_link* link = nullptr;
  std::vector<received_command> commands;

  void command(const std::vector<std::string_view>& argv, std::string_view raw) override {
    received_command c;
    for (auto a : argv)
      c.argv.emplace_back(a);
    c.raw.assign(raw);
    c.offset_after = link ? link->offset() : -1;
    commands.push_back(std::move(c));
  }
};

// Everything a run of feeds produced, merged across the progress reports.
struct link_outcome {
  std::string sends;
  int full_syncs = 0, continues = 0, snapshots_done = 0;
  std::vector<std::string> replids;  // each non-empty progress.replid
  std::vector<int64_t> sync_offsets;
  std::string snapshot;              // snapshot() when snapshot_done was reported
  std::vector<received_command> commands;
  std::vector<std::string> errors;
  int64_t offset = 0;
  master_link::state state = master_link::state::pong;
};

link_outcome run_link(master_link link, const std::vector<std::string>& parts) {
  link_outcome r;
  recording_sink sink;
  sink.link = &link;
  for (const auto& part : parts) {
    auto p = link.feed(part, sink);
    r.sends += p.send;
    r.full_syncs += p.full_sync;
    r.continues += p.continued;
    if (p.full_sync)
      r.sync_offsets.push_back(p.offset);
    if (!p.replid.empty())
      r.replids.push_back(p.replid);
    if (p.snapshot_done) {
      ++r.snapshots_done;
      r.snapshot = link.snapshot();
    }
    if (!p.error.empty())
      r.errors.push_back(p.error);
  }
  r.commands = sink.commands;
  r.offset = link.offset();
  r.state = link.current();
  return r;
}

void check_same(const link_outcome& a, const link_outcome& b) {
  CHECK(a.sends == b.sends);
  CHECK(a.full_syncs == b.full_syncs);
  CHECK(a.continues == b.continues);
  CHECK(a.snapshots_done == b.snapshots_done);
  CHECK(a.replids == b.replids);
  CHECK(a.sync_offsets == b.sync_offsets);
  CHECK(a.snapshot == b.snapshot);
  CHECK(a.commands == b.commands);
  CHECK(a.errors == b.errors);
  CHECK(a.offset == b.offset);
  CHECK(static_cast<int>(a.state) == static_cast<int>(b.state));
}

std::vector<std::string> bytes_of(const std::string& s) {
  std::vector<std::string> parts;
  for (char c : s)
    parts.emplace_back(1, c);
  return parts;
}

const std::string master_id = "8d0f5c3a1e7b9d2f4a6c8e0b1d3f5a7c9e1b3d5f";
const std::string eof_mark = "a3f1c0de9b7e4d2c8f6a1b3c5d7e9f0a2b4c6d8e";
const std::string ping_cmd = "*1\r\n$4\r\nPING\r\n";
const std::string getack_cmd = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
const std::string replconf_sends =
    "*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n6380\r\n"
    "*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n";
const std::string psync_full = "*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n";

std::string ack_bytes(int64_t offset) {
  return resp({"REPLCONF", "ACK", std::to_string(offset)});
}

// A snapshot with bytes that look like protocol, and most of the EOF mark.
std::string tricky_rdb() {
  static const char start[] = "REDIS0011\xfa\x09redis-ver\x05" "7.0.0\r\n$5\r\n*1\r\n\n\0\xff";
  std::string rdb(start, sizeof(start) - 1);
  rdb += eof_mark.substr(0, 39) + "X";
  rdb += eof_mark.substr(0, 20);
  rdb += std::string("\xff\x01\x02\x03\x04\x05\x06\x07\x08", 9);
  return rdb;
}

struct fed {
  master_link link{6380, "", 0};
  recording_sink sink;
  fed() { sink.link = &link; }
  master_link::progress operator()(std::string_view data) { return link.feed(data, sink); }
};

// A link taken through the handshake and a FULLRESYNC at `offset` with the snapshot "abc".
void sync_to_stream(fed& f, int64_t offset) {
  f("+PONG\r\n");
  f("+OK\r\n");
  f("+OK\r\n");
  auto p = f("+FULLRESYNC " + master_id + " " + std::to_string(offset) + "\r\n$3\r\nabc");
  REQUIRE(p.error.empty());
  REQUIRE(p.snapshot_done);
  REQUIRE(f.link.current() == master_link::state::streaming);
  REQUIRE(f.link.offset() == offset);
}

}  // namespace

TEST_CASE("master_link: the handshake, step by step", "[replication][master_link]") {
  fed f;
  CHECK(f.link.start() == "*1\r\n$4\r\nPING\r\n");
  CHECK(f.link.current() == master_link::state::pong);

  auto p = f("+PONG\r\n");
  CHECK(p.error.empty());
  CHECK(p.send == replconf_sends);
  CHECK(f.link.current() == master_link::state::port_ok);

  p = f("+OK\r\n");
  CHECK(p.send.empty());
  CHECK(p.error.empty());
  CHECK(f.link.current() == master_link::state::capa_ok);

  p = f("+OK\r\n");
  CHECK(p.send == psync_full);
  CHECK(f.link.current() == master_link::state::psync);
  CHECK_FALSE(p.full_sync);

  // Keep-alive newlines while the master prepares the snapshot.
  p = f("\n");
  CHECK(p.send.empty());
  CHECK(p.error.empty());
  CHECK(f.link.current() == master_link::state::psync);

  p = f("\n+FULLRESYNC " + master_id + " 123\r\n");
  CHECK(p.error.empty());
  CHECK(p.full_sync);
  CHECK_FALSE(p.continued);
  CHECK(p.replid == master_id);
  CHECK(p.offset == 123);
  CHECK(f.link.offset() == 123);
  CHECK(f.link.current() == master_link::state::payload);

  p = f("\n\n");
  CHECK(p.error.empty());
  CHECK_FALSE(p.snapshot_done);
  p = f("$5\r\nhel");
  CHECK_FALSE(p.snapshot_done);
  CHECK(f.link.snapshot_expected() == 5);
  CHECK(f.link.snapshot_received() == 3);
  p = f("lo");
  CHECK(p.snapshot_done);
  CHECK(f.link.snapshot() == "hello");
  CHECK(f.link.current() == master_link::state::streaming);
  CHECK(f.link.offset() == 123);
  CHECK(f.sink.commands.empty());

  std::string set = resp({"SET", "k", "v"});
  p = f(set);
  CHECK(p.send.empty());
  REQUIRE(f.sink.commands.size() == 1);
  CHECK(f.sink.commands[0].argv == std::vector<std::string>{"SET", "k", "v"});
  CHECK(f.sink.commands[0].raw == set);
  CHECK(f.link.offset() == 123 + static_cast<int64_t>(set.size()));
  CHECK(f.link.ack() == ack_bytes(123 + static_cast<int64_t>(set.size())));
}

TEST_CASE("master_link: PSYNC names the replica's history when it has one",
          "[replication][master_link]") {
  master_link link(7000, std::string(40, 'c'), 1000);
  recording_sink sink;
  auto p = link.feed("+PONG\r\n", sink);
  CHECK(p.send ==
        "*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n7000\r\n"
        "*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n");
  // An error to REPLCONF is not critical.
  p = link.feed("-ERR Unrecognized REPLCONF option\r\n", sink);
  CHECK(p.error.empty());
  p = link.feed("+OK\r\n", sink);
  CHECK(p.send == "*3\r\n$5\r\nPSYNC\r\n$40\r\n" + std::string(40, 'c') + "\r\n$4\r\n1001\r\n");
  CHECK(link.offset() == 1000);
}

TEST_CASE("master_link: both snapshot forms, with the stream in the same read",
          "[replication][master_link]") {
  const std::string rdb = tricky_rdb();
  REQUIRE(rdb.find(eof_mark) == std::string::npos);
  const std::string set = resp({"SET", "key", "v\r\nx"});
  const std::string del = resp({"DEL", "key"});
  const std::string handshake = "+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC " + master_id + " 77\r\n";

  std::string header = GENERATE(as<std::string>{}, "length", "eof");
  std::string payload = header == "length"
                            ? "$" + std::to_string(rdb.size()) + "\r\n" + rdb
                            : "$EOF:" + eof_mark + "\r\n" + rdb + eof_mark;
  INFO("payload form: " << header);
  auto r = run_link(master_link(6380, "", 0), {handshake + payload + set + del});
  CHECK(r.errors.empty());
  CHECK(r.sends == replconf_sends + psync_full);
  CHECK(r.full_syncs == 1);
  CHECK(r.sync_offsets == std::vector<int64_t>{77});
  CHECK(r.replids == std::vector<std::string>{master_id});
  CHECK(r.snapshots_done == 1);
  CHECK(r.snapshot == rdb);
  REQUIRE(r.commands.size() == 2);
  CHECK(r.commands[0].argv == std::vector<std::string>{"SET", "key", "v\r\nx"});
  CHECK(r.commands[0].raw == set);
  CHECK(r.commands[0].offset_after == 77 + static_cast<int64_t>(set.size()));
  CHECK(r.commands[1].argv == std::vector<std::string>{"DEL", "key"});
  CHECK(r.commands[1].raw == del);
  CHECK(r.offset == 77 + static_cast<int64_t>(set.size() + del.size()));
  CHECK(r.state == master_link::state::streaming);
}

TEST_CASE("master_link: an empty snapshot", "[replication][master_link]") {
  std::string header = GENERATE(as<std::string>{}, "$0\r\n", "$EOF:" + eof_mark + "\r\n" + eof_mark);
  auto r = run_link(master_link(6380, "", 0),
                    {"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC " + master_id + " 0\r\n" + header +
                     ping_cmd});
  CHECK(r.errors.empty());
  CHECK(r.snapshots_done == 1);
  CHECK(r.snapshot.empty());
  REQUIRE(r.commands.size() == 1);
  CHECK(r.commands[0].raw == ping_cmd);
  CHECK(r.offset == 14);
}

TEST_CASE("master_link: the result does not depend on how the bytes are split",
          "[replication][master_link]") {
  const std::string rdb = tricky_rdb();
  const std::string select = resp({"SELECT", "0"});
  const std::string set = resp({"SET", "k", "v\r\n$3\r\n"});
  // Empty lines in the stream count in the offset and travel with the next command (the
  // fuzzer found them counted only when they came in the same read as that command).
  const std::string stream = select + set + getack_cmd + ping_cmd + getack_cmd +
                             resp({"replconf", "getack", "*"}) + resp({"DEL", "k"}) + "\n\r\n" +
                             ping_cmd;
  const int64_t start = 1000;

  std::string header = GENERATE(as<std::string>{}, "length", "eof");
  std::string payload = header == "length"
                            ? "$" + std::to_string(rdb.size()) + "\r\n" + rdb
                            : "$EOF:" + eof_mark + "\r\n" + rdb + eof_mark;
  const std::string conversation = "+PONG\r\n+OK\r\n+OK\r\n\n\n+FULLRESYNC " + master_id + " " +
                                   std::to_string(start) + "\r\n\n\n" + payload + stream;
  INFO("payload form: " << header);

  // All of it at once, checked byte for byte.
  link_outcome whole = run_link(master_link(6380, "", 0), {conversation});
  const int64_t ack1 = start + static_cast<int64_t>(select.size() + set.size());
  const int64_t ack2 = ack1 + 37 + 14;
  const int64_t ack3 = ack2 + 37;
  REQUIRE(whole.errors.empty());
  CHECK(whole.sends == replconf_sends + psync_full + ack_bytes(ack1) + ack_bytes(ack2) +
                           ack_bytes(ack3));
  CHECK(whole.full_syncs == 1);
  CHECK(whole.sync_offsets == std::vector<int64_t>{start});
  CHECK(whole.snapshots_done == 1);
  CHECK(whole.snapshot == rdb);
  REQUIRE(whole.commands.size() == 8);
  CHECK(whole.commands[7].raw == "\n\r\n" + ping_cmd);
  int64_t expected_offset = start;
  std::string raws;
  for (const auto& c : whole.commands) {
    expected_offset += static_cast<int64_t>(c.raw.size());
    CHECK(c.offset_after == expected_offset);
    raws += c.raw;
  }
  CHECK(raws == stream);
  CHECK(whole.commands[1].argv == std::vector<std::string>{"SET", "k", "v\r\n$3\r\n"});
  CHECK(whole.offset == start + static_cast<int64_t>(stream.size()));
  CHECK(whole.state == master_link::state::streaming);

  SECTION("one byte at a time") {
    check_same(run_link(master_link(6380, "", 0), bytes_of(conversation)), whole);
  }
  SECTION("split in two at every position") {
    for (size_t i = 0; i <= conversation.size(); ++i) {
      INFO("split at " << i);
      check_same(
          run_link(master_link(6380, "", 0), {conversation.substr(0, i), conversation.substr(i)}),
          whole);
    }
  }
  SECTION("random splits into many parts") {
    std::mt19937 rng(7);
    for (int round = 0; round < 300; ++round) {
      std::vector<std::string> parts;
      size_t pos = 0;
      while (pos < conversation.size()) {
        size_t n = std::uniform_int_distribution<size_t>(0, 50)(rng);
        parts.push_back(conversation.substr(pos, n));
        pos += n;
      }
      INFO("round " << round);
      check_same(run_link(master_link(6380, "", 0), parts), whole);
    }
  }
}

TEST_CASE("master_link: REPLCONF GETACK is answered with the bytes before it",
          "[replication][master_link]") {
  fed f;
  sync_to_stream(f, 0);
  REQUIRE(getack_cmd.size() == 37);
  REQUIRE(ping_cmd.size() == 14);

  auto p = f(getack_cmd);
  CHECK(p.send == "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n");
  CHECK(f.link.offset() == 37);

  p = f(ping_cmd);
  CHECK(p.send.empty());
  CHECK(f.link.offset() == 51);

  p = f(getack_cmd);
  CHECK(p.send == "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$2\r\n51\r\n");
  CHECK(f.link.offset() == 88);
  CHECK(f.link.ack() == "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$2\r\n88\r\n");

  // Two in one read: each counts what came before it.
  p = f(getack_cmd + getack_cmd);
  CHECK(p.send == ack_bytes(88) + ack_bytes(125));
  CHECK(f.link.offset() == 162);
  // The sink sees them too (they are part of the stream).
  CHECK(f.sink.commands.size() == 5);

  // After a FULLRESYNC at a later offset, counting starts there.
  fed g;
  sync_to_stream(g, 5000);
  p = g(ping_cmd + getack_cmd);
  CHECK(p.send == ack_bytes(5014));
  CHECK(g.link.offset() == 5051);
}

TEST_CASE("master_link: +CONTINUE goes on from the replica's offset",
          "[replication][master_link]") {
  const std::string mine(40, 'c');
  auto handshake = [&](master_link& link, recording_sink& sink) {
    link.feed("+PONG\r\n", sink);
    link.feed("+OK\r\n", sink);
    auto p = link.feed("+OK\r\n", sink);
    REQUIRE(p.send == "*3\r\n$5\r\nPSYNC\r\n$40\r\n" + mine + "\r\n$3\r\n501\r\n");
  };

  SECTION("plain +CONTINUE") {
    master_link link(6380, mine, 500);
    recording_sink sink;
    sink.link = &link;
    handshake(link, sink);
    auto p = link.feed("\n+CONTINUE\r\n" + ping_cmd, sink);
    CHECK(p.error.empty());
    CHECK(p.continued);
    CHECK_FALSE(p.full_sync);
    CHECK_FALSE(p.snapshot_done);
    CHECK(p.replid.empty());
    CHECK(link.current() == master_link::state::streaming);
    REQUIRE(sink.commands.size() == 1);
    CHECK(sink.commands[0].offset_after == 514);
    CHECK(link.offset() == 514);
  }
  SECTION("+CONTINUE with the same id reports no change") {
    master_link link(6380, mine, 500);
    recording_sink sink;
    handshake(link, sink);
    auto p = link.feed("+CONTINUE " + mine + "\r\n", sink);
    CHECK(p.continued);
    CHECK(p.replid.empty());
    CHECK(link.offset() == 500);
  }
  SECTION("+CONTINUE with a new id reports it") {
    master_link link(6380, mine, 500);
    recording_sink sink;
    handshake(link, sink);
    std::string theirs(40, 'd');
    auto p = link.feed("+CONTINUE " + theirs + "\r\n", sink);
    CHECK(p.continued);
    CHECK(p.replid == theirs);
    CHECK(link.offset() == 500);
    CHECK(link.current() == master_link::state::streaming);
    p = link.feed(getack_cmd, sink);
    CHECK(p.send == ack_bytes(500));
  }
}

TEST_CASE("master_link: errors break the link", "[replication][master_link]") {
  auto to_psync = [](fed& f) {
    f("+PONG\r\n");
    f("+OK\r\n");
    REQUIRE(f("+OK\r\n").send == psync_full);
  };
  auto check_failed = [](fed& f, const master_link::progress& p) {
    CHECK_FALSE(p.error.empty());
    CHECK(f.link.current() == master_link::state::failed);
    // Nothing more comes out of a failed link.
    auto later = f(getack_cmd + ping_cmd);
    CHECK(later.send.empty());
    CHECK(f.link.current() == master_link::state::failed);
  };

  SECTION("an error to PING other than a missing password") {
    fed f;
    auto p = f("-ERR something else\r\n");
    CHECK(p.send.empty());
    check_failed(f, p);
  }
  SECTION("a wrong masterauth") {
    fed f;
    f.link.authenticate_with("", "secret");
    auto p = f("-NOAUTH Authentication required.\r\n");
    CHECK(p.send.rfind("*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*3\r\n$8\r\nREPLCONF\r\n", 0) == 0);
    p = f("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    CHECK(p.error.find("Unable to AUTH to MASTER") != std::string::npos);
    check_failed(f, p);
  }
  SECTION("no masterauth for a master that wants one: refused at PSYNC") {
    fed f;
    // As Redis, the handshake goes on after -NOAUTH to PING (and to the REPLCONFs).
    auto p = f("-NOAUTH Authentication required.\r\n");
    CHECK(p.send.find("REPLCONF") != std::string::npos);
    f("-NOAUTH Authentication required.\r\n");
    REQUIRE(f("-NOAUTH Authentication required.\r\n").send == psync_full);
    check_failed(f, f("-NOAUTH Authentication required.\r\n"));
  }
  SECTION("garbage in reply to PSYNC") {
    fed f;
    to_psync(f);
    check_failed(f, f("what is this\r\n"));
  }
  SECTION("an error in reply to PSYNC") {
    fed f;
    to_psync(f);
    check_failed(f, f("-ERR unknown command 'PSYNC'\r\n"));
  }
  SECTION("a malformed +FULLRESYNC") {
    fed f;
    to_psync(f);
    check_failed(f, f("+FULLRESYNC abc 12\r\n"));
  }
  SECTION("a +FULLRESYNC offset no stream could reach (counting on would overflow)") {
    fed f;
    to_psync(f);
    check_failed(f, f("+FULLRESYNC " + master_id + " 9223372036854775000\r\n"));
  }
  SECTION("a negative payload length") {
    fed f;
    to_psync(f);
    REQUIRE(f("+FULLRESYNC " + master_id + " 0\r\n").full_sync);
    check_failed(f, f("$-5\r\n"));
  }
  SECTION("a payload length that is not a number") {
    fed f;
    to_psync(f);
    REQUIRE(f("+FULLRESYNC " + master_id + " 0\r\n").full_sync);
    check_failed(f, f("$abc\r\n"));
  }
  SECTION("a payload header that is not a bulk") {
    fed f;
    to_psync(f);
    REQUIRE(f("+FULLRESYNC " + master_id + " 0\r\n").full_sync);
    check_failed(f, f("-ERR no snapshot for you\r\n"));
  }
  SECTION("bad RESP in the stream") {
    fed f;
    sync_to_stream(f, 0);
    auto p = f(ping_cmd + "*abc\r\n");
    REQUIRE(f.sink.commands.size() == 1);  // what came before is applied
    CHECK(f.link.offset() == 14);
    check_failed(f, p);
  }
  SECTION("bad RESP in the same read as the snapshot") {
    fed f;
    to_psync(f);
    auto p = f("+FULLRESYNC " + master_id + " 0\r\n$1\r\nx*1\r\n$x\r\n");
    CHECK(p.full_sync);
    CHECK(p.snapshot_done);
    check_failed(f, p);
  }
}


TEST_CASE("master_link: mutated conversations never crash it, and it never counts backwards",
          "[replication][master_link]") {
  // A valid conversation: handshake, a full sync in either form, a stream with GETACKs.
  const std::string stream = ping_cmd + getack_cmd + resp({"SELECT", "4"}) +
                             resp({"SET", "k", "v"}) + getack_cmd;
  const std::string conversations[] = {
      "+PONG\r\n+OK\r\n+OK\r\n\n\n+FULLRESYNC " + master_id + " 7\r\n$3\r\nabc" + stream,
      "+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC " + master_id + " 7\r\n\n$EOF:" + eof_mark + "\r\n" +
          tricky_rdb() + eof_mark + stream,
  };
  std::mt19937 rng(20261130);
  int failed = 0, streamed = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string bytes = conversations[round % 2];
    int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes.erase(at, 1 + rng() % 8);
          break;
        case 2:
          bytes.insert(at, std::string(1 + rng() % 8, static_cast<char>(rng())));
          break;
        default:
          bytes.resize(at);
          break;
      }
    }
    fed f;
    int64_t last_offset = f.link.offset();
    for (size_t pos = 0; pos < bytes.size();) {
      size_t n = 1 + rng() % 64;
      auto p = f(std::string_view(bytes).substr(pos, n));
      pos += n;
      if (f.link.current() == master_link::state::streaming) {
        CHECK(f.link.offset() >= last_offset);
        last_offset = f.link.offset();
      }
      if (!p.error.empty()) {
        CHECK(f.link.current() == master_link::state::failed);
        break;
      }
    }
    failed += f.link.current() == master_link::state::failed;
    streamed += f.link.current() == master_link::state::streaming;
  }
  // Both outcomes happen: the mutations are neither all fatal nor all harmless.
  CHECK(failed > 100);
  CHECK(streamed > 100);
}

TEST_CASE("master_link: masterauth and masteruser go in AUTH after the PING",
          "[replication][master_link]") {
  for (std::string user : {"", "repl"}) {
    fed f;
    f.link.authenticate_with(user, "pw");
    auto p = f("+PONG\r\n");
    std::string auth = user.empty() ? "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
                                    : "*3\r\n$4\r\nAUTH\r\n$4\r\nrepl\r\n$2\r\npw\r\n";
    CHECK(p.send.rfind(auth, 0) == 0);
    CHECK(f.link.current() == master_link::state::auth_ok);
    f("+OK\r\n");
    CHECK(f.link.current() == master_link::state::port_ok);
    f("+OK\r\n");
    CHECK(f("+OK\r\n").send == psync_full);
  }
}
