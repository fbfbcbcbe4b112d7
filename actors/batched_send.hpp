// Sends to many sockets with one system call.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace credis {

// Sends what the socket takes without blocking; returns how many bytes it took (0 when it
// would block, and on errors, which CAF's own reads then report as a closed connection).
size_t send_now(int fd, std::string_view bytes);

// A round of the event loop answers every connection that was ready, one send() each: on this
// project's VM a system call costs 1 µs before it does anything (page-table isolation without
// PCID), as much as a small request's whole user-space work. An io_uring takes all of a
// round's sends in one call; each is tried at once, without waiting, as send() would.
// Without io_uring (an old kernel, a container that forbids it, or `use_ring` false) each is a
// send() as before.
class batched_send {
 public:
  struct item {
    int fd = -1;
    std::string_view bytes;
    size_t sent = 0;  // filled in: what the socket took (0 when full, and on errors, which the
                      // connection's reads then report as a closed socket)
  };

  explicit batched_send(bool use_ring = true);
  ~batched_send();
  batched_send(const batched_send&) = delete;
  batched_send& operator=(const batched_send&) = delete;

  // Sends each item's bytes, what its socket takes without blocking.
  void send_all(std::span<item> items);

  // Whether the sends go through an io_uring.
  bool uses_ring() const { return ring_ != nullptr; }
  // Why they do not, when asked to: the kernel's error, or what it lacks.
  const std::string& why_no_ring() const { return why_no_ring_; }

 private:
  struct ring;
  std::unique_ptr<ring> ring_;
  std::string why_no_ring_;

  void send_by_ring(std::span<item> items);
};

}  // namespace credis
