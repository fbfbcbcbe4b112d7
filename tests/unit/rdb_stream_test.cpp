// Streams in RDB files and DUMP payloads (storage/rdb/stream_codec): what credis writes loads
// back the same, and corrupt stream values are refused with an error, never a crash. The real
// redis-server's files are covered by the fixtures (rdb_reader_test, rdb_writer_test) and
// tests/integration/test_stream_rdb.py.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "storage/little_endian.hpp"
#include "storage/rdb/crc64.hpp"
#include "storage/rdb/keyspace_dump.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"

using namespace credis;

namespace {

constexpr unix_ms now_ms = 1700000000000;

void add(stream_value& s, stream_id id, std::vector<std::string_view> fv) {
  s.append(id, fv);
}

// XDEL as the command does it: the entry goes, the counters record the tombstone.
void xdel(stream_value& s, stream_id id) {
  REQUIRE(s.remove(id));
  if (id > s.max_deleted_id)
    s.max_deleted_id = id;
  if (id == s.first_id)
    s.reset_first_id();
}

// A stream of several nodes with deletions, a trim, and groups with PELs and consumers.
stream_value sample_stream() {
  stream_value s;
  for (uint64_t i = 1; i <= 350; ++i) {
    const std::string n = std::to_string(i);
    if (i % 7 == 0)
      add(s, {1000 + i, i % 3}, {"other", n, "extra", std::string(i % 40, 'x')});
    else
      add(s, {1000 + i, i % 3}, {"n", n, "payload", std::string(i % 50, 'p')});
  }
  s.trim_to_length(320, false, 0);
  xdel(s, {1100, 100 % 3});
  xdel(s, {1200, 200 % 3});
  REQUIRE(s.nodes().size() >= 4);

  bool created;
  stream_group& g1 = s.groups["g1"];
  g1.last_id = {1060, 60 % 3};
  g1.entries_read = 60;
  stream_consumer& alice = g1.consumer("alice", now_ms - 5000, created);
  stream_consumer& bob = g1.consumer("bob", now_ms - 7000, created);
  g1.consumer("idle", now_ms - 9000, created);  // no pending entries
  g1.deliver({1040, 40 % 3}, alice, now_ms - 4000).delivery_count = 3;
  g1.deliver({1041, 41 % 3}, alice, now_ms - 3000);
  g1.deliver({1055, 55 % 3}, bob, now_ms - 2000).delivery_count = 7;
  g1.deliver({1010, 10 % 3}, bob, now_ms - 1000);  // trimmed away since: still pending

  stream_group& g2 = s.groups["1234"];  // a name Redis writes int-encoded
  g2.last_id = s.last_id;
  g2.entries_read = entries_read_unknown;

  s.groups[std::string("\x00\xff binary", 9)];  // no consumers, no PEL
  return s;
}

keyspace with_key(std::string_view key, stream_value s) {
  keyspace ks;
  ks.db(0).put(key, value(std::move(s)), no_expiry);
  return ks;
}

// Everything the rendering leaves out: the nodes' bytes and each consumer's own PEL.
void check_same_structure(const stream_value& a, const stream_value& b) {
  REQUIRE(a.nodes().size() == b.nodes().size());
  for (auto ia = a.nodes().begin(), ib = b.nodes().begin(); ia != a.nodes().end(); ++ia, ++ib) {
    CHECK(ia->first == ib->first);
    CHECK(ia->second.data() == ib->second.data());
  }
  REQUIRE(a.groups.size() == b.groups.size());
  for (const auto& [name, g] : a.groups) {
    const stream_group& h = b.groups.at(name);
    REQUIRE(g.consumers.size() == h.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      const stream_consumer& d = h.consumers.at(cname);
      CHECK(c.pending == d.pending);
      CHECK(c.seen_time == d.seen_time);
      for (stream_id id : d.pending)
        CHECK(h.pel.at(id).consumer == &d);
    }
  }
}

// ---- hand-made stream values

struct rdb_bytes {
  std::string out;

  rdb_bytes& len(uint64_t n) {
    if (n < 64) {
      out.push_back(static_cast<char>(n));
    } else if (n < 16384) {
      out.push_back(static_cast<char>(0x40 | (n >> 8)));
      out.push_back(static_cast<char>(n));
    } else {
      out.push_back(static_cast<char>(0x81));
      for (int i = 7; i >= 0; --i)
        out.push_back(static_cast<char>(n >> (8 * i)));
    }
    return *this;
  }
  rdb_bytes& str(std::string_view s) {
    len(s.size());
    out += s;
    return *this;
  }
  rdb_bytes& raw_id(uint64_t ms, uint64_t seq) {
    for (uint64_t v : {ms, seq})
      for (int i = 7; i >= 0; --i)
        out.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  // A node's key: the raw ID as a string.
  rdb_bytes& node_key(uint64_t ms, uint64_t seq) {
    return str(rdb_bytes().raw_id(ms, seq).out);
  }
  rdb_bytes& id(uint64_t ms, uint64_t seq) { return len(ms).len(seq); }
  rdb_bytes& ms_time(int64_t t) {
    uint8_t b[8];
    store_le(b, static_cast<uint64_t>(t), 8);
    out.append(reinterpret_cast<const char*>(b), 8);
    return *this;
  }
};

std::string listpack_of(std::vector<std::string_view> items) {
  listpack lp;
  for (auto s : items)
    lp.push_back(s);
  return std::string(lp.data());
}

// One node, master 5-0, entries 5-0 and 5-1 with the master's field "f".
std::string good_node() {
  return listpack_of({"2", "0", "1", "f", "0",  // master entry: 2 live, 0 deleted, fields f
                      "2", "0", "0", "a", "4",  // 5-0 f=a (SAMEFIELDS)
                      "2", "0", "1", "b", "4"});
}

// The parts of a type 19 value, each replaceable by a test.
struct stream_parts {
  std::string nodes = rdb_bytes().len(1).node_key(5, 0).str(good_node()).out;
  std::string scalars = rdb_bytes().len(2).id(5, 1).id(5, 0).id(0, 0).len(2).out;
  std::string groups = rdb_bytes()
                           .len(1)
                           .str("g")
                           .id(5, 1)
                           .len(2)
                           .len(2)  // PEL
                           .raw_id(5, 0).ms_time(now_ms).len(1)
                           .raw_id(5, 1).ms_time(now_ms).len(2)
                           .len(1)  // consumers
                           .str("c").ms_time(now_ms).len(2).raw_id(5, 0).raw_id(5, 1)
                           .out;
  std::string body() const { return nodes + scalars + groups; }
};

// A DUMP payload of a value of `type` (version 10 footer, checksum).
std::string payload(uint8_t type, const std::string& body) {
  std::string p(1, static_cast<char>(type));
  p += body;
  p += std::string("\x0a\x00", 2);
  uint8_t crc[8];
  store_le(crc, crc64(0, p.data(), p.size()), 8);
  p.append(reinterpret_cast<const char*>(crc), 8);
  return p;
}

bool restore(const std::string& body, value& out, std::string& error, uint8_t type = 19) {
  return rdb_restore_value(payload(type, body), out, error);
}

value restored(const std::string& body, uint8_t type = 19) {
  value v;
  std::string error;
  const bool ok = restore(body, v, error, type);
  INFO("error: " << error);
  REQUIRE(ok);
  return v;
}

void expect_refused(const std::string& body, const std::string& fragment, uint8_t type = 19) {
  value v;
  std::string error;
  INFO("wanted: " << fragment);
  REQUIRE_FALSE(restore(body, v, error, type));
  INFO("error: " << error);
  CHECK(error.find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("a stream written to an RDB file loads back the same", "[rdb][stream]") {
  keyspace ks = with_key("s", sample_stream());
  ks.db(3).put("empty", value(stream_value()), now_ms + 60000);
  stream_value emptied;  // XADD then XDEL: no entries, the counters and a group stay
  add(emptied, {9, 9}, {"a", "b"});
  xdel(emptied, {9, 9});
  emptied.groups["g"].last_id = {9, 9};
  ks.db(0).put("emptied", value(std::move(emptied)), no_expiry);

  rdb_save_info info;
  info.now = now_ms;
  string_sink out;
  rdb_write(ks, info, out);
  keyspace back;
  rdb_load_info li;
  rdb_error err;
  INFO(err.what);
  REQUIRE(rdb_load(out.data, back, now_ms, true, li, err));
  CHECK(li.keys_loaded == 3);
  CHECK(dump_keyspace(back) == dump_keyspace(ks));
  check_same_structure(ks.db(0).find_raw("s")->val.stream(), back.db(0).find_raw("s")->val.stream());
  check_same_structure(ks.db(0).find_raw("emptied")->val.stream(),
                       back.db(0).find_raw("emptied")->val.stream());
  CHECK(back.db(3).find_raw("empty")->val.stream().length == 0);
}

TEST_CASE("DUMP of a stream restores to the same stream", "[rdb][stream]") {
  const value v(sample_stream());
  const std::string dumped = rdb_dump_value(v);
  CHECK(static_cast<uint8_t>(dumped[0]) == 19);  // what Redis 7.0 writes
  value back;
  std::string error;
  REQUIRE(rdb_restore_value(dumped, back, error));
  REQUIRE(back.type() == value_type::stream);
  check_same_structure(v.stream(), back.stream());
  CHECK(dump_keyspace(with_key("k", v.stream().clone())) ==
        dump_keyspace(with_key("k", back.stream().clone())));
  // Written again, byte for byte the same.
  CHECK(rdb_dump_value(back) == dumped);
}

TEST_CASE("a stream is written field by field as Redis 7.0 writes it", "[rdb][stream]") {
  const stream_parts parts;
  const value v = restored(parts.body());
  // Group and consumer names go through rdbSaveRawString like the rest: "g", "c" raw.
  CHECK(rdb_dump_value(v) == payload(19, parts.body()));
}

TEST_CASE("type 15 streams get the counters Redis derives", "[rdb][stream]") {
  // Redis 5/6 layout: no first ID, max deleted ID, entries added, nor entries read.
  const std::string nodes = stream_parts().nodes;
  auto group = [](uint64_t ms, uint64_t seq) {
    return rdb_bytes().len(1).str("g").id(ms, seq).len(0).len(0).out;
  };
  value v = restored(nodes + rdb_bytes().len(2).id(7, 0).out + group(5, 0), 15);
  const stream_value& s = v.stream();
  CHECK(s.first_id == stream_id{5, 0});
  CHECK(s.max_deleted_id == stream_id{});
  CHECK(s.entries_added == 2);
  CHECK(s.groups.at("g").entries_read == 1);  // at the first entry: exactly known
  v = restored(nodes + rdb_bytes().len(2).id(7, 0).out + group(5, 1), 15);
  CHECK(v.stream().groups.at("g").entries_read == entries_read_unknown);
  v = restored(nodes + rdb_bytes().len(2).id(7, 0).out + group(7, 0), 15);
  CHECK(v.stream().groups.at("g").entries_read == 2);  // at the last ID
  // No entries at all: the first ID is the maximum, as streamGetEdgeID leaves it.
  v = restored(rdb_bytes().len(0).len(0).id(3, 3).len(0).out, 15);
  CHECK(v.stream().first_id == stream_id::max());
  CHECK(v.stream().entries_added == 0);
}

TEST_CASE("type 21 streams (7.2) load, the consumers' active time read past", "[rdb][stream]") {
  stream_parts parts;
  parts.groups = rdb_bytes()
                     .len(1).str("g").id(5, 1).len(2)
                     .len(1).raw_id(5, 0).ms_time(now_ms).len(1)
                     .len(1).str("c").ms_time(now_ms - 10).ms_time(now_ms - 5).len(1).raw_id(5, 0)
                     .out;
  // DUMP payloads are 7.0's (version 10) at most; type 21 comes in files (rdb_reader_test's
  // new_types_v12 fixture). The value itself parses the same way here.
  const value v = restored(parts.body(), 21);
  const stream_consumer& c = v.stream().groups.at("g").consumers.at("c");
  CHECK(c.seen_time == now_ms - 10);
  CHECK(c.pending.size() == 1);
}

TEST_CASE("corrupt stream values are refused with what is wrong", "[rdb][stream]") {
  restored(stream_parts().body());  // the parts the sections spoil are right as they are

  SECTION("a node key that is not 16 bytes") {
    stream_parts p;
    p.nodes = rdb_bytes().len(1).str(std::string(15, '\0')).str(good_node()).out;
    expect_refused(p.body(), "not the size of a stream ID");
  }
  SECTION("a node that is not a listpack") {
    stream_parts p;
    std::string lp = good_node();
    lp[0] = static_cast<char>(lp[0] + 1);  // header's byte count off
    p.nodes = rdb_bytes().len(1).node_key(5, 0).str(lp).out;
    expect_refused(p.body(), "listpack");
  }
  SECTION("a listpack whose entries do not follow the stream node layout") {
    stream_parts p;
    for (std::string lp : {
             listpack_of({"2", "0", "1", "f", "0", "2", "0", "0", "a", "5",  // lp-count off
                          "2", "0", "1", "b", "4"}),
             listpack_of({"2", "0", "1", "f", "0", "2", "0", "0", "a", "4"}),  // one missing
             listpack_of({"2", "0", "1", "f", "1", "2", "0", "0", "a", "4",  // no terminator
                          "2", "0", "1", "b", "4"}),
             listpack_of({"x", "0", "1", "f", "0", "2", "0", "0", "a", "4",  // count not a number
                          "2", "0", "1", "b", "4"}),
             listpack_of({"2", "0", "1", "f", "0", "2", "0", "0", "a", "4",  // one too many
                          "2", "0", "1", "b", "4", "2", "0", "2", "c", "4"}),
             listpack_of({"0", "0", "1", "f", "0"}),  // a master entry alone
         }) {
      p.nodes = rdb_bytes().len(1).node_key(5, 0).str(lp).out;
      expect_refused(p.body(), "is not a valid stream listpack");
    }
  }
  SECTION("an empty listpack") {
    stream_parts p;
    p.nodes = rdb_bytes().len(1).node_key(5, 0).str(listpack_of({})).out;
    expect_refused(p.body(), "empty listpack inside stream");
  }
  SECTION("the same node twice") {
    stream_parts p;
    p.nodes = rdb_bytes().len(2).node_key(5, 0).str(good_node()).node_key(5, 0).str(good_node()).out;
    p.scalars = rdb_bytes().len(4).id(5, 1).id(5, 0).id(0, 0).len(2).out;
    expect_refused(p.body(), "re-added with existing key");
  }
  SECTION("a length the nodes do not hold") {
    stream_parts p;
    p.scalars = rdb_bytes().len(3).id(5, 1).id(5, 0).id(0, 0).len(3).out;
    expect_refused(p.body(), "length 3 but the nodes hold 2 entries");
  }
  SECTION("a last ID below the last entry") {
    stream_parts p;
    p.scalars = rdb_bytes().len(2).id(5, 0).id(5, 0).id(0, 0).len(2).out;
    expect_refused(p.body(), "below its last entry");
  }
  SECTION("a consumer's pending entry missing from the group's PEL") {
    stream_parts p;
    p.groups = rdb_bytes()
                   .len(1).str("g").id(5, 1).len(2)
                   .len(1).raw_id(5, 0).ms_time(now_ms).len(1)
                   .len(1).str("c").ms_time(now_ms).len(2).raw_id(5, 0).raw_id(5, 1)
                   .out;
    expect_refused(p.body(), "5-1 not found in group global PEL");
  }
  SECTION("a pending entry without consumer") {
    stream_parts p;
    p.groups = rdb_bytes()
                   .len(1).str("g").id(5, 1).len(2)
                   .len(1).raw_id(5, 0).ms_time(now_ms).len(1)
                   .len(1).str("c").ms_time(now_ms).len(0)
                   .out;
    expect_refused(p.body(), "without consumer");
  }
  SECTION("a pending entry owned twice") {
    stream_parts p;
    p.groups = rdb_bytes()
                   .len(1).str("g").id(5, 1).len(2)
                   .len(1).raw_id(5, 0).ms_time(now_ms).len(1)
                   .len(2).str("c").ms_time(now_ms).len(1).raw_id(5, 0)
                   .str("d").ms_time(now_ms).len(1).raw_id(5, 0)
                   .out;
    expect_refused(p.body(), "owned by two consumers");
    p.groups = rdb_bytes()
                   .len(1).str("g").id(5, 1).len(2)
                   .len(1).raw_id(5, 0).ms_time(now_ms).len(1)
                   .len(1).str("c").ms_time(now_ms).len(2).raw_id(5, 0).raw_id(5, 0)
                   .out;
    expect_refused(p.body(), "duplicated consumer PEL entry");
  }
  SECTION("duplicate groups, consumers, PEL entries") {
    stream_parts p;
    p.groups = rdb_bytes()
                   .len(2).str("g").id(5, 1).len(2).len(0).len(0)
                   .str("g").id(5, 1).len(2).len(0).len(0)
                   .out;
    expect_refused(p.body(), "duplicated consumer group name \"g\"");
    p.groups = rdb_bytes()
                   .len(1).str("g").id(5, 1).len(2).len(0)
                   .len(2).str("c").ms_time(now_ms).len(0).str("c").ms_time(now_ms).len(0)
                   .out;
    expect_refused(p.body(), "duplicate stream consumer \"c\"");
    p.groups = rdb_bytes()
                   .len(1).str("g").id(5, 1).len(2)
                   .len(2).raw_id(5, 0).ms_time(now_ms).len(1).raw_id(5, 0).ms_time(now_ms).len(1)
                   .len(0)
                   .out;
    expect_refused(p.body(), "duplicated global PEL entry 5-0");
  }
}

TEST_CASE("a truncated stream value is refused at every length", "[rdb][stream]") {
  const std::string body = rdb_dump_value(value(sample_stream()));
  const std::string full = body.substr(1, body.size() - 11);  // without type and footer
  for (size_t n = 0; n < full.size(); n += (n < 4096 ? 1 : 97)) {
    value v;
    std::string error;
    INFO("length " << n);
    CHECK_FALSE(restore(full.substr(0, n), v, error));
  }
}

TEST_CASE("flipped bytes in a stream value never crash the loader", "[rdb][stream]") {
  // With the checksum recomputed only the structural checks stand between garbage and memory
  // (run under ASan); whatever loads must be walkable and writable.
  stream_value small;
  for (uint64_t i = 1; i <= 30; ++i)
    add(small, {i, 0}, {"f", std::to_string(i), "g", i % 2 ? "odd" : "even"});
  bool created;
  stream_group& g = small.groups["g"];
  g.deliver({3, 0}, g.consumer("c", now_ms, created), now_ms);
  const std::string body = rdb_dump_value(value(std::move(small)));
  const std::string full = body.substr(1, body.size() - 11);
  size_t loaded = 0;
  for (size_t i = 0; i < full.size(); ++i) {
    for (uint8_t mask : {0x01, 0x20, 0xFF}) {
      std::string bad = full;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      value v;
      std::string error;
      if (!restore(bad, v, error))
        continue;
      ++loaded;
      size_t n = 0;
      v.stream().for_each({}, stream_id::max(), false, [&](const stream_value::entry& e) {
        n += e.fields_values.size();
        return true;
      });
      v.stream().for_each({}, stream_id::max(), true, [&](const stream_value::entry&) {
        return true;
      });
      CHECK(n % 2 == 0);
      (void)rdb_dump_value(v);
    }
  }
  CHECK(loaded > 0);  // (some flips only change a value's bytes)
}

TEST_CASE("a corrupt stream in a file is an error at its offset", "[rdb][stream]") {
  stream_parts p;
  p.nodes = rdb_bytes().len(1).str("short").str(good_node()).out;
  std::string file = "REDIS0010";
  file += std::string("\xfe\x00", 2);
  file += static_cast<char>(19);
  file += rdb_bytes().str("key").out;
  const size_t node_key_at = file.size() + 1;
  file += p.body();
  file += static_cast<char>(0xff);
  uint8_t crc[8];
  store_le(crc, crc64(0, file.data(), file.size()), 8);
  file.append(reinterpret_cast<const char*>(crc), 8);
  keyspace ks;
  rdb_load_info li;
  rdb_error err;
  REQUIRE_FALSE(rdb_load(file, ks, now_ms, true, li, err));
  CHECK(err.what.find("corrupt stream: node key") != std::string::npos);
  CHECK(err.offset == node_key_at);
}
