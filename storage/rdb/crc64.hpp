// CRC-64 as RDB files use it: the "Jones" polynomial 0xad93d23594c935a9, reflected input and
// output, initial value 0, no final xor. crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstddef>
#include <cstdint>

namespace credis {

// Continues `crc` over `n` bytes at `p` (start with 0). Folds 64 bytes a step with carry-less
// multiplication where the CPU has it (x86-64 PCLMULQDQ), else 8 bytes a step from tables.
uint64_t crc64(uint64_t crc, const void* p, size_t n);
// The table version alone (what crc64 is checked against).
uint64_t crc64_portable(uint64_t crc, const void* p, size_t n);

}  // namespace credis
