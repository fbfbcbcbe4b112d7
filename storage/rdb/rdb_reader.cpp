#include "storage/rdb/rdb_reader.hpp"

#include <fcntl.h>
#include <lzf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "storage/rdb/byte_cursor.hpp"
#include "storage/rdb/crc64.hpp"
#include "storage/rdb/packed_decoders.hpp"
#include "storage/rdb/rdb_format.hpp"

namespace credis {

namespace {

using namespace rdb;

// LZF's densest token turns 3 input bytes into 264 output bytes; a declared size above this
// ratio cannot be genuine and is refused before anything is allocated for it.
constexpr uint64_t lzf_max_ratio = 88;

std::string hex64(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// What reading one value gave.
enum class read_result { loaded, empty, stream };

class loader {
 public:
  loader(std::string_view bytes, keyspace& ks, unix_ms now, bool skip_expired,
         rdb_load_info& info)
      : in_(bytes), c_(bytes), ks_(ks), now_(now), skip_expired_(skip_expired), info_(info) {}

  void run();

 private:
  // ---- primitives
  uint64_t read_len_or_encoding(bool& encoded);
  uint64_t read_len();
  std::string_view read_string(std::string& scratch);
  std::string read_owned_string();
  void read_lzf(std::string& out, size_t at);
  void skip_string();
  double read_ascii_double();
  double read_binary_double();
  // A string holding a ziplist, listpack, intset or zipmap, and where its bytes are in the file
  // (for error offsets): exactly there when stored raw, else only its string's start is known.
  struct blob {
    std::string_view data;
    size_t base;
    bool exact;
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
  void read_key_value(uint8_t type, size_t type_at);
  read_result read_value(uint8_t type, size_t type_at, value& out);
  read_result read_list(uint8_t type, value& out);
  read_result read_set(uint8_t type, value& out);
  read_result read_zset(uint8_t type, value& out);
  read_result read_hash(uint8_t type, value& out);
  void skip_stream(uint8_t type);
  double parse_score(const packed_item& item, size_t at);
  void check_known_type(uint8_t type, size_t at);

  std::string_view in_;
  byte_cursor c_;
  keyspace& ks_;
  unix_ms now_;
  bool skip_expired_;
  rdb_load_info& info_;

  database* db_ = nullptr;
  bool has_expire_ = false;
  int64_t expire_ms_ = 0;
  std::string key_scratch_, blob_scratch_;
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

std::string_view loader::read_string(std::string& scratch) {
  const size_t at = c_.offset();
  bool encoded;
  uint64_t n = read_len_or_encoding(encoded);
  if (!encoded)
    return c_.take(n);
  switch (n) {
    case enc_int8: scratch = int_to_string(static_cast<int8_t>(c_.u8())); return scratch;
    case enc_int16: scratch = int_to_string(static_cast<int16_t>(c_.le(2))); return scratch;
    case enc_int32: scratch = int_to_string(static_cast<int32_t>(c_.le(4))); return scratch;
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

void loader::read_lzf(std::string& out, size_t at) {
  const uint64_t clen = read_len();
  const uint64_t len = read_len();
  std::string_view packed = c_.take(clen);
  if (clen > 0xFFFFFFFFu || len > 0xFFFFFFFFu || len > clen * lzf_max_ratio)
    c_.fail_at(at, "invalid LZF string (" + std::to_string(clen) + " bytes cannot hold " +
                       std::to_string(len) + ")");
  out.resize(len);
  unsigned got = len == 0 ? 0
                          : lzf_decompress(packed.data(), static_cast<unsigned>(clen), out.data(),
                                           static_cast<unsigned>(len));
  if (got != len)
    c_.fail_at(at, "invalid LZF-compressed string");
}

void loader::skip_string() {
  const size_t at = c_.offset();
  bool encoded;
  uint64_t n = read_len_or_encoding(encoded);
  if (!encoded)
    return c_.skip(n);
  switch (n) {
    case enc_int8: return c_.skip(1);
    case enc_int16: return c_.skip(2);
    case enc_int32: return c_.skip(4);
    case enc_lzf: {
      uint64_t clen = read_len();
      read_len();
      return c_.skip(clen);
    }
    default: c_.fail_at(at, "unknown string encoding " + std::to_string(n));
  }
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
  std::string_view data = read_string(blob_scratch_);
  if (data.data() != blob_scratch_.data())  // a view into the input
    return {data, static_cast<size_t>(data.data() - in_.data()), true};
  return {data, at, false};
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
                         " (functions/module data not supported)");
    case type_hash_metadata_pre_ga: case type_hash_listpack_ex_pre_ga: case type_hash_metadata:
    case type_hash_listpack_ex:
      c_.fail_at(at, "unsupported type " + std::to_string(type) +
                         " (hash with field expiry, Redis 7.4)");
    default:
      c_.fail_at(at, "unknown value type " + std::to_string(type));
  }
}

void loader::run() {
  read_header();
  db_ = &ks_.db(0);
  for (;;) {
    const size_t at = c_.offset();
    const uint8_t op = c_.u8();
    switch (op) {
      case op_eof: {
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
        db_ = &ks_.db(static_cast<int>(index));
        break;
      }
      case op_resizedb: {
        uint64_t size = read_len();
        read_len();  // expires size
        // Smallest possible key: type byte, empty key, empty value.
        db_->reserve(db_->size() + reservable(size, 3));
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
      case op_freq: c_.u8(); break;
      case op_idle: read_len(); break;
      case op_aux: read_aux(); break;
      case op_slot_info:
        read_len();  // slot id
        read_len();  // slot size
        read_len();  // expires slot size
        break;
      case op_module_aux:
        c_.fail_at(at, "cannot load module auxiliary data (functions/module data not supported)");
      case op_function_pre_ga:
      case op_function2:
        c_.fail_at(at, "cannot load a function library (functions/module data not supported)");
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
  if (had_expire && skip_expired_ && expire_ms < now_) {
    ++info_.expired_skipped;
    return;
  }
  if (r == read_result::stream) {
    ++info_.streams_skipped;
    return;
  }
  if (r == read_result::empty)
    return;
  // Deadline 0 means "none" in the keyspace: a deadline at or before the epoch becomes 1 ms,
  // which is just as much in the past.
  const unix_ms deadline = had_expire ? std::max<int64_t>(expire_ms, 1) : no_expiry;
  const size_t before = db_->size();
  db_->put(key, std::move(v), deadline);
  if (db_->size() == before)
    c_.fail_at(type_at, "duplicate key \"" + std::string(key.substr(0, 64)) + "\"");
  ++info_.keys_loaded;
}

read_result loader::read_value(uint8_t type, size_t type_at, value& out) {
  switch (type) {
    case type_string: out = value(read_owned_string()); return read_result::loaded;
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
      skip_stream(type);
      return read_result::stream;
  }
  c_.fail_at(type_at, "unknown value type " + std::to_string(type));  // checked before
}

read_result loader::read_list(uint8_t type, value& out) {
  list_value list;
  packed_item item;
  auto add_ziplist = [&] {
    blob b = read_blob();
    ziplist_reader zl(b.data, b.base, b.exact);
    while (zl.next(item))
      list.push_back(item.to_string());
  };
  if (type == type_list) {
    for (uint64_t n = read_len(); n > 0; --n)
      list.push_back(read_owned_string());
  } else if (type == type_list_ziplist) {
    add_ziplist();
  } else if (type == type_list_quicklist) {
    for (uint64_t nodes = read_len(); nodes > 0; --nodes)
      add_ziplist();
  } else {  // quicklist 2: nodes are single plain elements or listpacks
    for (uint64_t nodes = read_len(); nodes > 0; --nodes) {
      const size_t at = c_.offset();
      uint64_t container = read_len();
      if (container == quicklist_node_plain) {
        list.push_back(read_owned_string());
      } else if (container == quicklist_node_packed) {
        blob b = read_blob();
        listpack_reader lp(b.data, b.base, b.exact);
        while (lp.next(item))
          list.push_back(item.to_string());
      } else {
        c_.fail_at(at, "unknown quicklist node container " + std::to_string(container));
      }
    }
  }
  if (list.empty())
    return read_result::empty;
  out = value(std::move(list));
  return read_result::loaded;
}

read_result loader::read_set(uint8_t type, value& out) {
  set_value set;
  auto add = [&](std::string member, size_t at) {
    if (!set.insert(std::move(member)).second)
      c_.fail_at(at, "duplicate set member");
  };
  if (type == type_set) {
    uint64_t n = read_len();
    set.reserve(reservable(n, 1));
    for (; n > 0; --n) {
      const size_t member_at = c_.offset();
      add(read_owned_string(), member_at);
    }
  } else if (type == type_set_intset) {
    blob b = read_blob();
    intset_reader is(b.data, b.base, b.exact);
    set.reserve(is.size());
    int64_t v;
    while (is.next(v))
      add(int_to_string(v), b.base);
  } else {
    blob b = read_blob();
    listpack_reader lp(b.data, b.base, b.exact);
    packed_item item;
    while (lp.next(item))
      add(item.to_string(), b.base);
  }
  if (set.empty())
    return read_result::empty;
  out = value(std::move(set));
  return read_result::loaded;
}

double loader::parse_score(const packed_item& item, size_t at) {
  if (item.is_int)
    return static_cast<double>(item.num);
  std::string text(item.str);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    c_.fail_at(at, "invalid zset score \"" + text.substr(0, 64) + "\"");
  return d;
}

read_result loader::read_zset(uint8_t type, value& out) {
  zset_value z;
  auto add = [&](std::string member, double score, size_t at) {
    if (std::isnan(score))
      c_.fail_at(at, "zset score is NaN");
    if (!z.insert(std::move(member), score))
      c_.fail_at(at, "duplicate zset member");
  };
  if (type == type_zset || type == type_zset_2) {
    for (uint64_t n = read_len(); n > 0; --n) {
      const size_t at = c_.offset();
      std::string member = read_owned_string();
      double score = type == type_zset ? read_ascii_double() : read_binary_double();
      add(std::move(member), score, at);
    }
  } else {
    blob b = read_blob();
    const size_t base = b.base;
    packed_item member, score;
    auto pairs = [&](auto& reader) {
      while (reader.next(member)) {
        if (!reader.next(score))
          c_.fail_at(base, "corrupt sorted set: a member without a score");
        add(member.to_string(), parse_score(score, base), base);
      }
    };
    if (type == type_zset_ziplist) {
      ziplist_reader zl(b.data, b.base, b.exact);
      pairs(zl);
    } else {
      listpack_reader lp(b.data, b.base, b.exact);
      pairs(lp);
    }
  }
  if (z.size() == 0)
    return read_result::empty;
  out = value(std::move(z));
  return read_result::loaded;
}

read_result loader::read_hash(uint8_t type, value& out) {
  hash_value hash;
  auto add = [&](std::string field, std::string val, size_t at) {
    if (!hash.emplace(std::move(field), std::move(val)).second)
      c_.fail_at(at, "duplicate hash field");
  };
  if (type == type_hash) {
    uint64_t n = read_len();
    hash.reserve(reservable(n, 2));
    for (; n > 0; --n) {
      const size_t at = c_.offset();
      std::string field = read_owned_string();
      add(std::move(field), read_owned_string(), at);
    }
  } else {
    blob b = read_blob();
    const size_t base = b.base;
    if (type == type_hash_zipmap) {
      zipmap_reader zm(b.data, b.base, b.exact);
      std::string_view f, v;
      while (zm.next(f, v))
        add(std::string(f), std::string(v), base);
    } else {
      packed_item field, val;
      auto pairs = [&](auto& reader) {
        while (reader.next(field)) {
          if (!reader.next(val))
            c_.fail_at(base, "corrupt hash: a field without a value");
          add(field.to_string(), val.to_string(), base);
        }
      };
      if (type == type_hash_ziplist) {
        ziplist_reader zl(b.data, b.base, b.exact);
        pairs(zl);
      } else {
        listpack_reader lp(b.data, b.base, b.exact);
        pairs(lp);
      }
    }
  }
  if (hash.empty())
    return read_result::empty;
  out = value(std::move(hash));
  return read_result::loaded;
}

// Streams are not a credis type: walk the whole structure so the next key is found, keep
// nothing. Layout (rdb.c rdbSaveObject): listpack nodes, counters and ids, consumer groups with
// their pending entries and consumers; types 19 and 21 add fields as noted.
void loader::skip_stream(uint8_t type) {
  for (uint64_t nodes = read_len(); nodes > 0; --nodes) {
    skip_string();  // node key: the master entry id, 16 bytes
    skip_string();  // the listpack
  }
  read_len();  // number of entries
  read_len();  // last id: ms
  read_len();  //          seq
  if (type >= type_stream_listpacks_2) {
    read_len();  // first id ms
    read_len();  //          seq
    read_len();  // max deleted entry id ms
    read_len();  //          seq
    read_len();  // entries added
  }
  for (uint64_t groups = read_len(); groups > 0; --groups) {
    skip_string();  // group name
    read_len();     // last delivered id ms
    read_len();     //                   seq
    if (type >= type_stream_listpacks_2)
      read_len();  // entries read
    for (uint64_t pel = read_len(); pel > 0; --pel) {
      c_.skip(16);  // raw entry id
      c_.skip(8);   // delivery time (ms)
      read_len();   // delivery count
    }
    for (uint64_t consumers = read_len(); consumers > 0; --consumers) {
      skip_string();  // consumer name
      c_.skip(8);     // seen time (ms)
      if (type >= type_stream_listpacks_3)
        c_.skip(8);  // active time (ms)
      for (uint64_t pel = read_len(); pel > 0; --pel)
        c_.skip(16);  // raw entry id
    }
  }
}

}  // namespace

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
  // Read straight into one buffer of the file's size; keep reading in case it grew.
  std::string data;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0)
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
