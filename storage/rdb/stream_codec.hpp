// Streams in RDB files and DUMP payloads, in Redis's layout (rdb.c rdbSaveObject/rdbLoadObject):
//   nodes:     count, then per node its master ID (16 bytes, big-endian ms and seq) and its
//              listpack as a string
//   scalars:   length, last ID; from type 19 on also first ID, max deleted ID, entries added
//   groups:    count, then per group its name, last delivered ID, (type >= 19) entries read,
//              its PEL (count; raw 16-byte ID, delivery time as 8 bytes little-endian ms,
//              delivery count) and its consumers (count; name, seen time (8 bytes), (type 21)
//              active time (8 bytes), the IDs of its PEL entries, 16 bytes each)
// IDs and counters are RDB lengths except where noted.
#pragma once

#include <cstdint>

#include "storage/rdb/value_io.hpp"
#include "storage/stream.hpp"

namespace credis::rdb {

// Reads a stream of RDB type 15, 19 or 21 (the type byte already read). Every node is checked
// as Redis's deep sanitization does, and the PELs must agree; a corrupt value throws
// parse_error. Type 15 lacks the 7.0 counters: they are derived as Redis derives them.
stream_value read_stream(uint8_t type, rdb_value_input& in);

// Writes `s` as type 19 (the type byte is the caller's), byte for byte as Redis 7.0 does.
void write_stream(const stream_value& s, rdb_value_output& out);

}  // namespace credis::rdb
