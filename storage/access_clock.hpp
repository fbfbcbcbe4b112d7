// What OBJECT IDLETIME and OBJECT FREQ read: 24 bits kept with each value, as Redis keeps
// robj->lru. Under an LRU (or no) maxmemory-policy they hold the LRU clock of the last access
// (seconds, wrapping every 194 days); under an LFU policy the minute of the last decay (16 bits)
// and a logarithmic access counter (8 bits). The policy can change at run time, as in Redis:
// the bits are then read the other way until keys are touched again.
#pragma once

#include <atomic>
#include <cstdint>

namespace credis {

struct access_settings {
  std::atomic<bool> lfu{false};               // maxmemory-policy is allkeys-lfu or volatile-lfu
  std::atomic<bool> lru{false};               // it is allkeys-lru or volatile-lru
  std::atomic<int64_t> lfu_log_factor{10};    // lfu-log-factor
  std::atomic<int64_t> lfu_decay_time{1};     // lfu-decay-time (minutes per decrement)
};

// The process's settings (set by CONFIG, read on every key access).
access_settings& access_tracking();

constexpr uint32_t access_bits_max = (1u << 24) - 1;

// A new value's bits at `now_ms`: the LRU clock, or the current minute with LFU_INIT_VAL (5).
uint32_t fresh_access(int64_t now_ms);
// The bits after an access at `now_ms` (Redis's lookupKey: LRU clock, or updateLFU).
uint32_t touched_access(uint32_t bits, int64_t now_ms);
// OBJECT IDLETIME's milliseconds since the last access (estimateObjectIdleTime).
int64_t idle_ms(uint32_t bits, int64_t now_ms);
// OBJECT FREQ's counter, decayed by the minutes since (LFUDecrAndReturn).
uint32_t lfu_frequency(uint32_t bits, int64_t now_ms);
// RESTORE's IDLETIME and FREQ.
uint32_t access_for_idle(int64_t idle_seconds, int64_t now_ms);
uint32_t access_for_frequency(uint32_t counter, int64_t now_ms);

}  // namespace credis
