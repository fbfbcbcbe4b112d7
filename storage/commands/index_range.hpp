// Start and end indexes as Redis's range commands read them (GETRANGE, BITCOUNT, BITPOS,
// LRANGE): inclusive, negative ones counting from the end, clamped to the sequence. LRANGE
// adds one rule of its own: an end before the first item gives nothing (here: the first).
#pragma once

#include <cstdint>

namespace credis {

// Turns `start` and `end` into indexes of a sequence of `len` items; false when the range
// holds none.
inline bool clamp_index_range(int64_t& start, int64_t& end, int64_t len) {
  if (start < 0)
    start += len;
  if (end < 0)
    end += len;
  if (start < 0)
    start = 0;
  if (end < 0)
    end = 0;
  if (end >= len)
    end = len - 1;
  return len > 0 && start <= end;
}

}  // namespace credis
