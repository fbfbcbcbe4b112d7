#include "storage/access_clock.hpp"

namespace credis {

namespace {

constexpr uint32_t lfu_init_val = 5;

uint32_t lru_clock(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 1000) & access_bits_max;
}

uint32_t lfu_minutes(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 60000) & 65535; }

uint32_t minutes_since(uint32_t then, int64_t now_ms) {
  const uint32_t now = lfu_minutes(now_ms);
  return now >= then ? now - then : 65535 - then + now;
}

// A cheap generator for LFULogIncr's coin (xorshift64*); no thread shares it.
double next_unit() {
  static thread_local uint64_t s = 0x9E3779B97F4A7C15ull;
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return static_cast<double>((s * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

uint32_t log_increment(uint32_t counter) {
  if (counter == 255)
    return 255;
  const double base = counter > lfu_init_val ? counter - lfu_init_val : 0;
  const auto factor = static_cast<double>(access_tracking().lfu_log_factor.load(std::memory_order_relaxed));
  return next_unit() < 1.0 / (base * factor + 1) ? counter + 1 : counter;
}

}  // namespace

access_settings& access_tracking() {
  static access_settings settings;
  return settings;
}

uint32_t fresh_access(int64_t now_ms) {
  if (access_tracking().lfu.load(std::memory_order_relaxed))
    return (lfu_minutes(now_ms) << 8) | lfu_init_val;
  return lru_clock(now_ms);
}

uint32_t touched_access(uint32_t bits, int64_t now_ms) {
  if (!access_tracking().lfu.load(std::memory_order_relaxed))
    return lru_clock(now_ms);
  return (lfu_minutes(now_ms) << 8) | log_increment(lfu_frequency(bits, now_ms));
}

int64_t idle_ms(uint32_t bits, int64_t now_ms) {
  const uint32_t clock = lru_clock(now_ms);
  const uint32_t seconds = clock >= bits ? clock - bits : clock + (access_bits_max - bits);
  return static_cast<int64_t>(seconds) * 1000;
}

uint32_t lfu_frequency(uint32_t bits, int64_t now_ms) {
  const uint32_t counter = bits & 255;
  const int64_t decay = access_tracking().lfu_decay_time.load(std::memory_order_relaxed);
  const int64_t periods = decay > 0 ? minutes_since(bits >> 8, now_ms) / decay : 0;
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

uint32_t access_for_idle(int64_t idle_seconds, int64_t now_ms) {
  // Redis's objectSetLRUOrLFU: the clock that many seconds ago, never wrapping past zero.
  const int64_t clock = lru_clock(now_ms);
  int64_t then = clock - idle_seconds;
  if (then < 0)
    then += access_bits_max;
  return static_cast<uint32_t>(then) & access_bits_max;
}

uint32_t access_for_frequency(uint32_t counter, int64_t now_ms) {
  return (lfu_minutes(now_ms) << 8) | (counter > 255 ? 255 : counter);
}

}  // namespace credis
