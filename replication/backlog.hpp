// The replication backlog: a ring buffer holding the newest bytes of the replication stream,
// so that a replica that lost its link can be sent what it missed (PSYNC .. +CONTINUE)
// instead of a whole new snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace credis {

class backlog {
 public:
  explicit backlog(size_t capacity) { resize(capacity); }

  // Adds stream bytes; the oldest ones fall out once the buffer is full.
  void append(std::string_view bytes);
  // Empties the buffer; the stream's history now ends at `offset`.
  void reset(int64_t offset);
  // Changes the capacity, keeping the newest bytes that fit.
  void resize(size_t capacity);

  size_t capacity() const { return buf_.size(); }
  size_t histlen() const { return histlen_; }
  // The offset of the stream's last byte (master_repl_offset).
  int64_t end_offset() const { return end_; }
  // The offset of the oldest byte held (INFO's repl_backlog_first_byte_offset).
  int64_t first_byte_offset() const { return end_ - static_cast<int64_t>(histlen_) + 1; }

  // True when a replica that has every byte up to `offset` can be sent the rest from here.
  bool covers(int64_t offset) const {
    return offset >= end_ - static_cast<int64_t>(histlen_) && offset <= end_;
  }
  // Appends the bytes after `offset` to `out`; false (nothing appended) unless covers(offset).
  bool copy_after(int64_t offset, std::string& out) const;

 private:
  std::string buf_;
  size_t head_ = 0;     // where the next byte goes
  size_t histlen_ = 0;  // bytes held
  int64_t end_ = 0;
};

}  // namespace credis
