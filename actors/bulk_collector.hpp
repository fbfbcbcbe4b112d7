// A big bulk argument read straight into the byte_block that will hold it as a value, as Redis
// reads such arguments into a buffer of their declared size: the connection's input buffer
// never holds its bytes, and CAF's receive buffer only what one read brought with it.
//
// The block is allocated at the declared size, but the pages behind it are only touched as the
// bytes arrive, so a claim costs no memory until it is backed: the unwritten rest is not
// counted as used (add_unwritten_bytes) and a client that declares 512 MB and disconnects
// leaves nothing behind.
#pragma once

#include <cstddef>
#include <string_view>

#include "storage/byte_block.hpp"

namespace credis {

class bulk_collector {
 public:
  bulk_collector() = default;
  bulk_collector(const bulk_collector&) = delete;
  bulk_collector& operator=(const bulk_collector&) = delete;
  ~bulk_collector() { reset(); }

  bool active() const { return static_cast<bool>(block_); }
  bool complete() const { return active() && filled_ == block_.size(); }
  size_t filled() const { return filled_; }

  // Throws std::bad_alloc when the memory cannot be had.
  void start(size_t length);
  // Takes what the bulk still needs from the front of `bytes`; returns how many it took.
  size_t fill(std::string_view bytes);
  // Reads what is missing straight from the socket, as far as the socket has it now. An end of
  // stream or an error is left for the next read by CAF to report. While bytes are missing the
  // socket reports itself readable only once a good part of them is there (SO_RCVLOWAT), so a
  // 1 MB value wakes the server once rather than once per segment. (At most 1 MB: 256 KB woke it
  // four times, and cost 20% more CPU per 1 MB SET, at 0.95 of Redis's rate against 1.05.)
  void read_from(int fd);
  // The complete bulk; the collector is idle again.
  byte_block finish();

  static constexpr size_t max_low_water = 1024 * 1024;

 private:
  void filled(size_t n);
  void reset();
  void set_low_water(size_t bytes);

  byte_block block_;
  size_t filled_ = 0;
  int fd_ = -1;          // the socket whose low-water mark was raised
  size_t low_water_ = 1;
};

}  // namespace credis
