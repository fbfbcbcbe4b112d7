#include "storage/latency_histogram.hpp"

#include <cmath>

namespace credis {

int64_t latency_histogram::lowest_of(int bucket) {
  if (bucket < sub_buckets)
    return bucket;
  const int shift = (bucket - sub_buckets) / sub_buckets;
  const int64_t sub = sub_buckets + (bucket - sub_buckets) % sub_buckets;
  return sub << shift;
}

int64_t latency_histogram::highest_of(int bucket) {
  if (bucket < sub_buckets)
    return bucket;
  const int shift = (bucket - sub_buckets) / sub_buckets;
  return lowest_of(bucket) + (int64_t{1} << shift) - 1;
}

int64_t latency_histogram::value_at_percentile(double percentile) const {
  if (total_ == 0)
    return 0;
  const double share = percentile < 0 ? 0 : percentile > 100 ? 100 : percentile;
  auto wanted = static_cast<uint64_t>(std::ceil(share / 100.0 * static_cast<double>(total_)));
  if (wanted == 0)
    wanted = 1;
  uint64_t seen = 0;
  for (int b = 0; b < bucket_count; ++b) {
    seen += counts_[b];
    if (seen >= wanted)
      return highest_of(b);
  }
  return max_ns;
}

std::vector<latency_histogram::point> latency_histogram::cumulative_distribution() const {
  std::vector<point> points;
  if (total_ == 0)
    return points;
  uint64_t below = 0, reported = 0;
  int b = 0;
  for (int64_t limit = 1024; reported < total_; limit *= 2) {
    for (; b < bucket_count && highest_of(b) < limit; ++b)
      below += counts_[b];
    if (below > reported)
      points.push_back({(limit - 1) / 1000, below});
    reported = below;
  }
  return points;
}

}  // namespace credis
