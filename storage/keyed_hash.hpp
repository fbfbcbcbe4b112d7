// The hash of every table keyed by strings that clients choose (keys, members, fields, channel
// names): SipHash-1-2 under a 128-bit key drawn at start-up, as Redis's dicts hash. An unkeyed
// hash lets a client compute keys that all land in one run of slots; each lookup then walks the
// run (measured with std::hash: inserts of crafted members 130 times slower).
#pragma once

#include <cstdint>
#include <string_view>

namespace credis {

// Until this is called the key is a fixed one (unit tests, tools); the server draws one from
// the system's random source before it loads data.
void set_hash_key(uint64_t k0, uint64_t k1);
void set_random_hash_key();

uint64_t keyed_hash(std::string_view s) noexcept;

// SipHash with `c` compression and `d` finalization rounds; keyed_hash is siphash<1, 2>
// under the process's key. Exposed for the reference test vectors (SipHash-2-4).
template <int c, int d>
uint64_t siphash(std::string_view s, uint64_t k0, uint64_t k1) noexcept;

}  // namespace credis
