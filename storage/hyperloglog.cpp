#include "storage/hyperloglog.hpp"

#include <cmath>
#include <cstring>
#include <random>

#include "storage/little_endian.hpp"

namespace credis::hll {

namespace {

constexpr uint64_t hash_seed = 0xadc83b19ULL;  // Redis's
constexpr int index_bits = 14;
constexpr uint8_t register_mask = 63;
// Sparse opcodes' limits.
constexpr int val_max_value = 32;
constexpr int val_max_run = 4;
constexpr int zero_max_run = 64;
constexpr int xzero_max_run = 16384;

// Reading a sparse form: bytes past the end read as 0, as the terminator after Redis's sds
// string does (a truncated XZERO then still decodes the way Redis decodes it).
struct sparse_reader {
  const uint8_t* p;
  size_t size;
  uint8_t at(size_t i) const { return i < size ? p[i] : 0; }
};

bool is_zero(uint8_t op) { return (op & 0xc0) == 0; }
bool is_xzero(uint8_t op) { return (op & 0xc0) == 0x40; }
bool is_val(uint8_t op) { return op & 0x80; }
int zero_run(uint8_t op) { return (op & 0x3f) + 1; }
int xzero_run(uint8_t op, uint8_t next) { return (((op & 0x3f) << 8) | next) + 1; }
int val_value(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
int val_run(uint8_t op) { return (op & 0x3) + 1; }
uint8_t val_op(int value, int run) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (run - 1));
}
// A run of zero registers as the shortest opcode; returns the bytes written.
int put_zeros(uint8_t* out, int run) {
  if (run > zero_max_run) {
    out[0] = static_cast<uint8_t>(((run - 1) >> 8) | 0x40);
    out[1] = static_cast<uint8_t>((run - 1) & 0xff);
    return 2;
  }
  out[0] = static_cast<uint8_t>(run - 1);
  return 1;
}

uint8_t* registers_of(std::string& sketch) {
  return reinterpret_cast<uint8_t*>(sketch.data()) + header_size;
}
const uint8_t* registers_of(std::string_view sketch) {
  return reinterpret_cast<const uint8_t*>(sketch.data()) + header_size;
}

using histogram = std::array<int64_t, 64>;

// Calls f(index, value) for every dense register in order, four registers from each three
// bytes (the loop Redis unrolls for its histogram).
template <class F>
void for_each_dense(const uint8_t* regs, F&& f) {
  size_t index = 0;
  for (size_t i = 0; i < register_count * 6 / 8; i += 3, index += 4) {
    const unsigned b0 = regs[i], b1 = regs[i + 1], b2 = regs[i + 2];
    f(index, static_cast<uint8_t>(b0 & 63));
    f(index + 1, static_cast<uint8_t>(((b0 >> 6) | (b1 << 2)) & 63));
    f(index + 2, static_cast<uint8_t>(((b1 >> 4) | (b2 << 4)) & 63));
    f(index + 3, static_cast<uint8_t>(b2 >> 2));
  }
}

void dense_histogram(const uint8_t* regs, histogram& h) {
  for_each_dense(regs, [&](size_t, uint8_t v) { ++h[v]; });
}

// False when the runs do not cover exactly 16384 registers.
bool sparse_histogram(std::string_view sketch, histogram& h) {
  sparse_reader r{registers_of(sketch), sketch.size() - header_size};
  int64_t idx = 0;
  for (size_t p = 0; p < r.size;) {
    const uint8_t op = r.p[p];
    if (is_zero(op)) {
      idx += zero_run(op);
      h[0] += zero_run(op);
      ++p;
    } else if (is_xzero(op)) {
      const int run = xzero_run(op, r.at(p + 1));
      idx += run;
      h[0] += run;
      p += 2;
    } else {
      idx += val_run(op);
      h[static_cast<size_t>(val_value(op))] += val_run(op);
      ++p;
    }
  }
  return idx == static_cast<int64_t>(register_count);
}

// Calls f(first register, run length, value) for each run of a sparse form, in order; false
// (stopping there) when a run would pass the 16384th register or the runs end short of it.
// As Redis's hllMerge and hllSparseToDense with the CVE-2025-32023 fix (Debian's 7.0.15 has it).
template <class F>
bool for_each_run(std::string_view sketch, F&& f) {
  sparse_reader r{registers_of(sketch), sketch.size() - header_size};
  size_t idx = 0;
  for (size_t p = 0; p < r.size;) {
    const uint8_t op = r.p[p];
    int run;
    uint8_t value = 0;
    if (is_zero(op)) {
      run = zero_run(op);
      ++p;
    } else if (is_xzero(op)) {
      run = xzero_run(op, r.at(p + 1));
      p += 2;
    } else {
      run = val_run(op);
      value = static_cast<uint8_t>(val_value(op));
      ++p;
    }
    if (idx + static_cast<size_t>(run) > register_count)
      return false;
    f(idx, run, value);
    idx += static_cast<size_t>(run);
  }
  return idx == register_count;
}

// Ertl's sigma and tau ("New cardinality estimation algorithms for HyperLogLog sketches").
double sigma(double x) {
  if (x == 1.)
    return INFINITY;
  double y = 1, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double tau(double x) {
  if (x == 0. || x == 1.)
    return 0.;
  double y = 1.0, z = 1 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

uint64_t estimate(const histogram& h) {
  const double m = register_count;
  const int q = 64 - index_bits;
  double z = m * tau((m - static_cast<double>(h[q + 1])) / m);
  for (int j = q; j >= 1; --j) {
    z += static_cast<double>(h[j]);
    z *= 0.5;
  }
  z += m * sigma(static_cast<double>(h[0]) / m);
  const double alpha_inf = 0.721347520444481703680;  // 0.5 / ln 2
  // (an infinite or huge estimate of a corrupt sketch rounds to LLONG_MIN, which Redis then
  // returns as 2^63: converted as an integer, never as a double out of uint64_t's range)
  const long long e = std::llround(alpha_inf * m * m / z);
  return static_cast<uint64_t>(e);
}

// hllSparseSet: finds the opcode covering `index`, splits it around the register, merges
// equal neighbouring VALs, and promotes to dense when the value or the size does not fit.
int raise_sparse(std::string& sketch, uint32_t index, uint8_t rank, size_t sparse_max_bytes) {
  if (rank > val_max_value)
    goto promote;
  {
    const size_t base = header_size;
    size_t end = sketch.size();
    auto byte = [&](size_t i) -> uint8_t {
      return i < sketch.size() ? static_cast<uint8_t>(sketch[i]) : 0;
    };
    size_t p = base;
    int64_t first = 0, span = 0;
    size_t prev = 0;
    bool has_prev = false;
    while (p < end) {
      const uint8_t op = byte(p);
      size_t oplen = 1;
      if (is_zero(op)) {
        span = zero_run(op);
      } else if (is_val(op)) {
        span = val_run(op);
      } else {
        span = xzero_run(op, byte(p + 1));
        oplen = 2;
      }
      if (index <= first + span - 1)
        break;
      prev = p;
      has_prev = true;
      p += oplen;
      first += span;
    }
    if (span == 0 || p >= end)
      return -1;

    const uint8_t op = byte(p);
    size_t next = is_xzero(op) ? p + 2 : p + 1;
    const bool has_next = next < end;
    const bool zero = is_zero(op), xzero = is_xzero(op), val = !zero && !xzero;
    const int run = zero ? zero_run(op) : xzero ? xzero_run(op, byte(p + 1)) : val_run(op);

    bool replaced = false;
    if (val) {
      if (val_value(op) >= rank)
        return 0;
      if (run == 1) {
        sketch[p] = static_cast<char>(val_op(rank, 1));
        replaced = true;
      }
    }
    if (!replaced && zero && run == 1) {
      sketch[p] = static_cast<char>(val_op(rank, 1));
      replaced = true;
    }
    if (!replaced) {
      // The opcode becomes up to three: what precedes the register, the register, what follows.
      uint8_t seq[5];
      int n = 0;
      const int64_t last = first + span - 1;
      if (zero || xzero) {
        if (index != first)
          n += put_zeros(seq + n, static_cast<int>(index - first));
        seq[n++] = val_op(rank, 1);
        if (index != last)
          n += put_zeros(seq + n, static_cast<int>(last - index));
      } else {
        const int current = val_value(op);
        if (index != first)
          seq[n++] = val_op(current, static_cast<int>(index - first));
        seq[n++] = val_op(rank, 1);
        if (index != last)
          seq[n++] = val_op(current, static_cast<int>(last - index));
      }
      const int64_t delta = n - (xzero ? 2 : 1);
      if (delta > 0 && sketch.size() + static_cast<size_t>(delta) > sparse_max_bytes)
        goto promote;
      const size_t new_size = static_cast<size_t>(static_cast<int64_t>(end) + delta);
      // (A truncated last XZERO writes past the new end, as in Redis; trimmed after.)
      sketch.resize(std::max(std::max(new_size, end), p + static_cast<size_t>(n)));
      if (delta && has_next)
        std::memmove(sketch.data() + next + delta, sketch.data() + next, end - next);
      std::memcpy(sketch.data() + p, seq, static_cast<size_t>(n));
      sketch.resize(new_size);
      end = new_size;
    }

    // Merge runs of equal VALs near the change (the five opcodes from the one before it).
    p = has_prev ? prev : base;
    for (int scan = 5; p < end && scan-- > 0;) {
      const uint8_t cur = byte(p);
      if (is_xzero(cur)) {
        p += 2;
        continue;
      }
      if (is_zero(cur)) {
        ++p;
        continue;
      }
      if (p + 1 < end && is_val(byte(p + 1))) {
        const uint8_t nxt = byte(p + 1);
        const int merged = val_run(cur) + val_run(nxt);
        if (val_value(cur) == val_value(nxt) && merged <= val_max_run) {
          sketch[p + 1] = static_cast<char>(val_op(val_value(cur), merged));
          sketch.erase(p, 1);
          --end;
          continue;
        }
      }
      ++p;
    }
    invalidate_cache(sketch.data());
    return 1;
  }
promote:
  if (!to_dense(sketch))
    return -1;
  return raise_dense(registers_of(sketch), index, rank) ? 1 : 0;
}

}  // namespace

uint64_t murmur_hash64a(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  // Redis passes the length as an int.
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int64_t>(static_cast<int>(len))) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* words_end = data + (len - (len & 7));
  for (; data != words_end; data += 8) {
    uint64_t k = load_le(data, 8);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  if (len & 7) {
    h ^= load_le(data, static_cast<unsigned>(len & 7));
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

observation observe(std::string_view element) {
  uint64_t hash = murmur_hash64a(element.data(), element.size(), hash_seed);
  const auto index = static_cast<uint32_t>(hash & (register_count - 1));
  hash >>= index_bits;
  hash |= uint64_t{1} << (64 - index_bits);  // the run ends by bit 50 at the latest
  uint8_t rank = 1;
  for (uint64_t bit = 1; (hash & bit) == 0; bit <<= 1)
    ++rank;
  return {index, rank};
}

std::string empty_sketch() {
  std::string s(header_size + 2, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(sparse);
  put_zeros(reinterpret_cast<uint8_t*>(s.data()) + header_size, xzero_max_run);
  return s;
}

bool has_valid_header(std::string_view s) {
  if (s.size() < header_size || s.substr(0, 4) != "HYLL" || encoding_of(s) > sparse)
    return false;
  return encoding_of(s) != dense || s.size() == dense_size;
}

std::optional<uint64_t> cached_cardinality(std::string_view s) {
  const auto* card = reinterpret_cast<const uint8_t*>(s.data()) + 8;
  if (card[7] & 0x80)
    return std::nullopt;
  return load_le(card, 8);
}

void set_cached_cardinality(char* s, uint64_t cardinality) {
  store_le(reinterpret_cast<uint8_t*>(s) + 8, cardinality, 8);
}

uint8_t dense_register(const uint8_t* regs, size_t index) {
  const size_t byte = index * 6 / 8;
  const unsigned shift = index * 6 & 7;
  // Only the last register's bits reach into a second byte when shift > 2; index 16383 has
  // shift 2, so byte + 1 is always inside the 12288 bytes.
  const unsigned b0 = regs[byte];
  const unsigned b1 = shift > 2 ? regs[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> shift) | (b1 << (8 - shift))) & register_mask);
}

void set_dense_register(uint8_t* regs, size_t index, uint8_t value) {
  const size_t byte = index * 6 / 8;
  const unsigned shift = index * 6 & 7;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(register_mask << shift)) | (value << shift));
  if (shift > 2) {
    const unsigned rest = 8 - shift;
    regs[byte + 1] =
        static_cast<uint8_t>((regs[byte + 1] & ~(register_mask >> rest)) | (value >> rest));
  }
}

int raise_register(std::string& sketch, uint32_t index, uint8_t rank, size_t sparse_max_bytes) {
  if (encoding_of(sketch) == dense)
    return raise_dense(registers_of(sketch), index, rank) ? 1 : 0;
  return raise_sparse(sketch, index, rank, sparse_max_bytes);
}

int add(std::string& sketch, std::string_view element, size_t sparse_max_bytes) {
  const observation o = observe(element);
  return raise_register(sketch, o.index, o.rank, sparse_max_bytes);
}

bool to_dense(std::string& sketch) {
  if (encoding_of(sketch) == dense)
    return true;
  std::string out(dense_size, '\0');
  std::memcpy(out.data(), sketch.data(), header_size);  // magic and cached cardinality
  out[4] = static_cast<char>(dense);
  uint8_t* regs = registers_of(out);
  const bool valid = for_each_run(sketch, [&](size_t first, int run, uint8_t value) {
    for (int i = 0; value && i < run; ++i)
      set_dense_register(regs, first + static_cast<size_t>(i), value);
  });
  if (!valid)
    return false;
  sketch = std::move(out);
  return true;
}

std::optional<uint64_t> cardinality(std::string_view sketch) {
  histogram h{};
  if (encoding_of(sketch) == dense)
    dense_histogram(registers_of(sketch), h);
  else if (!sparse_histogram(sketch, h))
    return std::nullopt;
  return estimate(h);
}

bool merge_into(register_bytes& into, std::string_view sketch) {
  const uint8_t* regs = registers_of(sketch);
  if (encoding_of(sketch) == dense) {
    for_each_dense(regs, [&](size_t i, uint8_t v) { into[i] = std::max(into[i], v); });
    return true;
  }
  return for_each_run(sketch, [&](size_t first, int run, uint8_t value) {
    for (int i = 0; value && i < run; ++i)
      into[first + static_cast<size_t>(i)] = std::max(into[first + static_cast<size_t>(i)], value);
  });
}

uint64_t cardinality_of(const register_bytes& regs) {
  histogram h{};
  // Eight registers at a time: runs of zeros are common in a union of small sketches.
  for (size_t i = 0; i < register_count; i += 8) {
    uint64_t word;
    std::memcpy(&word, regs.data() + i, 8);
    if (word == 0) {
      h[0] += 8;
      continue;
    }
    for (size_t j = i; j < i + 8; ++j)
      ++h[regs[j] & 63];
  }
  return estimate(h);
}

std::string decode_sparse(std::string_view sketch) {
  sparse_reader r{registers_of(sketch), sketch.size() - header_size};
  std::string out;
  for (size_t p = 0; p < r.size;) {
    const uint8_t op = r.p[p];
    if (!out.empty())
      out += ' ';
    if (is_zero(op)) {
      out += "z:" + std::to_string(zero_run(op));
      ++p;
    } else if (is_xzero(op)) {
      out += "Z:" + std::to_string(xzero_run(op, r.at(p + 1)));
      p += 2;
    } else {
      out += "v:" + std::to_string(val_value(op)) + "," + std::to_string(val_run(op));
      ++p;
    }
  }
  return out;
}

std::string self_test(size_t sparse_max_bytes) {
  std::mt19937_64 rng(std::random_device{}());
  // 1: every register keeps its value without disturbing its neighbours.
  std::string packed(dense_size, '\0');
  uint8_t* regs = registers_of(packed);
  register_bytes expected{};
  for (int round = 0; round < 1000; ++round) {
    for (size_t i = 0; i < register_count; ++i) {
      expected[i] = static_cast<uint8_t>(rng() & register_mask);
      set_dense_register(regs, i, expected[i]);
    }
    for (size_t i = 0; i < register_count; ++i) {
      const uint8_t got = dense_register(regs, i);
      if (got != expected[i])
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expected[i]) + " but is " + std::to_string(got);
    }
  }
  // 2: the estimate stays within six standard errors, dense and sparse agreeing.
  std::memset(regs, 0, dense_size - header_size);
  std::string sketch = empty_sketch();
  const double relative_error = 1.04 / std::sqrt(static_cast<double>(register_count));
  const uint64_t seed = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 10'000'000; ++j) {
    const uint64_t element = j ^ seed;
    uint8_t bytes[8];
    store_le(bytes, element, 8);
    const std::string_view e(reinterpret_cast<const char*>(bytes), 8);
    const observation o = observe(e);
    raise_dense(regs, o.index, o.rank);
    raise_register(sketch, o.index, o.rank, sparse_max_bytes);
    if (j != checkpoint)
      continue;
    if (j < sparse_max_bytes / 2 && encoding_of(sketch) != sparse)
      return "TESTFAILED sparse encoding not used";
    const std::optional<uint64_t> from_dense = cardinality(packed);
    if (from_dense != cardinality(sketch))
      return "TESTFAILED dense/sparse disagree";
    const auto error = static_cast<uint64_t>(
        std::llabs(static_cast<int64_t>(checkpoint) - static_cast<int64_t>(*from_dense)));
    uint64_t max_error =
        static_cast<uint64_t>(std::ceil(relative_error * 6 * static_cast<double>(checkpoint)));
    if (j == 10)
      max_error = 1;  // collisions make 10 elements noisy
    if (error > max_error)
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(error);
    checkpoint *= 10;
  }
  return {};
}

}  // namespace credis::hll
