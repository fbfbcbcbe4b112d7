// Strict integer parsing and formatting as Redis does it (util.c string2ll / ll2string).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace credis {

// Accepts only the canonical decimal form: an optional '-', no '+', no spaces, no leading
// zeros, within int64 range. This is what makes "007" a string and not a number in Redis.
bool parse_int64(std::string_view s, int64_t& out);

// Appends the decimal form of `v`.
void append_int64(std::string& out, int64_t v);
void append_uint64(std::string& out, uint64_t v);

// A memory size as redis.conf writes them (config.c memtoull): bytes, or with a unit k/m/g
// (x1000) or kb/mb/gb (x1024), any case. False when malformed, negative or too large.
bool parse_memory_size(std::string_view text, int64_t& bytes);

}  // namespace credis
