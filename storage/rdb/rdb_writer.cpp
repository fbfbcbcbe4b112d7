#include "storage/rdb/rdb_writer.hpp"

#include <fcntl.h>
#include <lzf.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <new>

#include "storage/rdb/crc64.hpp"
#include "storage/rdb/rdb_format.hpp"

namespace credis {

namespace {

using namespace rdb;

constexpr size_t flush_size = 128 * 1024;

// If `s` is the canonical decimal form of an integer (no sign but '-', no leading zeros, what
// Redis itself would print), stores it in `v`.
bool canonical_int(std::string_view s, int64_t& v) {
  if (s.empty() || s.size() > 20)
    return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size())
    return false;
  char buf[24];
  auto w = std::to_chars(buf, buf + sizeof buf, v);
  return std::string_view(buf, static_cast<size_t>(w.ptr - buf)) == s;
}

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
    if (s.size() <= 11 && canonical_int(s, v)) {
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
    if (s.size() > 20 && s.size() <= 0xFFFFFFFFu && try_lzf(s))
      return;
    len(s.size());
    bytes(s.data(), s.size());
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

void write_aux(encoder& e, std::string_view key, int64_t val) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, val);
  write_aux(e, key, std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

bool is_empty_aggregate(const value& v) {
  switch (v.type()) {
    case value_type::string: return false;
    case value_type::list: return v.list().empty();
    case value_type::set: return v.set().empty();
    case value_type::hash: return v.hash().empty();
    case value_type::zset: return v.zset().size() == 0;
  }
  return true;
}

void write_value(encoder& e, std::string_view key, const value& v) {
  switch (v.type()) {
    case value_type::string:
      e.byte(type_string);
      e.str(key);
      e.str(v.str());
      return;
    case value_type::list:
      e.byte(type_list);
      e.str(key);
      e.len(v.list().size());
      for (const auto& s : v.list())
        e.str(s);
      return;
    case value_type::set:
      e.byte(type_set);
      e.str(key);
      e.len(v.set().size());
      for (const auto& s : v.set())
        e.str(s);
      return;
    case value_type::hash:
      e.byte(type_hash);
      e.str(key);
      e.len(v.hash().size());
      for (const auto& [f, val] : v.hash()) {
        e.str(f);
        e.str(val);
      }
      return;
    case value_type::zset: {
      e.byte(type_zset_2);
      e.str(key);
      const auto& ordered = v.zset().ordered();
      e.len(ordered.size());
      // Highest score first, as Redis writes it (a loader inserting in order then always adds at
      // the head of its skiplist).
      for (auto it = ordered.rbegin(); it != ordered.rend(); ++it) {
        e.str(it->second);
        uint64_t bits;
        std::memcpy(&bits, &it->first, sizeof bits);
        e.le(bits, 8);
      }
      return;
    }
  }
}

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

}  // namespace

void rdb_write(const keyspace& ks, const rdb_save_info& info, rdb_sink& out) {
  encoder e(out);
  char magic[10];
  std::snprintf(magic, sizeof magic, "REDIS%04d", write_version);
  e.bytes(magic, 9);
  write_aux(e, "redis-ver", "7.0.15");
  write_aux(e, "redis-bits", 64);
  write_aux(e, "ctime", info.now / 1000);
  write_aux(e, "used-mem", info.used_mem);
  write_aux(e, "repl-stream-db", info.repl_stream_db);
  if (!info.repl_id.empty())
    write_aux(e, "repl-id", info.repl_id);
  write_aux(e, "repl-offset", info.repl_offset);
  write_aux(e, "aof-base", 0);
  for (int i = 0; i < keyspace::db_count; ++i) {
    const database& db = ks.db(i);
    if (db.size() == 0)
      continue;
    e.byte(op_selectdb);
    e.len(static_cast<uint64_t>(i));
    e.byte(op_resizedb);
    e.len(db.size());
    e.len(db.expires());
    for (const auto& [key, ent] : db.entries()) {
      if (is_expired(ent.expire_at, info.now) || is_empty_aggregate(ent.val))
        continue;
      if (ent.expire_at != no_expiry) {
        e.byte(op_expiretime_ms);
        e.le(static_cast<uint64_t>(ent.expire_at), 8);
      }
      write_value(e, key, ent.val);
    }
  }
  e.finish();
}

bool rdb_save_file(const keyspace& ks, const rdb_save_info& info, const std::string& path,
                   std::string& error) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string tmp = dir + "/temp-" + std::to_string(::getpid()) + ".rdb";
  auto fail = [&](const std::string& what, int err) {
    error = what + ": " + std::strerror(err);
    return false;
  };

  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail("cannot open temp file " + tmp + " for saving", errno);
  fd_sink sink(fd);
  try {
    rdb_write(ks, info, sink);
  } catch (const std::bad_alloc&) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot write " + tmp, ENOMEM);
  }
  int err = sink.error();
  if (err != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot write " + tmp, err);
  }
  if (::fsync(fd) != 0) {
    err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail("cannot fsync " + tmp, err);
  }
  if (::close(fd) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return fail("cannot close " + tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return fail("cannot rename " + tmp + " to " + path, err);
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
