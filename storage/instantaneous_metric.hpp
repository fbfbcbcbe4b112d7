// INFO's instantaneous_* figures as Redis computes them (trackInstantaneousMetric): a counter
// sampled every 100 ms, the rate per second between samples averaged over the last 16.
#pragma once

#include <array>
#include <cstdint>

namespace credis {

class instantaneous_metric {
 public:
  void sample(int64_t now_ms, int64_t counter) {
    if (last_ms_ > 0 && now_ms > last_ms_) {
      rates_[next_] = (counter - last_counter_) * 1000 / (now_ms - last_ms_);
      next_ = (next_ + 1) % rates_.size();
      filled_ = filled_ < rates_.size() ? filled_ + 1 : filled_;
    }
    last_ms_ = now_ms;
    last_counter_ = counter;
  }
  int64_t per_second() const {
    int64_t sum = 0;
    for (size_t i = 0; i < filled_; ++i)
      sum += rates_[i];
    return filled_ ? sum / static_cast<int64_t>(filled_) : 0;
  }

 private:
  std::array<int64_t, 16> rates_{};
  size_t next_ = 0, filled_ = 0;
  int64_t last_ms_ = 0, last_counter_ = 0;
};

}  // namespace credis
