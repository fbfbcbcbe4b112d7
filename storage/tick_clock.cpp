#include "storage/tick_clock.hpp"

namespace credis {

namespace {

struct tick_origin {
  uint64_t ticks = ticks_now();
  std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
};

const tick_origin origin;

}  // namespace

double ticks_per_microsecond() {
#if defined(__x86_64__) || defined(__i386__)
  const double us = std::chrono::duration<double, std::micro>(
                        std::chrono::steady_clock::now() - origin.time)
                        .count();
  if (us < 1000)
    return 1000.0;  // too soon to tell; a GHz counter is the likely rate
  return static_cast<double>(ticks_now() - origin.ticks) / us;
#else
  return 1000.0;  // steady_clock counts nanoseconds
#endif
}

}  // namespace credis
