// Writing RDB version 10 images (what Redis 7.0 writes and every 7.0 server or replica loads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storage/keyspace.hpp"

namespace credis {

// Where rdb_write puts its bytes; it hands over large chunks (about 128 KiB), never byte by byte.
class rdb_sink {
 public:
  virtual ~rdb_sink() = default;
  virtual void write(const char* p, size_t n) = 0;
};

// Collects the image in memory (replication sends it from here).
class string_sink : public rdb_sink {
 public:
  void write(const char* p, size_t n) override { data.append(p, n); }
  std::string data;
};

struct rdb_save_info {
  unix_ms now = 0;          // ctime AUX (seconds) and expired-key skipping
  std::string repl_id;      // AUX repl-id (40 hex), written when non-empty
  int64_t repl_offset = 0;  // AUX repl-offset
  // AUX repl-stream-db; -1 leaves out the three repl-* fields, as Redis does when the server
  // is in no replication chain (a master that never had a replica).
  int repl_stream_db = 0;
  int64_t used_mem = 0;     // AUX used-mem
  // Each key's IDLE (seconds) or FREQ opcode, as Redis writes them under an LRU or an LFU
  // maxmemory-policy.
  bool save_idle = false, save_freq = false;
  // FUNCTION's libraries, each the code FUNCTION LOAD got (shebang line included): the
  // caller's copy, so that a forked child needs nothing of the scripting engine.
  std::vector<std::string> function_codes;
  // rdb-key-save-delay (see server_config).
  int64_t key_save_delay_us = 0;
  // Told the keys written so far after the first key and every 1024 after it (a save's child
  // reports its progress).
  std::function<void(uint64_t)> progress;
};

// Writes a complete RDB version 10 image: REDIS0010, AUX redis-ver "7.0.15", redis-bits 64, ctime,
// used-mem, repl-stream-db, repl-id (when set), repl-offset (unless repl_stream_db is -1), aof-base 0;
// each function library as FUNCTION2 + its code; SELECTDB + RESIZEDB for each non-empty db; keys with FC (ms) expiry; EOF; CRC64 little-endian. Keys already expired at
// info.now (and empty aggregates) are left out.
// Encodings, as Redis 7.0 writes them: strings type 0 (int-encoded when a short integer, LZF when
// longer than 20 bytes and that saves room, as every string below); small hashes and sorted sets
// as their listpack (types 16, 17; canonical integers as integer entries), small sets of
// integers as an intset (11), other sets type 2, big hashes type 4, big sorted sets type 5
// (binary scores), lists as quicklist 2 (18) of listpack nodes of at most 8 KB, streams as
// type 19 (their nodes' listpacks as they are, the counters and consumer groups).
void rdb_write(const keyspace& ks, const rdb_save_info& info, rdb_sink& out);

// The temporary file a save by process `pid` writes in `dir` before renaming it into place.
std::string rdb_temp_path(const std::string& dir, int pid);

// `v` as DUMP gives it: its RDB encoding (type byte, value), the RDB version (10) in 2 bytes and
// the CRC64 of all that in 8, little-endian, as Redis 7.0 writes it.
std::string rdb_dump_value(const value& v);

// FUNCTION DUMP's payload: each library as FUNCTION2 + its code, then the same footer.
std::string rdb_dump_functions(const std::vector<std::string>& codes);

// Atomic save: writes "<dir of path>/temp-<pid>.rdb", fsyncs it, renames it over `path`.
// Returns false with a message in `error` on any I/O failure (the old file is left intact and
// the temp file removed).
bool rdb_save_file(const keyspace& ks, const rdb_save_info& info, const std::string& path,
                   std::string& error);

}  // namespace credis
