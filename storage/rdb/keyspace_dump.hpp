// A canonical text rendering of a keyspace, one line per key, for tests and debugging. It is
// the format of tests/fixtures/rdb/*.expected (written by make_rdb_fixtures.py from a real
// redis-server), so a loaded file can be compared with what Redis itself holds after loading it:
//   db <TAB> type <TAB> hex(key) <TAB> deadline-ms-or--1 <TAB> content
// content: hex(value) for strings; hex elements joined by ',' for lists; sorted hex members for
// sets; sorted hex(field)=hex(value) for hashes; sorted hex(member)=hex(little-endian double) for
// sorted sets; for streams the entries, counters and groups (make_rdb_fixtures.py's
// render_stream describes the shape).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/keyspace.hpp"

namespace credis {

std::string to_hex(std::string_view s);

// Every key of every db, lines sorted.
std::vector<std::string> dump_keyspace(const keyspace& ks);

}  // namespace credis
