#include "storage/rdb/crc64.hpp"

#include <array>
#include <cstring>

namespace credis {

namespace {

// The polynomial with its bits reversed, for the reflected (LSB-first) algorithm.
constexpr uint64_t reflected_poly = 0x95ac9329ac4bc9b5ULL;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets one step fold eight input bytes at once ("slicing by 8").
using crc_tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr crc_tables make_tables() {
  crc_tables t{};
  for (uint64_t b = 0; b < 256; ++b) {
    uint64_t c = b;
    for (int i = 0; i < 8; ++i)
      c = (c & 1) ? (c >> 1) ^ reflected_poly : c >> 1;
    t[0][b] = c;
  }
  for (size_t k = 1; k < 8; ++k)
    for (size_t b = 0; b < 256; ++b)
      t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  return t;
}

constexpr crc_tables tables = make_tables();

}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t n) {
  auto p = static_cast<const unsigned char*>(data);
  while (n >= 8) {
    uint64_t w = 0;
    for (int i = 7; i >= 0; --i)  // little-endian load, independent of the host's byte order
      w = (w << 8) | p[i];
    crc ^= w;
    crc = tables[7][crc & 0xff] ^ tables[6][(crc >> 8) & 0xff] ^ tables[5][(crc >> 16) & 0xff] ^
          tables[4][(crc >> 24) & 0xff] ^ tables[3][(crc >> 32) & 0xff] ^
          tables[2][(crc >> 40) & 0xff] ^ tables[1][(crc >> 48) & 0xff] ^ tables[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n--)
    crc = tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace credis
