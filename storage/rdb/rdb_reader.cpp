#include "storage/rdb/rdb_reader.hpp"

#include <fcntl.h>
#include <lzf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "protocol/integers.hpp"
#include "storage/rdb/byte_cursor.hpp"
#include "storage/rdb/crc64.hpp"
#include "storage/rdb/key_inserter.hpp"
#include "storage/rdb/packed_decoders.hpp"
#include "storage/rdb/rdb_format.hpp"
#include "storage/rdb/stream_codec.hpp"
#include "storage/rdb/value_io.hpp"

namespace credis {

namespace {

using namespace rdb;

// LZF's densest token turns 3 input bytes into 264 output bytes; a declared size above this
// ratio cannot be genuine and is refused before anything is allocated for it.
constexpr uint64_t lzf_max_ratio = 88;
// A listpack stays below this (its header counts bytes in 32 bits); more goes to a big container.
constexpr size_t max_listpack_bytes = size_t{1} << 30;
// A scratch string grown past this by one big value is given back rather than kept for the
// rest of the load.
constexpr size_t scratch_keep_limit = 64 * 1024;
// From this size on an RDB image's keys are put into the keyspace on a second thread
// (key_inserter), while this one decodes: 1M keys of 16+32 bytes load in 0.36-0.41 s instead
// of 0.50 (redis-server 1.18-1.22 s).
constexpr size_t threaded_insert_bytes = 4 << 20;

std::string hex64(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// What reading one value gave.
enum class read_result { loaded, empty };

// Implements rdb_value_input for the codecs in their own files (streams).
class loader final : public rdb_value_input {
 public:
  loader(std::string_view bytes, keyspace& ks, unix_ms now, bool skip_expired,
         rdb_load_info& info)
      : in_(bytes), c_(bytes), ks_(ks), now_(now), skip_expired_(skip_expired), info_(info) {}

  void run();
  // One DUMP payload's value (type byte, then the value; the footer is the caller's).
  void run_one(value& out);
  // A FUNCTION DUMP payload's libraries (the footer is the caller's); false at a record
  // that is not a library.
  bool run_functions(std::vector<std::string>& codes);

 private:
  // ---- primitives
  uint64_t read_len_or_encoding(bool& encoded);
  uint64_t read_len();
  std::string_view read_string(std::string& scratch);
  std::string read_owned_string();
  void read_lzf(std::string& out, size_t at);
  // Reads an LZF string after its encoding byte and decompresses it to alloc(length).
  template <class Alloc>
  void read_lzf_into(size_t at, Alloc&& alloc);
  double read_ascii_double();
  double read_binary_double();
  // A string holding a ziplist, listpack, intset or zipmap, and where its bytes are in the file
  // (for error offsets): exactly there when stored raw, else only its string's start is known.
  // An LZF-compressed one is decompressed into its own block, which a listpack can keep.
  struct free_block {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  struct blob {
    std::string_view data;
    size_t base;
    bool exact;
    std::unique_ptr<uint8_t, free_block> block;  // holds `data` when set
  };
  blob read_blob();
  // At most how many elements of `min_bytes` each the rest of the input can hold: the cap for
  // reserving room from a declared count.
  size_t reservable(uint64_t n, size_t min_bytes) const {
    return static_cast<size_t>(std::min<uint64_t>(n, c_.remaining() / min_bytes));
  }

  // ---- objects
  void read_header();
  void read_aux();
  std::string read_function(uint8_t op);
  void read_key_value(uint8_t type, size_t type_at);
  read_result read_value(uint8_t type, size_t type_at, value& out);
  read_result read_list(uint8_t type, value& out);
  read_result read_set(uint8_t type, value& out);
  read_result read_zset(uint8_t type, value& out);
  read_result read_hash(uint8_t type, value& out);
  double parse_score(std::string_view text, size_t at);

  // ---- rdb_value_input (for read_stream)
  byte_cursor& cursor() override { return c_; }
  uint64_t length() override { return read_len(); }
  std::string string() override { return read_owned_string(); }
  listpack listpack_string() override;

  // ---- compact encodings
  enum class packing { listpack, ziplist, intset, zipmap };
  // Calls f(packed_item) for each entry of the blob, validating it on the way.
  template <class F>
  void for_each_item(const blob& b, packing p, F&& f);
  // The blob's entries as a listpack in `out` (the blob itself when it is one), and entries_
  // holds each of them; false (and `out` untouched) when there are more than `bound`.
  bool to_listpack(blob& b, packing p, size_t bound, listpack& out);
  // Whether entries_[0], entries_[stride], entries_[2 * stride]... holds an entry twice.
  bool has_duplicates(size_t stride);
  template <class T>
  read_result loaded_unless_empty(T&& container, value& out);
  read_result finish_list(listpack lp, value& out);
  read_result finish_set(listpack lp, size_t at, value& out);
  read_result finish_hash(listpack lp, size_t at, value& out);
  read_result finish_zset(listpack lp, size_t at, value& out);
  void check_known_type(uint8_t type, size_t at);

  std::string_view in_;
  byte_cursor c_;
  keyspace& ks_;
  unix_ms now_;
  bool skip_expired_;
  // The next key's IDLE or FREQ opcode (Redis writes them under an LRU or LFU policy); -1: none.
  int64_t idle_seconds_ = -1, frequency_ = -1;
  rdb_load_info& info_;

  int db_index_ = 0;                  // the database the keys read go to
  key_inserter* inserter_ = nullptr;  // run()'s
  bool has_expire_ = false;
  int64_t expire_ms_ = 0;
  std::string key_scratch_, blob_scratch_;
  void read_records();
  // Waits for the keys read to be in; fails at a duplicate among them.
  void finish_inserts();
  [[noreturn]] void fail_duplicate(const key_inserter::duplicate& d) const;
  std::vector<packed_item> entries_;  // the entries of the listpack being finished
  std::vector<packed_item> scratch_;  // of has_duplicates
};

uint64_t loader::read_len_or_encoding(bool& encoded) {
  const size_t at = c_.offset();
  const uint8_t b = c_.u8();
  encoded = false;
  switch (b >> 6) {
    case len_6bit: return b & 0x3F;
    case len_14bit: return (uint64_t{b & 0x3Fu} << 8) | c_.u8();
    case len_encoded: encoded = true; return b & 0x3F;
    default:
      if (b == len_32bit)
        return c_.be(4);
      if (b == len_64bit)
        return c_.be(8);
      c_.fail_at(at, "unknown length encoding " + hex64(b));
  }
}

uint64_t loader::read_len() {
  const size_t at = c_.offset();
  bool encoded;
  uint64_t n = read_len_or_encoding(encoded);
  if (encoded)
    c_.fail_at(at, "expected a length, found a string encoding byte");
  return n;
}

namespace {

std::string_view int_text(std::string& scratch, int64_t v) {
  scratch.clear();
  append_int64(scratch, v);
  return scratch;
}

}  // namespace

std::string_view loader::read_string(std::string& scratch) {
  const size_t at = c_.offset();
  bool encoded;
  uint64_t n = read_len_or_encoding(encoded);
  if (!encoded)
    return c_.take(n);
  switch (n) {
    case enc_int8: return int_text(scratch, static_cast<int8_t>(c_.u8()));
    case enc_int16: return int_text(scratch, static_cast<int16_t>(c_.le(2)));
    case enc_int32: return int_text(scratch, static_cast<int32_t>(c_.le(4)));
    case enc_lzf: read_lzf(scratch, at); return scratch;
    default: c_.fail_at(at, "unknown string encoding " + std::to_string(n));
  }
}

std::string loader::read_owned_string() {
  std::string s;
  std::string_view v = read_string(s);
  if (v.data() == s.data())
    return s;
  return std::string(v);
}

template <class Alloc>
void loader::read_lzf_into(size_t at, Alloc&& alloc) {
  const uint64_t clen = read_len();
  const uint64_t len = read_len();
  std::string_view packed = c_.take(clen);
  if (clen > 0xFFFFFFFFu || len > 0xFFFFFFFFu || len > clen * lzf_max_ratio)
    c_.fail_at(at, "invalid LZF string (" + std::to_string(clen) + " bytes cannot hold " +
                       std::to_string(len) + ")");
  char* out = alloc(static_cast<size_t>(len));
  unsigned got = len == 0 ? 0
                          : lzf_decompress(packed.data(), static_cast<unsigned>(clen), out,
                                           static_cast<unsigned>(len));
  if (got != len)
    c_.fail_at(at, "invalid LZF-compressed string");
}

void loader::read_lzf(std::string& out, size_t at) {
  read_lzf_into(at, [&](size_t len) {
    out.resize(len);
    return out.data();
  });
}

double loader::read_ascii_double() {
  const size_t at = c_.offset();
  const uint8_t n = c_.u8();
  switch (n) {
    case double_nan: return std::nan("");
    case double_pos_inf: return HUGE_VAL;
    case double_neg_inf: return -HUGE_VAL;
  }
  std::string text(c_.take(n));
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    c_.fail_at(at, "invalid double \"" + text + "\"");
  return d;
}

double loader::read_binary_double() {
  uint64_t bits = c_.le(8);
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

loader::blob loader::read_blob() {
  const size_t at = c_.offset();
  if (c_.peek() == ((len_encoded << 6) | enc_lzf)) {
    c_.u8();
    blob b{{}, at, false, {}};
    read_lzf_into(at, [&](size_t len) {
      b.block.reset(static_cast<uint8_t*>(std::malloc(std::max<size_t>(len, 1))));
      if (!b.block)
        throw std::bad_alloc();
      b.data = {reinterpret_cast<const char*>(b.block.get()), len};
      return reinterpret_cast<char*>(b.block.get());
    });
    return b;
  }
  std::string_view data = read_string(blob_scratch_);
  if (data.data() != blob_scratch_.data())  // a view into the input
    return {data, static_cast<size_t>(data.data() - in_.data()), true, {}};
  return {data, at, false, {}};  // an integer: no valid blob, the decoders will say so
}

void loader::read_header() {
  std::string_view magic = c_.take(9);
  if (magic.substr(0, 5) != "REDIS")
    c_.fail_at(0, "not an RDB file (no REDIS signature)");
  int version = 0;
  for (char ch : magic.substr(5)) {
    if (ch < '0' || ch > '9')
      c_.fail_at(5, "bad RDB version field \"" + std::string(magic.substr(5)) + "\"");
    version = version * 10 + (ch - '0');
  }
  if (version < min_version || version > max_version)
    c_.fail_at(5, "unsupported RDB version " + std::to_string(version) + " (this server reads " +
                      std::to_string(min_version) + " to " + std::to_string(max_version) + ")");
  info_.version = version;
}

void loader::read_aux() {
  std::string kscratch, vscratch;
  std::string key(read_string(kscratch));
  std::string val(read_string(vscratch));
  if (key == "repl-id") {
    if (val.size() == 40)
      info_.repl_id = val;
  } else if (key == "repl-offset") {
    int64_t off;
    if (std::from_chars(val.data(), val.data() + val.size(), off).ec == std::errc{})
      info_.repl_offset = off;
  } else if (key == "repl-stream-db") {
    int db;
    if (std::from_chars(val.data(), val.data() + val.size(), db).ec == std::errc{})
      info_.repl_stream_db = db;
  }
  info_.aux[std::move(key)] = std::move(val);
}

// Redis's rdbFunctionLoad: a FUNCTION2 record is the library's code as FUNCTION LOAD got it;
// the 7.0 release candidates wrote name, engine, an optional description and the code after
// the shebang line, which Redis turns into "#!<engine> name=<name>\n<code>" (description
// dropped).
std::string loader::read_function(uint8_t op) {
  if (op == op_function2)
    return read_owned_string();
  const std::string name = read_owned_string();
  const std::string engine = read_owned_string();
  if (read_len() != 0)
    read_owned_string();  // the description
  return "#!" + engine + " name=" + name + "\n" + read_owned_string();
}

void loader::check_known_type(uint8_t type, size_t at) {
  switch (type) {
    case type_string: case type_list: case type_set: case type_zset: case type_hash:
    case type_zset_2: case type_hash_zipmap: case type_list_ziplist: case type_set_intset:
    case type_zset_ziplist: case type_hash_ziplist: case type_list_quicklist:
    case type_stream_listpacks: case type_hash_listpack: case type_zset_listpack:
    case type_list_quicklist_2: case type_stream_listpacks_2: case type_set_listpack:
    case type_stream_listpacks_3:
      return;
    case type_module_pre_ga: case type_module_2:
      c_.fail_at(at, "cannot load a module value of type " + std::to_string(type) +
                         " (module data not supported)");
    case type_hash_metadata_pre_ga: case type_hash_listpack_ex_pre_ga: case type_hash_metadata:
    case type_hash_listpack_ex:
      c_.fail_at(at, "unsupported type " + std::to_string(type) +
                         " (hash with field expiry, Redis 7.4)");
    default:
      c_.fail_at(at, "unknown value type " + std::to_string(type));
  }
}

void loader::run() {
  ks_.set_access_time(now_);
  read_header();
  key_inserter inserter(ks_, now_, in_.size() >= threaded_insert_bytes);
  inserter_ = &inserter;
  try {
    read_records();
  } catch (const parse_error&) {
    // A duplicate among the keys read before comes first in the file.
    if (auto d = inserter.finish())
      fail_duplicate(*d);
    throw;
  }
}

void loader::finish_inserts() {
  if (auto d = inserter_->finish())
    fail_duplicate(*d);
}

void loader::fail_duplicate(const key_inserter::duplicate& d) const {
  c_.fail_at(d.type_at, "duplicate key \"" + d.key + "\"");
}

void loader::read_records() {
  size_t next_report = rdb_load_info::progress_interval;
  for (;;) {
    const size_t at = c_.offset();
    if (at >= next_report && info_.progress) {
      info_.progress(at, in_.size());
      next_report = at + rdb_load_info::progress_interval;
    }
    const uint8_t op = c_.u8();
    switch (op) {
      case op_eof: {
        finish_inserts();
        if (has_expire_)
          c_.fail_at(at, "expiry time without a key before the end of file");
        if (info_.version >= checksum_version) {
          const size_t sum_at = c_.offset();
          const uint64_t stored = c_.le(8);
          if (stored != 0) {  // zero: the writer had checksums disabled
            const uint64_t computed = crc64(0, in_.data(), sum_at);
            if (computed != stored)
              c_.fail_at(sum_at, "checksum mismatch (file says " + hex64(stored) +
                                     ", computed " + hex64(computed) + ")");
          }
        }
        return;
      }
      case op_selectdb: {
        uint64_t index = read_len();
        if (index >= static_cast<uint64_t>(keyspace::db_count))
          c_.fail_at(at, "database index " + std::to_string(index) + " out of range (0 to " +
                             std::to_string(keyspace::db_count - 1) + ")");
        db_index_ = static_cast<int>(index);
        break;
      }
      case op_resizedb: {
        uint64_t size = read_len();
        read_len();  // expires size
        // Smallest possible key: type byte, empty key, empty value.
        inserter_->reserve(db_index_, reservable(size, 3));
        break;
      }
      case op_expiretime_ms:
        expire_ms_ = static_cast<int64_t>(c_.le(8));
        has_expire_ = true;
        break;
      case op_expiretime:
        expire_ms_ = int64_t{static_cast<int32_t>(c_.le(4))} * 1000;
        has_expire_ = true;
        break;
      case op_freq: frequency_ = c_.u8(); break;
      case op_idle: idle_seconds_ = static_cast<int64_t>(read_len() & INT64_MAX); break;
      case op_aux: read_aux(); break;
      case op_slot_info:
        read_len();  // slot id
        read_len();  // slot size
        read_len();  // expires slot size
        break;
      case op_module_aux:
        c_.fail_at(at, "cannot load module auxiliary data (module data not supported)");
      case op_function_pre_ga:
      case op_function2: info_.functions.push_back(read_function(op)); break;
      default: read_key_value(op, at); break;
    }
  }
}

void loader::read_key_value(uint8_t type, size_t type_at) {
  check_known_type(type, type_at);
  std::string_view key = read_string(key_scratch_);
  // A key decoded into key_scratch_ (int or LZF) must not be overwritten by the value's own
  // strings: read_value uses blob_scratch_ and locals only.
  value v;
  read_result r = read_value(type, type_at, v);
  const bool had_expire = has_expire_;
  const int64_t expire_ms = expire_ms_;
  has_expire_ = false;
  const int64_t idle = std::exchange(idle_seconds_, -1), frequency = std::exchange(frequency_, -1);
  if (had_expire && skip_expired_ && expire_ms < now_) {
    ++info_.expired_skipped;
    return;
  }
  if (r == read_result::empty)
    return;
  // Deadline 0 means "none" in the keyspace: a deadline at or before the epoch becomes 1 ms,
  // which is just as much in the past.
  const unix_ms deadline = had_expire ? std::max<int64_t>(expire_ms, 1) : no_expiry;
  inserter_->put(db_index_, key, std::move(v), deadline, idle, frequency, type_at);
  ++info_.keys_loaded;
  if (inserter_->failed())
    finish_inserts();
}

read_result loader::read_value(uint8_t type, size_t type_at, value& out) {
  switch (type) {
    case type_string:
      out = value(read_string(blob_scratch_));
      if (blob_scratch_.capacity() > scratch_keep_limit)  // an LZF string of its size
        std::string().swap(blob_scratch_);
      return read_result::loaded;
    case type_list: case type_list_ziplist: case type_list_quicklist:
    case type_list_quicklist_2:
      return read_list(type, out);
    case type_set: case type_set_intset: case type_set_listpack:
      return read_set(type, out);
    case type_zset: case type_zset_2: case type_zset_ziplist: case type_zset_listpack:
      return read_zset(type, out);
    case type_hash: case type_hash_zipmap: case type_hash_ziplist: case type_hash_listpack:
      return read_hash(type, out);
    case type_stream_listpacks: case type_stream_listpacks_2: case type_stream_listpacks_3:
      // Loaded even when empty: Redis keeps a stream without entries (its groups, last ID).
      out = value(read_stream(type, *this));
      return read_result::loaded;
  }
  c_.fail_at(type_at, "unknown value type " + std::to_string(type));  // checked before
}

// ---- aggregates
// A listpack (hash, sorted set, list node, 7.2 set) is kept as the file has it, an intset too:
// that is how credis holds small aggregates. Legacy encodings (ziplist, zipmap) become a
// listpack. finish_* checks the entries (duplicates, pairs, scores) and keeps the listpack as the
// value's small representation when within Redis's limits, or makes the big one from it. Plain
// encodings go through the containers' own insert, which changes representation itself.

template <class F>
void loader::for_each_item(const blob& b, packing p, F&& f) {
  packed_item item;
  switch (p) {
    case packing::listpack: {
      listpack_reader r(b.data, b.base, b.exact);
      while (r.next(item))
        f(item);
      return;
    }
    case packing::ziplist: {
      ziplist_reader r(b.data, b.base, b.exact);
      while (r.next(item))
        f(item);
      return;
    }
    case packing::intset: {
      intset_reader r(b.data, b.base, b.exact);
      item.is_int = true;
      while (r.next(item.num))
        f(item);
      return;
    }
    case packing::zipmap: {
      zipmap_reader r(b.data, b.base, b.exact);
      std::string_view key, val;
      while (r.next(key, val)) {
        item.str = key;
        f(item);
        item.str = val;
        f(item);
      }
      return;
    }
  }
}

bool loader::to_listpack(blob& b, packing p, size_t bound, listpack& out) {
  if (p == packing::listpack && scan_listpack(b.data, entries_)) {
    const size_t count = entries_.size();
    if (count > bound)
      return false;
    out = b.block ? listpack::adopt(b.block.release(), count) : listpack::from_bytes(b.data, count);
    return true;  // (entries_ still views the same bytes)
  }
  size_t count = 0, bytes = 0;
  for_each_item(b, p, [&](const packed_item& item) {  // checks it all (and reports corruption)
    ++count;
    bytes += (item.is_int ? 9 : 5 + item.str.size()) + 5;
  });
  if (count > bound || bytes > max_listpack_bytes)
    return false;
  out.clear();
  out.reserve_bytes(bytes);
  char buf[24];
  for_each_item(b, p, [&](const packed_item& item) { out.push_back(item.view(buf)); });
  // A listpack just built is valid, so the fast scan lists its entries (views of its block).
  [[maybe_unused]] const bool scanned = scan_listpack(out.data(), entries_);
  assert(scanned);
  return true;
}

listpack loader::listpack_string() {
  blob b = read_blob();
  if (!scan_listpack(b.data, entries_)) {
    for_each_item(b, packing::listpack, [](const packed_item&) {});  // says what is wrong
    c_.fail_at(b.base, "corrupt listpack");
  }
  // More entries than the header can count: Redis's "unknown" count, as it writes them.
  const size_t count = std::min<size_t>(entries_.size(), 0xFFFF);
  return b.block ? listpack::adopt(b.block.release(), count) : listpack::from_bytes(b.data, count);
}

namespace {

// A string entry that spells a canonical integer is the same member as that integer entry
// (Redis compares entries as text). Redis never writes such a string entry, a crafted file may.
packed_item as_compared(const packed_item& item) {
  packed_item out = item;
  if (!item.is_int && !item.str.empty() && item.str.size() <= 20 &&
      (item.str[0] == '-' || (item.str[0] >= '0' && item.str[0] <= '9')) &&
      parse_int64(item.str, out.num))
    out.is_int = true;
  return out;
}

bool same(const packed_item& a, const packed_item& b) {
  return a.is_int == b.is_int && (a.is_int ? a.num == b.num : a.str == b.str);
}

// Equal entries have equal fingerprints (a hash of every byte: members often differ in one
// byte in the middle): a cheap first comparison.
uint64_t fingerprint(const packed_item& item) {
  if (item.is_int)
    return static_cast<uint64_t>(item.num) * 0xC2B2AE3D27D4EB4FULL + 1;
  const char* p = item.str.data();
  size_t n = item.str.size();
  uint64_t h = n * 0x9E3779B97F4A7C15ULL;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i)
    w = (w << 8) | static_cast<uint8_t>(p[i]);
  h = (h ^ w) * 0x94D049BB133111EBULL;
  return h ^ (h >> 29);
}

}  // namespace

bool loader::has_duplicates(size_t stride) {
  const size_t n = (entries_.size() + stride - 1) / stride;
  if (n > 16) {
    scratch_.clear();
    for (size_t i = 0; i < entries_.size(); i += stride)
      scratch_.push_back(as_compared(entries_[i]));
    std::sort(scratch_.begin(), scratch_.end(), [](const packed_item& a, const packed_item& b) {
      if (a.is_int != b.is_int)
        return a.is_int;
      return a.is_int ? a.num < b.num : a.str < b.str;
    });
    return std::adjacent_find(scratch_.begin(), scratch_.end(), same) != scratch_.end();
  }
  // Few: a 64-bit filter of fingerprints, and the earlier entries compared only on a hit.
  uint64_t prints[16], seen = 0;
  for (size_t k = 0; k < n; ++k) {
    const packed_item item = as_compared(entries_[k * stride]);
    prints[k] = fingerprint(item);
    const uint64_t bit = uint64_t{1} << ((prints[k] * 0x9E3779B97F4A7C15ULL) >> 58);
    if (seen & bit)
      for (size_t j = 0; j < k; ++j)
        if (prints[j] == prints[k] && same(as_compared(entries_[j * stride]), item))
          return true;
    seen |= bit;
  }
  return false;
}

template <class T>
read_result loader::loaded_unless_empty(T&& container, value& out) {
  if (container.empty())
    return read_result::empty;
  out = value(std::forward<T>(container));
  return read_result::loaded;
}

read_result loader::finish_list(listpack lp, value& out) {
  if (lp.bytes() <= limits::list_bytes)
    return loaded_unless_empty(list_value(std::move(lp)), out);
  list_value big;  // (a quicklist of nodes within the limit)
  for (const element& e : lp)
    big.push_back(e.view());
  return loaded_unless_empty(std::move(big), out);
}

read_result loader::finish_set(listpack lp, size_t at, value& out) {
  const size_t n = entries_.size();
  if (has_duplicates(1))
    c_.fail_at(at, "duplicate set member");
  auto is_int = [](const packed_item& m) { return m.is_int; };
  if (n <= limits::set_int_entries && std::all_of(entries_.begin(), entries_.end(), is_int)) {
    intset ints;
    for (const packed_item& m : entries_)
      ints.insert(m.num);
    return loaded_unless_empty(set_value(small_set(std::move(ints))), out);
  }
  if (n <= limits::set_entries &&
      std::all_of(entries_.begin(), entries_.end(), [](const packed_item& m) {
        return m.is_int || m.str.size() <= limits::set_value;
      }))
    return loaded_unless_empty(set_value(small_set(std::move(lp))), out);
  member_table big;
  big.reserve(n);
  char buf[24];
  for (const packed_item& m : entries_)
    big.insert(m.view(buf));
  return loaded_unless_empty(set_value(std::move(big)), out);
}

read_result loader::finish_hash(listpack lp, size_t at, value& out) {
  const size_t n = entries_.size();
  if (n % 2 != 0)
    c_.fail_at(at, "corrupt hash: a field without a value");
  if (has_duplicates(2))
    c_.fail_at(at, "duplicate hash field");
  if (n / 2 <= limits::hash_entries &&
      std::all_of(entries_.begin(), entries_.end(), [](const packed_item& e) {
        return e.is_int || hash_value::fits_packed(e.str);
      }))
    return loaded_unless_empty(hash_value(std::move(lp)), out);
  field_table big;
  big.reserve(n / 2);
  char fbuf[24], vbuf[24];
  for (size_t i = 0; i < n; i += 2)
    big.insert(entries_[i].view(fbuf), entries_[i + 1].view(vbuf));
  return loaded_unless_empty(hash_value(std::move(big)), out);
}

read_result loader::finish_zset(listpack lp, size_t at, value& out) {
  const size_t n = entries_.size();
  if (n % 2 != 0)
    c_.fail_at(at, "corrupt sorted set: a member without a score");
  bool fits = n / 2 <= limits::zset_entries, sorted = true;
  double prev = 0;
  char buf[24], prev_buf[24];
  for (size_t i = 0; i < n; i += 2) {
    const packed_item& member = entries_[i];
    const packed_item& s = entries_[i + 1];
    const double score = s.is_int ? static_cast<double>(s.num) : parse_score(s.str, at);
    fits = fits && (member.is_int || member.str.size() <= limits::zset_value);
    if (i > 0 && sorted &&  // (members compare as text, integers by their digits)
        (score < prev ||
         (score == prev && member.view(buf) <= entries_[i - 2].view(prev_buf))))
      sorted = false;
    prev = score;
  }
  if (has_duplicates(2))
    c_.fail_at(at, "duplicate zset member");
  if (fits && sorted)
    return loaded_unless_empty(zset_value(std::move(lp)), out);
  // Out of order (no Redis writes that) or too big: insert one by one.
  zset_value z = fits ? zset_value() : zset_value(zset_index{});
  for (size_t i = 0; i < n; i += 2) {
    const packed_item& s = entries_[i + 1];
    z.insert(entries_[i].view(buf), s.is_int ? static_cast<double>(s.num) : parse_score(s.str, at));
  }
  return loaded_unless_empty(std::move(z), out);
}

read_result loader::read_list(uint8_t type, value& out) {
  list_value list;
  std::string scratch;
  char buf[24];
  auto add_all = [&](const blob& b, packing p) {
    for_each_item(b, p, [&](const packed_item& item) { list.push_back(item.view(buf)); });
  };
  if (type == type_list) {
    for (uint64_t n = read_len(); n > 0; --n)
      list.push_back(read_string(scratch));
  } else if (type == type_list_ziplist) {
    blob b = read_blob();
    listpack lp;
    if (to_listpack(b, packing::ziplist, listpack::max_count, lp))
      return finish_list(std::move(lp), out);
    add_all(b, packing::ziplist);
  } else if (type == type_list_quicklist) {
    for (uint64_t nodes = read_len(); nodes > 0; --nodes)
      add_all(read_blob(), packing::ziplist);
  } else {  // quicklist 2: nodes are single plain elements or listpacks
    const uint64_t nodes = read_len();
    // A big list's listpack nodes become its nodes as they are (checked, not rebuilt).
    quicklist big;
    size_t big_bytes = 0;
    for (uint64_t i = 0; i < nodes; ++i) {
      const size_t at = c_.offset();
      uint64_t container = read_len();
      if (container == quicklist_node_plain) {
        big.push_back(read_string(scratch));
        big_bytes = SIZE_MAX;  // (a plain node's element is over 1 GB in Redis)
      } else if (container == quicklist_node_packed) {
        blob b = read_blob();
        listpack lp;
        if (!to_listpack(b, packing::listpack, listpack::max_count, lp)) {
          for_each_item(b, packing::listpack, [&](const packed_item& item) {
            big.push_back(item.view(buf));
          });
          big_bytes = SIZE_MAX;
        } else if (nodes == 1) {
          return finish_list(std::move(lp), out);
        } else if (!lp.empty()) {  // (Redis skips an empty node too)
          big_bytes = big_bytes == SIZE_MAX ? big_bytes : big_bytes + lp.bytes();
          big.append_node(std::move(lp));
        }
      } else {
        c_.fail_at(at, "unknown quicklist node container " + std::to_string(container));
      }
    }
    if (big_bytes > limits::list_bytes)
      return loaded_unless_empty(list_value(std::move(big)), out);
    for (const element& e : big)  // small enough for one listpack, as the list's own
      list.push_back(e.view());
  }
  return loaded_unless_empty(std::move(list), out);
}

read_result loader::read_set(uint8_t type, value& out) {
  char buf[24];
  if (type == type_set) {
    uint64_t n = read_len();
    set_value set;
    if (n > limits::set_int_entries) {
      member_table big;
      big.reserve(reservable(n, 1));
      set = set_value(std::move(big));
    }
    std::string scratch;
    for (; n > 0; --n) {
      const size_t at = c_.offset();
      if (!set.insert(read_string(scratch)))
        c_.fail_at(at, "duplicate set member");
    }
    return loaded_unless_empty(std::move(set), out);
  }
  blob b = read_blob();
  if (type == type_set_intset) {
    size_t n = 0;
    if (!scan_intset(b.data, n))  // then this reports what is wrong
      for_each_item(b, packing::intset, [&](const packed_item&) { ++n; });
    if (n <= limits::set_int_entries) {
      intset ints = b.block ? intset::adopt(b.block.release()) : intset::from_bytes(b.data);
      return loaded_unless_empty(set_value(small_set(std::move(ints))), out);
    }
    member_table big;
    big.reserve(n);
    for_each_item(b, packing::intset, [&](const packed_item& item) { big.insert(item.view(buf)); });
    return loaded_unless_empty(set_value(std::move(big)), out);
  }
  listpack lp;  // a set listpack (7.2)
  if (to_listpack(b, packing::listpack, limits::set_int_entries, lp))
    return finish_set(std::move(lp), b.base, out);
  member_table big;
  for_each_item(b, packing::listpack, [&](const packed_item& item) {
    if (!big.insert(item.view(buf)))
      c_.fail_at(b.base, "duplicate set member");
  });
  return loaded_unless_empty(set_value(std::move(big)), out);
}

double loader::parse_score(std::string_view text, size_t at) {
  double d;
  if (!credis::parse_score(text, d))
    c_.fail_at(at, "invalid zset score \"" + std::string(text.substr(0, 64)) + "\"");
  if (std::isnan(d))
    c_.fail_at(at, "zset score is NaN");
  return d;
}

read_result loader::read_zset(uint8_t type, value& out) {
  if (type == type_zset || type == type_zset_2) {
    const uint64_t n = read_len();
    zset_value z = n > limits::zset_entries ? zset_value(zset_index{}) : zset_value();
    std::string scratch;
    for (uint64_t i = 0; i < n; ++i) {
      const size_t at = c_.offset();
      const std::string_view member = read_string(scratch);  // the doubles do not use scratch
      const double score = type == type_zset ? read_ascii_double() : read_binary_double();
      if (std::isnan(score))
        c_.fail_at(at, "zset score is NaN");
      if (!z.insert(member, score))
        c_.fail_at(at, "duplicate zset member");
    }
    return loaded_unless_empty(std::move(z), out);
  }
  blob b = read_blob();
  const packing p = type == type_zset_ziplist ? packing::ziplist : packing::listpack;
  listpack lp;
  if (to_listpack(b, p, 2 * limits::zset_entries, lp))
    return finish_zset(std::move(lp), b.base, out);
  zset_value z{zset_index{}};
  std::string member;
  bool have_member = false;
  char buf[24];
  for_each_item(b, p, [&](const packed_item& item) {
    if (!have_member) {
      member = item.view(buf);
    } else if (!z.insert(member, item.is_int ? static_cast<double>(item.num)
                                             : parse_score(item.str, b.base))) {
      c_.fail_at(b.base, "duplicate zset member");
    }
    have_member = !have_member;
  });
  if (have_member)
    c_.fail_at(b.base, "corrupt sorted set: a member without a score");
  return loaded_unless_empty(std::move(z), out);
}

read_result loader::read_hash(uint8_t type, value& out) {
  if (type == type_hash) {
    uint64_t n = read_len();
    hash_value hash;
    if (n > limits::hash_entries) {
      field_table big;
      big.reserve(reservable(n, 2));
      hash = hash_value(std::move(big));
    }
    std::string field_scratch, value_scratch;
    for (; n > 0; --n) {
      const size_t at = c_.offset();
      const std::string_view field = read_string(field_scratch);
      if (!hash.insert(field, read_string(value_scratch)))
        c_.fail_at(at, "duplicate hash field");
    }
    return loaded_unless_empty(std::move(hash), out);
  }
  blob b = read_blob();
  const packing p = type == type_hash_zipmap    ? packing::zipmap
                    : type == type_hash_ziplist ? packing::ziplist
                                                : packing::listpack;
  listpack lp;
  if (to_listpack(b, p, 2 * limits::hash_entries, lp))
    return finish_hash(std::move(lp), b.base, out);
  field_table big;
  std::string field;
  bool have_field = false;
  char buf[24];
  for_each_item(b, p, [&](const packed_item& item) {
    if (!have_field)
      field = item.view(buf);
    else if (!big.insert(field, item.view(buf)))
      c_.fail_at(b.base, "duplicate hash field");
    have_field = !have_field;
  });
  if (have_field)
    c_.fail_at(b.base, "corrupt hash: a field without a value");
  return loaded_unless_empty(hash_value(std::move(big)), out);
}

}  // namespace

void loader::run_one(value& out) {
  info_.version = 10;  // what DUMP writes: the encodings of Redis 7.0
  const size_t at = c_.offset();
  const uint8_t type = c_.u8();
  check_known_type(type, at);
  read_result r = read_value(type, at, out);
  if (r == read_result::empty)
    c_.fail_at(at, "an empty aggregate");
  if (c_.remaining() != 0)
    c_.fail_at(c_.offset(), "bytes after the value");
}

bool loader::run_functions(std::vector<std::string>& codes) {
  while (!c_.at_end()) {
    const uint8_t op = c_.u8();
    if (op != op_function2 && op != op_function_pre_ga)
      return false;
    codes.push_back(read_function(op));
  }
  return true;
}

namespace {

// A DUMP payload's footer (Redis's verifyDumpPayload): the RDB version (2 bytes, at most
// Redis 7.0's 10) and the CRC64 of everything before the checksum (8), little-endian.
bool dump_footer_ok(std::string_view payload) {
  if (payload.size() < 10)
    return false;
  const auto* end = reinterpret_cast<const uint8_t*>(payload.data() + payload.size());
  const unsigned version = end[-10] | (end[-9] << 8);
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i)
    stored |= uint64_t{end[-8 + i]} << (8 * i);
  return version <= 10 && crc64(0, payload.data(), payload.size() - 8) == stored;
}

}  // namespace

bool rdb_restore_functions(std::string_view payload, std::vector<std::string>& codes,
                           std::string& error) {
  if (!dump_footer_ok(payload)) {
    error = "DUMP payload version or checksum are wrong";
    return false;
  }
  keyspace unused;
  rdb_load_info info;
  try {
    if (loader(payload.substr(0, payload.size() - 10), unused, 0, false, info)
            .run_functions(codes))
      return true;
    error = "given type is not a function";
    return false;
  } catch (parse_error&) {
    error = "Failed loading library payload";  // Redis's words for a record it cannot read
  } catch (const std::bad_alloc&) {
    error = "Failed loading library payload";
  } catch (const std::length_error&) {
    error = "Failed loading library payload";
  }
  return false;
}

bool rdb_restore_value(std::string_view payload, value& out, std::string& error) {
  if (!dump_footer_ok(payload)) {
    error = "version or checksum";
    return false;
  }
  keyspace unused;
  rdb_load_info info;
  try {
    loader(payload.substr(0, payload.size() - 10), unused, 0, false, info).run_one(out);
    return true;
  } catch (parse_error& e) {
    error = std::move(e.what);
  } catch (const std::bad_alloc&) {
    error = "out of memory";
  } catch (const std::length_error&) {
    error = "out of memory";
  }
  return false;
}

bool rdb_load(std::string_view bytes, keyspace& ks, unix_ms now, bool skip_expired,
              rdb_load_info& info, rdb_error& err) {
  try {
    loader(bytes, ks, now, skip_expired, info).run();
    return true;
  } catch (parse_error& e) {
    err.offset = e.offset;
    err.what = std::move(e.what);
  } catch (const std::bad_alloc&) {
    err.offset = 0;
    err.what = "out of memory while loading";
  } catch (const std::length_error&) {
    err.offset = 0;
    err.what = "out of memory while loading";
  }
  return false;
}

bool rdb_load_file(const std::string& path, keyspace& ks, unix_ms now, bool skip_expired,
                   rdb_load_info& info, rdb_error& err) {
  auto fail = [&](const std::string& what) {
    err.offset = 0;
    err.what = what + ": " + std::strerror(errno);
    return false;
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail("cannot open " + path);
  struct stat st;
  const bool stat_ok = ::fstat(fd, &st) == 0;
  // A regular file is mapped (the page cache itself, no copy). The files are replaced by
  // rename, never rewritten in place, so the mapping cannot shrink under the loader.
  if (stat_ok && S_ISREG(st.st_mode) && st.st_size > 0) {
    const size_t size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map != MAP_FAILED) {
      ::close(fd);
      const bool ok =
          rdb_load(std::string_view(static_cast<const char*>(map), size), ks, now, skip_expired,
                   info, err);
      ::munmap(map, size);
      return ok;
    }
  }
  // Otherwise read into one buffer of the file's size; keep reading in case it grew.
  std::string data;
  if (stat_ok && st.st_size > 0)
    data.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  for (;;) {
    if (got == data.size())
      data.resize(got + (1 << 16));
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      return fail("cannot read " + path);
    }
    if (n == 0)
      break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  ::close(fd);
  return rdb_load(data, ks, now, skip_expired, info, err);
}

}  // namespace credis
