// Little-endian integers of 1 to 8 bytes, as listpacks, intsets and RDB files store them.
#pragma once

#include <cstdint>

namespace credis {

inline uint64_t load_le(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = n; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

inline void store_le(uint8_t* p, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The two's-complement value of the low `bits` bits of `v` (1 to 64).
inline int64_t sign_extend(uint64_t v, unsigned bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

}  // namespace credis
