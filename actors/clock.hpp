// Wall-clock time in milliseconds, the unit of Redis deadlines.
#pragma once

#include <chrono>

#include "storage/database.hpp"

namespace credis {

inline unix_ms now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace credis
