// Loading RDB files (versions 1..12, Redis 2.x to 7.4) into a keyspace.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/keyspace.hpp"

namespace credis {

struct rdb_load_info {
  int version = 0;
  std::map<std::string, std::string> aux;  // every AUX field, values as text (int-encoded ones in decimal)
  std::string repl_id;                      // from AUX repl-id (when 40 characters), empty when absent
  int64_t repl_offset = -1;                 // from AUX repl-offset, -1 when absent
  int repl_stream_db = -1;                  // from AUX repl-stream-db, -1 when absent
  size_t keys_loaded = 0, expired_skipped = 0;
  // The FUNCTION libraries' codes, in file order (7.0 release candidates' records converted
  // to the shebang form). Loading them is the caller's: this layer knows no script engine.
  std::vector<std::string> functions;
  // Called with the bytes read so far and the total, every progress_interval bytes or so
  // (Redis's loading-process-events-interval-bytes), when set.
  std::function<void(size_t done, size_t total)> progress;
  static constexpr size_t progress_interval = 2 * 1024 * 1024;
};

// Byte offset where the problem is, and what it is.
struct rdb_error {
  size_t offset = 0;
  std::string what;
};

// Loads a whole RDB image into `ks` (which the caller gives empty). Keys whose deadline is < now
// are skipped when skip_expired (a master does that; a replica keeps them). Empty aggregates are
// skipped as Redis does (a stream without entries is not one: it is kept).
// Returns false and fills `err` on any corruption, truncation, bad checksum, unsupported version
// (> 12), unknown type/opcode, duplicate key, or module data; the caller then discards `ks`
// (it may hold part of the file). Function libraries are collected into info.functions.
bool rdb_load(std::string_view bytes, keyspace& ks, unix_ms now, bool skip_expired,
              rdb_load_info& info, rdb_error& err);

// The value of a DUMP payload (Redis's format: the RDB encoding of the value, the RDB version
// in 2 bytes, the CRC64 of what precedes in 8). False, with `error` set, when the version is
// newer than 10 (Redis 7.0's), the checksum is wrong or the value does not parse.
bool rdb_restore_value(std::string_view payload, value& out, std::string& error);

// The libraries' codes of a FUNCTION DUMP payload (FUNCTION2 or 7.0 RC function records, the
// same footer as a key's). False with Redis's error text (no "ERR ") in `error`:
// "DUMP payload version or checksum are wrong", "given type is not a function", or what
// failed to parse.
bool rdb_restore_functions(std::string_view payload, std::vector<std::string>& codes,
                           std::string& error);

// Reads the file and calls rdb_load. A missing file is NOT handled here: the caller checks
// existence; an unreadable one is an error at offset 0.
bool rdb_load_file(const std::string& path, keyspace& ks, unix_ms now, bool skip_expired,
                   rdb_load_info& info, rdb_error& err);

}  // namespace credis
