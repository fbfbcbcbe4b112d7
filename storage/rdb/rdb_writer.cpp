#include "storage/access_clock.hpp"
#include "storage/rdb/rdb_writer.hpp"

#include <fcntl.h>
#include <lzf.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/integers.hpp"
#include "storage/rdb/crc64.hpp"
#include "storage/rdb/rdb_format.hpp"
#include "storage/rdb/stream_codec.hpp"
#include "storage/rdb/value_io.hpp"
#include "storage/server_version.hpp"

namespace credis {

namespace {

using namespace rdb;

constexpr size_t flush_size = 128 * 1024;

// Buffers the image, keeps the running CRC64 and hands full chunks to the sink.
class encoder {
 public:
  explicit encoder(rdb_sink& out) : out_(out) { buf_.reserve(flush_size + 64); }

  void byte(uint8_t b) {
    buf_.push_back(static_cast<char>(b));
    if (buf_.size() >= flush_size)
      flush();
  }

  void bytes(const void* p, size_t n) {
    if (n >= flush_size) {
      flush();
      crc_ = crc64(crc_, p, n);
      out_.write(static_cast<const char*>(p), n);
      return;
    }
    buf_.append(static_cast<const char*>(p), n);
    if (buf_.size() >= flush_size)
      flush();
  }

  void le(uint64_t v, int n) {
    char b[8];
    for (int i = 0; i < n; ++i)
      b[i] = static_cast<char>(v >> (8 * i));
    bytes(b, static_cast<size_t>(n));
  }

  void len(uint64_t n) {
    if (n < (1 << 6)) {
      byte(static_cast<uint8_t>(n));
    } else if (n < (1 << 14)) {
      uint8_t b[2] = {static_cast<uint8_t>((len_14bit << 6) | (n >> 8)), static_cast<uint8_t>(n)};
      bytes(b, 2);
    } else if (n <= 0xFFFFFFFFu) {
      uint8_t b[5] = {len_32bit, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                      static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
      bytes(b, 5);
    } else {
      uint8_t b[9] = {len_64bit};
      for (int i = 0; i < 8; ++i)
        b[1 + i] = static_cast<uint8_t>(n >> (8 * (7 - i)));
      bytes(b, 9);
    }
  }

  // A string object, encoded as Redis 7.0 does with rdbcompression on.
  void str(std::string_view s) {
    int64_t v;
    if (s.size() <= 11 && parse_int64(s, v)) {
      if (v >= INT8_MIN && v <= INT8_MAX) {
        byte((len_encoded << 6) | enc_int8);
        le(static_cast<uint64_t>(v), 1);
        return;
      }
      if (v >= INT16_MIN && v <= INT16_MAX) {
        byte((len_encoded << 6) | enc_int16);
        le(static_cast<uint64_t>(v), 2);
        return;
      }
      if (v >= INT32_MIN && v <= INT32_MAX) {
        byte((len_encoded << 6) | enc_int32);
        le(static_cast<uint64_t>(v), 4);
        return;
      }
    }
    raw_str(s);
  }

  // A string object never stored as an integer (a listpack, an intset): LZF'd when longer than
  // 20 bytes and that saves room.
  void raw_str(std::string_view s) {
    if (s.size() > 20 && s.size() <= 0xFFFFFFFFu && try_lzf(s))
      return;
    len(s.size());
    bytes(s.data(), s.size());
  }

  // The footer of a DUMP payload: the RDB version, then the CRC64 of all before it.
  void finish_dump() {
    le(write_version, 2);
    flush();
    le(crc_, 8);
    out_.write(buf_.data(), buf_.size());
    buf_.clear();
  }

  void finish() {
    byte(op_eof);
    flush();
    le(crc_, 8);  // not part of the checksum: written after the final flush updated it
    out_.write(buf_.data(), buf_.size());
    buf_.clear();
  }

 private:
  // LZF only when it saves at least 4 bytes (Redis: output buffer of len - 4).
  bool try_lzf(std::string_view s) {
    const size_t room = s.size() - 4;
    if (lzf_.size() < room)
      lzf_.resize(room);
    unsigned n = lzf_compress(s.data(), static_cast<unsigned>(s.size()), lzf_.data(),
                              static_cast<unsigned>(room));
    if (n == 0)
      return false;
    byte((len_encoded << 6) | enc_lzf);
    len(n);
    len(s.size());
    bytes(lzf_.data(), n);
    return true;
  }

  void flush() {
    if (buf_.empty())
      return;
    crc_ = crc64(crc_, buf_.data(), buf_.size());
    out_.write(buf_.data(), buf_.size());
    buf_.clear();
  }

  rdb_sink& out_;
  std::string buf_;
  std::string lzf_;
  uint64_t crc_ = 0;
};

void write_aux(encoder& e, std::string_view key, std::string_view val) {
  e.byte(op_aux);
  e.str(key);
  e.str(val);
}

// Redis's rdbSaveFunctions: the libraries go after the AUX fields, before the first db, so
// that a loader has them before any key (and a function-only payload is the same records).
void write_functions(encoder& e, const std::vector<std::string>& codes) {
  for (const std::string& code : codes) {
    e.byte(op_function2);
    e.str(code);
  }
}

void write_aux(encoder& e, std::string_view key, int64_t val) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, val);
  write_aux(e, key, std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

constexpr size_t save_batch = 16;

// The block an aggregate's elements are in (its listpack, intset or big container).
const void* elements_block(const value& v) {
  switch (v.type()) {
    case value_type::string: return nullptr;
    case value_type::list: return v.list().block();
    case value_type::set: return v.set().block();
    case value_type::hash: return v.hash().block();
    case value_type::zset: return v.zset().block();
    case value_type::stream: return nullptr;  // nodes all over the heap: nothing to prefetch
  }
  return nullptr;
}

bool is_empty_aggregate(const value& v) {
  switch (v.type()) {
    case value_type::string: return false;
    case value_type::list: return v.list().empty();
    case value_type::set: return v.set().empty();
    case value_type::hash: return v.hash().empty();
    case value_type::zset: return v.zset().empty();
    case value_type::stream: return false;  // kept without entries, as Redis keeps it
  }
  return true;
}

// Writes each key's type, key and value. Small aggregates go out in the compact encodings
// Redis 7.0 itself writes (the listpack as one string, integers as integer entries), big ones
// in the plain encodings.
class value_writer {
 public:
  // Without keys: the form DUMP gives a value (type byte and value only).
  explicit value_writer(encoder& e, bool with_keys = true)
      : e_(e), with_keys_(with_keys), stream_out_(e) {}

  void write(std::string_view key, const value& v) {
    switch (v.type()) {
      case value_type::string:
        head(type_string, key);
        e_.str(v.str());
        return;
      case value_type::list: return list(key, v.list());
      case value_type::set: return set(key, v.set());
      case value_type::hash: return hash(key, v.hash());
      case value_type::zset: return zset(key, v.zset());
      case value_type::stream:
        head(type_stream_listpacks_2, key);
        return write_stream(v.stream(), stream_out_);
    }
  }

 private:
  void head(uint8_t type, std::string_view key) {
    e_.byte(type);
    if (with_keys_)
      e_.str(key);
  }

  // A small hash or sorted set: its listpack as one string. False for a big one.
  bool packed(uint8_t type, std::string_view key, const listpack* lp) {
    if (!lp)
      return false;
    head(type, key);
    e_.raw_str(lp->data());
    return true;
  }

  // A quicklist of listpack nodes: the small list's own, or the big list's nodes as they are
  // (listpacks of at most list_bytes, as Redis's): copied, not rebuilt element by element.
  void list(std::string_view key, const list_value& l) {
    head(type_list_quicklist_2, key);
    if (const listpack* lp = l.packed()) {
      e_.len(1);
      e_.len(quicklist_node_packed);
      e_.raw_str(lp->data());
      return;
    }
    const std::vector<listpack>& nodes = l.unpacked()->nodes();
    e_.len(nodes.size());
    for (const listpack& node : nodes) {
      e_.len(quicklist_node_packed);
      e_.raw_str(node.data());
    }
  }

  // A small set of integers: its intset; any other: type 2 (7.0 has no set listpack).
  void set(std::string_view key, const set_value& s) {
    const small_set* small = s.packed();
    if (const intset* ints = small ? small->ints() : nullptr) {
      head(type_set_intset, key);
      e_.raw_str(ints->data());
      return;
    }
    head(type_set, key);
    e_.len(s.size());
    for (const element& m : s)
      e_.str(m);
  }

  void hash(std::string_view key, const hash_value& h) {
    if (packed(type_hash_listpack, key, h.packed()))
      return;
    head(type_hash, key);
    e_.len(h.size());
    for (const auto& [f, val] : h) {
      e_.str(f);
      e_.str(val);
    }
  }

  void zset(std::string_view key, const zset_value& z) {
    if (packed(type_zset_listpack, key, z.packed()))
      return;
    head(type_zset_2, key);
    e_.len(z.size());
    // Highest score first, as Redis writes it (a loader inserting in order then always adds at
    // the head of its skiplist).
    for (auto it = z.rbegin(); it != z.rend(); ++it) {
      const zset_entry entry = *it;
      e_.str(entry.member);
      uint64_t bits;
      std::memcpy(&bits, &entry.score, sizeof bits);
      e_.le(bits, 8);
    }
  }

  // The encoder as the stream codec writes through it.
  class encoder_output final : public rdb_value_output {
   public:
    explicit encoder_output(encoder& e) : e_(e) {}
    void length(uint64_t n) override { e_.len(n); }
    void string(std::string_view s) override { e_.str(s); }
    void raw(std::string_view bytes) override { e_.bytes(bytes.data(), bytes.size()); }

   private:
    encoder& e_;
  };

  encoder& e_;
  bool with_keys_;
  encoder_output stream_out_;
};

// Writes to a file descriptor; remembers the first error and ignores everything after it.
class fd_sink : public rdb_sink {
 public:
  explicit fd_sink(int fd) : fd_(fd) {}
  void write(const char* p, size_t n) override {
    while (n > 0 && error_ == 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno != EINTR)
          error_ = errno;
        continue;
      }
      if (w == 0) {  // no progress and no error: give up rather than spin
        error_ = EIO;
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  int error() const { return error_; }

 private:
  int fd_;
  int error_ = 0;
};

// What a save does between keys: Redis's rdb-key-save-delay, and its progress report.
void after_key(const rdb_save_info& info, uint64_t keys_written) {
  if (info.key_save_delay_us > 0)
    usleep(static_cast<useconds_t>(info.key_save_delay_us));
  else if (info.key_save_delay_us < 0 && std::rand() % -info.key_save_delay_us == 0)
    usleep(1);
  if (info.progress && ((keys_written - 1) & 1023) == 0)  // the 1st, the 1025th, ...
    info.progress(keys_written);
}

}  // namespace

void rdb_write(const keyspace& ks, const rdb_save_info& info, rdb_sink& out) {
  uint64_t keys_written = 0;
  encoder e(out);
  value_writer values(e);
  char magic[10];
  std::snprintf(magic, sizeof magic, "REDIS%04d", write_version);
  e.bytes(magic, 9);
  write_aux(e, "redis-ver", redis_version);
  write_aux(e, "redis-bits", 64);
  write_aux(e, "ctime", info.now / 1000);
  write_aux(e, "used-mem", info.used_mem);
  if (info.repl_stream_db >= 0) {
    write_aux(e, "repl-stream-db", info.repl_stream_db);
    if (!info.repl_id.empty())
      write_aux(e, "repl-id", info.repl_id);
    write_aux(e, "repl-offset", info.repl_offset);
  }
  write_aux(e, "aof-base", 0);
  write_functions(e, info.function_codes);
  for (int i = 0; i < keyspace::db_count; ++i) {
    const database& db = ks.db(i);
    if (db.size() == 0)
      continue;
    e.byte(op_selectdb);
    e.len(static_cast<uint64_t>(i));
    e.byte(op_resizedb);
    e.len(db.size());
    e.len(db.expires());
    // In batches: the table's order is random in memory, so the nodes, the containers behind
    // them and their blocks are fetched for a whole batch before any of them is written.
    struct pending {
      std::string_view key;
      const entry* ent;
    };
    pending batch[save_batch];
    size_t n = 0;
    auto write_batch = [&] {
      for (size_t i = 0; i < n; ++i)
        __builtin_prefetch(batch[i].ent->val.heap_block());
      for (size_t i = 0; i < n; ++i)
        __builtin_prefetch(elements_block(batch[i].ent->val));
      for (size_t i = 0; i < n; ++i) {
        const entry& ent = *batch[i].ent;
        if (is_expired(ent.expire_at(), info.now) || is_empty_aggregate(ent.val))
          continue;
        if (ent.expire_at() != no_expiry) {
          e.byte(op_expiretime_ms);
          e.le(static_cast<uint64_t>(ent.expire_at()), 8);
        }
        if (info.save_idle) {
          e.byte(op_idle);
          e.len(static_cast<uint64_t>(idle_ms(ent.val.access(), info.now) / 1000));
        } else if (info.save_freq) {
          e.byte(op_freq);
          e.byte(static_cast<uint8_t>(lfu_frequency(ent.val.access(), info.now)));
        }
        values.write(batch[i].key, ent.val);
        after_key(info, ++keys_written);
      }
      n = 0;
    };
    for (const auto& [key, ent] : db.entries()) {
      batch[n++] = {key, &ent};
      if (n == save_batch)
        write_batch();
    }
    write_batch();
  }
  e.finish();
}

std::string rdb_dump_value(const value& v) {
  string_sink out;
  encoder e(out);
  value_writer(e, false).write({}, v);
  e.finish_dump();
  return std::move(out.data);
}

std::string rdb_dump_functions(const std::vector<std::string>& codes) {
  string_sink out;
  encoder e(out);
  write_functions(e, codes);
  e.finish_dump();
  return std::move(out.data);
}

std::string rdb_temp_path(const std::string& dir, int pid) {
  return dir + "/temp-" + std::to_string(pid) + ".rdb";
}

bool rdb_save_file(const keyspace& ks, const rdb_save_info& info, const std::string& path,
                   std::string& error) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string tmp = rdb_temp_path(dir, ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open temp file " + tmp + " for saving: " + std::strerror(errno);
    return false;
  }
  // Every failure after the open removes the temp file, so the old dump stays the only one.
  // `err` is read by the caller before anything here can change errno.
  auto discard = [&](int err, std::string_view what, std::string_view detail = {}) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    error = std::string(what) + " " + tmp + std::string(detail) + ": " + std::strerror(err);
    return false;
  };
  fd_sink sink(fd);
  try {
    rdb_write(ks, info, sink);
  } catch (const std::bad_alloc&) {
    return discard(ENOMEM, "cannot write");
  }
  if (int err = sink.error(); err != 0)
    return discard(err, "cannot write");
  if (::fsync(fd) != 0)
    return discard(errno, "cannot fsync");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0)
    return discard(errno, "cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    return discard(err, "cannot rename", " to " + path);
  }
  // Make the rename itself durable; a failure here does not undo a completed save.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace credis
