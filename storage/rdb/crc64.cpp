#include "storage/rdb/crc64.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace credis {

namespace {

// The polynomial x^64 + ... in normal form (bit i is the coefficient of x^i, x^64 implied),
// and with its bits reversed for the reflected (LSB-first) algorithm.
constexpr uint64_t normal_poly = 0xad93d23594c935a9ULL;
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

uint64_t crc64_tables(uint64_t crc, const unsigned char* p, size_t n) {
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

#if defined(__x86_64__)

// Folding with carry-less multiplication. A 64-bit word read little-endian holds 64 message bits
// with the first one (the highest power) in bit 0; clmul of two such words gives x * A * B in the
// same order over 128 bits. A 128-bit block X = (lo, hi) followed by d more bits stands for
// X * x^d; moving it d bits on is lo * (x^(d+64) mod P) + hi * (x^d mod P), which two clmuls
// with the constants x^(d+63) mod P and x^(d-1) mod P (bit-reversed) give. The CRC with a zero
// start depends on the message mod P only, so what is left at the end is run through the tables.

// x^k mod P, bit-reversed (the word clmul takes).
constexpr uint64_t xpow_reflected(int k) {
  uint64_t r = 1;
  for (int i = 0; i < k; ++i)
    r = (r >> 63) ? (r << 1) ^ normal_poly : r << 1;
  uint64_t out = 0;
  for (int i = 0; i < 64; ++i)
    out |= ((r >> i) & 1) << (63 - i);
  return out;
}

// Moves X on by `bits`, folding it into the block there.
template <int bits>
__attribute__((target("pclmul,sse2"))) inline __m128i fold(__m128i x, __m128i next) {
  static constexpr uint64_t k_lo = xpow_reflected(bits + 63), k_hi = xpow_reflected(bits - 1);
  const __m128i k = _mm_set_epi64x(static_cast<long long>(k_hi), static_cast<long long>(k_lo));
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
                                     _mm_clmulepi64_si128(x, k, 0x11)),
                       next);
}

__attribute__((target("pclmul,sse2"))) uint64_t crc64_clmul(uint64_t crc, const unsigned char* p,
                                                            size_t n) {
  auto load = [](const unsigned char* q) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  };
  // Four blocks in flight (64 bytes a step), then one.
  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi64_si128(static_cast<long long>(crc)));
  __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  p += 64;
  n -= 64;
  for (; n >= 64; p += 64, n -= 64) {
    x0 = fold<512>(x0, load(p));
    x1 = fold<512>(x1, load(p + 16));
    x2 = fold<512>(x2, load(p + 32));
    x3 = fold<512>(x3, load(p + 48));
  }
  __m128i x = fold<128>(fold<128>(fold<128>(x0, x1), x2), x3);
  for (; n >= 16; p += 16, n -= 16)
    x = fold<128>(x, load(p));
  unsigned char rest[16];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(rest), x);
  return crc64_tables(crc64_tables(0, rest, 16), p, n);
}

const bool has_clmul = [] {
  __builtin_cpu_init();  // (this may run before libgcc's own initialiser)
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
}();

#endif

}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t n) {
  auto p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (n >= 128 && has_clmul)
    return crc64_clmul(crc, p, n);
#endif
  return crc64_tables(crc, p, n);
}

uint64_t crc64_portable(uint64_t crc, const void* data, size_t n) {
  return crc64_tables(crc, static_cast<const unsigned char*>(data), n);
}

}  // namespace credis
