// What a connection still has to send, in order: reply text and the shared blocks of large
// values, each kept as it came (moved, never copied into one buffer).
//
// The socket takes what it can at once; the rest goes to CAF a chunk at a time, when CAF has
// sent the chunk before, so a 100 MB GET reply to a slow reader costs the connection one chunk
// of copies on top of the stored value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "storage/commands/command_batch.hpp"

namespace credis {

class output_queue {
 public:
  // Queues everything in `replies` after its first `skip` bytes (already sent).
  void append(batch_replies&& replies, size_t skip = 0);
  void append(std::string_view text);

  bool empty() const { return segments_.empty(); }
  // Whether a large value (a shared block) is among what waits.
  bool holds_block() const { return blocks_ > 0; }
  uint64_t size() const { return bytes_; }

  // Sends from the front what the socket takes without blocking; returns how many bytes.
  size_t send_some(int fd);
  // The bytes at the front (of the first segment), for a send made elsewhere; then consume().
  std::string_view front() const { return empty() ? std::string_view() : segments_.front().rest(); }
  // Drops the first `n` bytes, which went out.
  void consume(size_t n);
  // Moves up to `max` bytes from the front to the end of `sink`.
  void take(size_t max, std::vector<char>& sink);

 private:
  struct segment {
    std::string text;  // or, when `block` is set, its bytes
    byte_block block;
    size_t from = 0;   // bytes of it already sent
    std::string_view rest() const {
      std::string_view all = block ? block.view() : std::string_view(text);
      return all.substr(from);
    }
  };
  void push_text(std::string&& text, size_t from);

  std::deque<segment> segments_;
  uint64_t bytes_ = 0;
  size_t blocks_ = 0;  // segments that are blocks
};

}  // namespace credis
