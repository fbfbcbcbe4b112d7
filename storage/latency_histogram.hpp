// The latencies of one command, as Redis's latency tracking keeps them (an HDR histogram from
// 1 ns to 1 s with two significant digits): LATENCY HISTOGRAM's cumulative distribution and
// INFO latencystats' percentiles.
//
// Values below 128 ns have a bucket each; above, every power of two is cut into 128 equal
// buckets, so a bucket is under 1% of its values wide.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace credis {

class latency_histogram {
 public:
  static constexpr int64_t min_ns = 1;
  static constexpr int64_t max_ns = 1'000'000'000;

  // Counts one latency, clamped to [min_ns, max_ns].
  void record(int64_t ns) {
    if (!counts_)
      counts_ = std::make_unique<uint64_t[]>(bucket_count);
    ++counts_[bucket_of(ns < min_ns ? min_ns : ns > max_ns ? max_ns : ns)];
    ++total_;
  }
  uint64_t total() const { return total_; }

  // The smallest latency at or below which `percentile` (0-100) of the values are, as the
  // highest value of its bucket (hdr_value_at_percentile); 0 when nothing was recorded.
  int64_t value_at_percentile(double percentile) const;

  // LATENCY HISTOGRAM's points: for limits of 1024 ns doubling (reported as microseconds,
  // rounded down), how many values lie below, where that count grew.
  struct point {
    int64_t usec;
    uint64_t cumulative;
  };
  std::vector<point> cumulative_distribution() const;

 private:
  static constexpr int sub_buckets = 128;
  static constexpr int sub_bits = 7;
  // 128 exact buckets, then 128 per power of two from 2^7 to 2^29 (max_ns < 2^30).
  static constexpr int bucket_count = sub_buckets + (30 - sub_bits) * sub_buckets;

  static int bucket_of(int64_t ns) {
    const auto v = static_cast<uint64_t>(ns);
    if (v < sub_buckets)
      return static_cast<int>(v);
    const int exponent = 63 - __builtin_clzll(v);
    const int shift = exponent - sub_bits;
    return sub_buckets + shift * sub_buckets + static_cast<int>((v >> shift) - sub_buckets);
  }
  // The lowest and highest values a bucket holds.
  static int64_t lowest_of(int bucket);
  static int64_t highest_of(int bucket);

  std::unique_ptr<uint64_t[]> counts_;  // allocated by the first value (24 KB)
  uint64_t total_ = 0;
};

}  // namespace credis
