// HyperLogLog sketches in Redis 7.0's byte layout (its hyperloglog.c), so that the strings
// PFADD writes are the ones Redis writes, and RDB files and DUMP payloads go both ways.
//
// A sketch is a string: a 16-byte header ("HYLL", the encoding byte, three unused bytes, the
// cached cardinality as 64 bits little endian whose top bit marks it stale), then 16384
// registers, either dense (6 bits each, packed from the low bits of each byte up: 12288
// bytes) or sparse (run lengths: ZERO 00xxxxxx for 1-64 zero registers, XZERO 01xxxxxx
// yyyyyyyy for 1-16384, VAL 1vvvvvxx for 1-4 registers of value 1-32). A sketch starts sparse
// and turns dense once a register passes 32 or the sparse form would pass
// hll-sparse-max-bytes. Corrupt input never reads or writes outside the string: functions
// that read registers report a sparse run that does not add up to 16384 registers.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace credis {

namespace limits {
// hll-sparse-max-bytes (Redis's default): past it a sparse sketch turns dense.
inline std::atomic<size_t> hll_sparse_bytes = 3000;
}  // namespace limits

namespace hll {

constexpr size_t header_size = 16;
constexpr size_t register_count = 16384;
constexpr size_t dense_size = header_size + register_count * 6 / 8;
constexpr uint8_t dense = 0;
constexpr uint8_t sparse = 1;
// A register's value is the length of the run of zeros ending in a one of the hash's upper
// 50 bits: at most 51.
constexpr uint8_t max_rank = 51;

// Austin Appleby's MurmurHash64A, reading the key in little-endian words as Redis does.
uint64_t murmur_hash64a(const void* key, size_t len, uint64_t seed);

// The register an element goes to and the value it offers it (Redis's hllPatLen).
struct observation {
  uint32_t index;
  uint8_t rank;
};
observation observe(std::string_view element);

// An empty sketch, sparse (one XZERO of 16384 registers) with a cached cardinality of 0.
std::string empty_sketch();

// Redis's isHLLObjectOrReply checks on a string: the header's magic and encoding, and a dense
// sketch's exact length. The registers are checked as they are read.
bool has_valid_header(std::string_view s);
inline uint8_t encoding_of(std::string_view s) { return static_cast<uint8_t>(s[4]); }

// The cached cardinality, unless marked stale.
std::optional<uint64_t> cached_cardinality(std::string_view s);
void set_cached_cardinality(char* s, uint64_t cardinality);
inline void invalidate_cache(char* s) { s[15] = static_cast<char>(s[15] | 0x80); }

// Dense registers (`regs` points past the header).
uint8_t dense_register(const uint8_t* regs, size_t index);
void set_dense_register(uint8_t* regs, size_t index, uint8_t value);
// Raises register `index` to `rank` when lower; true when it did.
inline bool raise_dense(uint8_t* regs, size_t index, uint8_t rank) {
  if (rank <= dense_register(regs, index))
    return false;
  set_dense_register(regs, index, rank);
  return true;
}

// Raises register `index` of the sketch to `rank` when lower, as Redis's hllSparseSet and
// hllDenseSet do (the same opcodes, merges and promotion, so the bytes match Redis's).
// Returns 1 when the register changed (the cache is then stale), 0 when not, -1 when the sparse
// form is corrupt. The header must have passed has_valid_header.
int raise_register(std::string& sketch, uint32_t index, uint8_t rank, size_t sparse_max_bytes);
// PFADD of one element: raise_register with its observation.
int add(std::string& sketch, std::string_view element, size_t sparse_max_bytes);
// Turns a sparse sketch dense (nothing to do for a dense one); false when the sparse form is
// corrupt, leaving the sketch as it was.
bool to_dense(std::string& sketch);

// The estimated cardinality (Ertl's improved estimator, as Redis 7.0), or nothing when the
// sparse form is corrupt.
std::optional<uint64_t> cardinality(std::string_view sketch);

// Registers one byte each, for unions (PFCOUNT of several keys, PFMERGE).
using register_bytes = std::array<uint8_t, register_count>;
// Raises each of `into` to the sketch's register; false when the sparse form is corrupt.
bool merge_into(register_bytes& into, std::string_view sketch);
uint64_t cardinality_of(const register_bytes& regs);

// PFDEBUG DECODE's text of a sparse sketch: "Z:16384", "z:3 v:2,1 ..." (its opcodes).
std::string decode_sparse(std::string_view sketch);

// PFSELFTEST: the register packing and the estimate's error at 1, 10, ... 10^7 elements, with a
// dense and a sparse sketch that must agree. Empty when it passed, else the error reply's text.
std::string self_test(size_t sparse_max_bytes);

}  // namespace hll
}  // namespace credis
