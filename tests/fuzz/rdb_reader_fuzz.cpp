// libFuzzer target: the RDB loader (storage/rdb/rdb_reader), given the bytes as a whole RDB
// file. It must accept or reject, never crash, leak or hang. What it accepts must be a sound
// keyspace: it is rendered (every value walked), written back with rdb_write with the function
// libraries it held, and that image must load again to the same content and libraries (the
// reader only collects their codes: running them is the keyspace's).
//
// Mutated bodies rarely keep a valid CRC-64; a file refused only for its checksum is loaded
// again with the checksum zeroed (checksums disabled), so the rest of the path is reached too.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "storage/rdb/keyspace_dump.hpp"
#include "storage/rdb/rdb_reader.hpp"
#include "storage/rdb/rdb_writer.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace credis;

namespace {

constexpr unix_ms now = 1704067200000;  // the fixtures' "now" (make_rdb_fixtures.py)

bool load(std::string_view bytes, keyspace& ks, bool skip_expired, rdb_load_info& info,
          rdb_error& err) {
  // An exactly sized copy: ASan sees any read past the end of the file.
  fuzz::exact_buffer buf(bytes);
  bool ok = rdb_load(buf.view(), ks, now, skip_expired, info, err);
  if (!ok) {
    FUZZ_CHECK(!err.what.empty());
    FUZZ_CHECK(err.offset <= bytes.size());
  }
  return ok;
}

// A set, hash or sorted set holds each member (field) once. dump_keyspace renders their
// content sorted: members, or member=value pairs, in hex, joined by ','.
// Aborts when the line's aggregate holds a member twice.
void check_no_duplicates(std::string_view line) {
  std::vector<std::string_view> cols;
  for (size_t from = 0;;) {
    size_t tab = line.find('\t', from);
    cols.push_back(line.substr(from, tab - from));
    if (tab == std::string_view::npos)
      break;
    from = tab + 1;
  }
  FUZZ_CHECK(cols.size() == 5);
  if (cols[1] != "set" && cols[1] != "hash" && cols[1] != "zset")
    return;
  std::string_view previous;
  bool first = true;
  for (size_t from = 0; from <= cols[4].size();) {
    size_t comma = cols[4].find(',', from);
    std::string_view item = cols[4].substr(from, comma - from);
    std::string_view member = item.substr(0, item.find('='));
    if (!first && member == previous) {
      std::fprintf(stderr, "loaded %s holds member %.*s twice: %.*s\n", std::string(cols[1]).c_str(),
                   static_cast<int>(member.size()), member.data(),
                   static_cast<int>(std::min<size_t>(line.size(), 300)), line.data());
      FUZZ_CHECK(!"a loaded set, hash or sorted set holds each member once");
    }
    previous = member;
    first = false;
    if (comma == std::string_view::npos)
      break;
    from = comma + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  keyspace ks;
  rdb_load_info info;
  rdb_error err;
  bool ok = load(bytes, ks, true, info, err);
  if (!ok && err.what.rfind("checksum mismatch", 0) == 0) {
    FUZZ_CHECK(err.offset + 8 <= size);  // the stored checksum was read
    std::string patched(bytes);
    std::memset(patched.data() + err.offset, 0, 8);
    ks.clear();
    info = {};
    err = {};
    ok = load(patched, ks, true, info, err);
  }
  if (!ok)
    return 0;

  FUZZ_CHECK(info.version >= 1 && info.version <= 12);
  std::vector<std::string> first = dump_keyspace(ks);
  FUZZ_CHECK(first.size() == ks.total_keys());
  for (const std::string& line : first)
    check_no_duplicates(line);

  rdb_save_info save;
  save.now = now;
  save.repl_stream_db = -1;
  save.function_codes = info.functions;
  string_sink image;
  rdb_write(ks, save, image);
  ks.clear();

  keyspace again;
  rdb_load_info info2;
  rdb_error err2;
  if (!load(image.data, again, false, info2, err2)) {
    std::fprintf(stderr, "rewritten image refused at %zu: %s\n", err2.offset, err2.what.c_str());
    FUZZ_CHECK(!"rdb_write's image of a loaded keyspace loads again");
  }
  FUZZ_CHECK(info2.functions == info.functions);  // libraries are written back as they came
  std::vector<std::string> second = dump_keyspace(again);
  if (first != second) {
    for (size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
      if (i >= first.size() || i >= second.size() || first[i] != second[i]) {
        std::fprintf(stderr, "first difference at line %zu:\n  loaded:   %s\n  reloaded: %s\n", i,
                     i < first.size() ? first[i].c_str() : "(none)",
                     i < second.size() ? second[i].c_str() : "(none)");
        break;
      }
    }
    FUZZ_CHECK(!"a loaded keyspace survives rdb_write and rdb_load unchanged");
  }
  return 0;
}
