#include "actors/bulk_collector.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/memory_usage.hpp"

namespace credis {

void bulk_collector::start(size_t length) {
  reset();
  block_ = byte_block::allocate(length);
  // The allocator's rounding up to its size class is untouched as well.
  add_unwritten_bytes(static_cast<int64_t>(block_.capacity()));
}

void bulk_collector::filled(size_t n) {
  filled_ += n;
  add_unwritten_bytes(-static_cast<int64_t>(n));
}

size_t bulk_collector::fill(std::string_view bytes) {
  size_t n = std::min(bytes.size(), block_.size() - filled_);
  std::memcpy(block_.data() + filled_, bytes.data(), n);
  filled(n);
  // The mark read_from raised must stay within what the client still owes: a trickling peer
  // (one byte per segment) fills the receive buffer's memory first, the kernel then wakes us
  // below the mark, and a mark left above the rest would never let the last bytes be read.
  if (low_water_ > block_.size() - filled_)
    set_low_water(block_.size() - filled_);
  return n;
}

void bulk_collector::read_from(int fd) {
  while (filled_ < block_.size()) {
    size_t wanted = block_.size() - filled_;
    ssize_t n = ::recv(fd, block_.data() + filled_, wanted, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    filled(static_cast<size_t>(n));
    if (static_cast<size_t>(n) < wanted)
      break;  // the socket is empty: asking again would only say so
  }
  // Never more than the client still owes, or it would wait for our reply and we for it.
  fd_ = fd;
  set_low_water(std::min(block_.size() - filled_, max_low_water));
}

void bulk_collector::set_low_water(size_t bytes) {
  if (bytes == 0)
    bytes = 1;
  if (bytes == low_water_ || fd_ < 0)
    return;
  int value = static_cast<int>(bytes);
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &value, sizeof(value)) == 0)
    low_water_ = bytes;
}

byte_block bulk_collector::finish() {
  byte_block done = block_;
  reset();
  return done;
}

void bulk_collector::reset() {
  if (block_)
    add_unwritten_bytes(-static_cast<int64_t>(block_.capacity() - filled_));
  set_low_water(1);
  block_ = {};
  filled_ = 0;
}

}  // namespace credis
