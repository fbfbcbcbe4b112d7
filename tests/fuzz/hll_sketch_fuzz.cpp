// libFuzzer target: HyperLogLog sketches (storage/hyperloglog.*) made of arbitrary register
// bytes, as a corrupted string value would hold them. Every operation must stay inside the
// string, and where the sketch is valid they must agree: the count, the union, the dense
// conversion, and a register raised in place equal to the same register raised in the union.
//
// Input: <encoding byte (bit 0: dense)> <hll-sparse-max-bytes / 16> <(index, rank) pairs: 3
// bytes each, as many as the count byte before them says, modulo 17> ... then the register bytes (a
// dense body is repeated or cut to 12288 bytes).
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "storage/hyperloglog.hpp"

namespace hll = credis::hll;

namespace {

struct raise_op {
  uint32_t index;
  uint8_t rank;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3)
    return 0;
  const bool dense = data[0] & 1;
  const size_t sparse_max = static_cast<size_t>(data[1]) * 16;
  const size_t op_count = std::min<size_t>(data[2] % 17, (size - 3) / 3);  // 0-16 raises
  raise_op ops[16];
  for (size_t i = 0; i < op_count; ++i) {
    const uint8_t* p = data + 3 + 3 * i;
    ops[i] = {static_cast<uint32_t>((p[0] | (p[1] << 8)) % hll::register_count),
              static_cast<uint8_t>(1 + p[2] % hll::max_rank)};
  }
  const std::string_view body(reinterpret_cast<const char*>(data) + 3 + 3 * op_count,
                              size - 3 - 3 * op_count);

  std::string sketch = hll::empty_sketch().substr(0, hll::header_size);
  sketch[4] = static_cast<char>(dense ? hll::dense : hll::sparse);
  hll::invalidate_cache(sketch.data());
  if (dense) {
    for (size_t i = 0; i < hll::dense_size - hll::header_size; ++i)
      sketch += body.empty() ? '\0' : body[i % body.size()];
  } else {
    sketch += body;
  }
  FUZZ_CHECK(hll::has_valid_header(sketch));

  const std::optional<uint64_t> count = hll::cardinality(sketch);
  hll::register_bytes regs{};
  const bool merged = hll::merge_into(regs, sketch);
  std::string converted = sketch;
  const bool to_dense = hll::to_dense(converted);
  if (!dense)
    (void)hll::decode_sparse(sketch);
  // Runs that add up to 16384 registers never pass it on the way: the three checks agree.
  FUZZ_CHECK(count.has_value() == merged);
  FUZZ_CHECK(merged == to_dense);
  if (!to_dense)
    converted = sketch;
  if (merged) {
    FUZZ_CHECK(hll::cardinality(converted) == count);
    FUZZ_CHECK(hll::cardinality_of(regs) == *count);
    hll::register_bytes from_dense{};
    FUZZ_CHECK(hll::merge_into(from_dense, converted));
    FUZZ_CHECK(from_dense == regs);
  }

  // Raising registers: on a valid sketch the result is valid and holds the raised registers.
  for (size_t i = 0; i < op_count; ++i) {
    const size_t before = sketch.size();
    const int r = hll::raise_register(sketch, ops[i].index, ops[i].rank, sparse_max);
    if (!merged)
      continue;
    FUZZ_CHECK(r >= 0);
    const bool raised = ops[i].rank > regs[ops[i].index];
    FUZZ_CHECK((r == 1) == raised);
    if (raised)
      regs[ops[i].index] = ops[i].rank;
    hll::register_bytes now{};
    FUZZ_CHECK(hll::merge_into(now, sketch));
    FUZZ_CHECK(now == regs);
    FUZZ_CHECK(hll::cardinality(sketch) == hll::cardinality_of(regs));
    // A sparse sketch grows only up to hll-sparse-max-bytes (one past it turns dense).
    FUZZ_CHECK(hll::encoding_of(sketch) == hll::dense ||
               sketch.size() <= std::max(before, sparse_max));
  }
  return 0;
}
