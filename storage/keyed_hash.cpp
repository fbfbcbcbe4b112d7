#include "storage/keyed_hash.hpp"

#include <bit>
#include <random>

#include "storage/little_endian.hpp"

namespace credis {

namespace {

uint64_t hash_k0 = 0x0706050403020100ull;
uint64_t hash_k1 = 0x0f0e0d0c0b0a0908ull;

struct sip_state {
  uint64_t v0, v1, v2, v3;

  void round() noexcept {
    v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
    v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
  }
  template <int c>
  void absorb(uint64_t m) noexcept {
    v3 ^= m;
    for (int i = 0; i < c; ++i)
      round();
    v0 ^= m;
  }
};

// A block of up to 8 bytes, little-endian as SipHash defines it.
uint64_t block_at(const char* p, size_t n) noexcept {
  return load_le(reinterpret_cast<const uint8_t*>(p), static_cast<unsigned>(n));
}

}  // namespace

template <int c, int d>
uint64_t siphash(std::string_view s, uint64_t k0, uint64_t k1) noexcept {
  sip_state st{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
               k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
  const char* p = s.data();
  size_t left = s.size();
  for (; left >= 8; p += 8, left -= 8)
    st.absorb<c>(block_at(p, 8));
  st.absorb<c>((uint64_t{s.size()} << 56) | block_at(p, left));
  st.v2 ^= 0xff;
  for (int i = 0; i < d; ++i)
    st.round();
  return st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
}

template uint64_t siphash<1, 2>(std::string_view, uint64_t, uint64_t) noexcept;
template uint64_t siphash<2, 4>(std::string_view, uint64_t, uint64_t) noexcept;

void set_hash_key(uint64_t k0, uint64_t k1) {
  hash_k0 = k0;
  hash_k1 = k1;
}

void set_random_hash_key() {
  std::random_device rd;  // the system's entropy source (RDRAND or getrandom)
  auto word = [&rd] { return (uint64_t{rd()} << 32) | rd(); };
  const uint64_t k0 = word();
  set_hash_key(k0, word());
}

uint64_t keyed_hash(std::string_view s) noexcept { return siphash<1, 2>(s, hash_k0, hash_k1); }

}  // namespace credis
