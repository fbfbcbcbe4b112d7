#include "replication/backlog.hpp"

#include <algorithm>
#include <cstring>

namespace credis {

void backlog::append(std::string_view bytes) {
  end_ += static_cast<int64_t>(bytes.size());
  size_t cap = buf_.size();
  if (bytes.size() >= cap) {  // only the tail fits
    bytes.remove_prefix(bytes.size() - cap);
    std::memcpy(buf_.data(), bytes.data(), cap);
    head_ = 0;
    histlen_ = cap;
    return;
  }
  size_t first = std::min(bytes.size(), cap - head_);
  std::memcpy(buf_.data() + head_, bytes.data(), first);
  std::memcpy(buf_.data(), bytes.data() + first, bytes.size() - first);
  head_ = (head_ + bytes.size()) % cap;
  histlen_ = std::min(cap, histlen_ + bytes.size());
}

void backlog::reset(int64_t offset) {
  end_ = offset;
  head_ = 0;
  histlen_ = 0;
}

void backlog::resize(size_t capacity) {
  capacity = std::max<size_t>(capacity, 1);
  std::string kept;
  if (histlen_ > 0)
    copy_after(end_ - static_cast<int64_t>(std::min(histlen_, capacity)), kept);
  int64_t end = end_;
  buf_.assign(capacity, '\0');
  reset(end - static_cast<int64_t>(kept.size()));
  append(kept);
}

bool backlog::copy_after(int64_t offset, std::string& out) const {
  if (!covers(offset))
    return false;
  size_t n = static_cast<size_t>(end_ - offset);
  size_t cap = buf_.size();
  size_t start = (head_ + cap - n) % cap;
  size_t first = std::min(n, cap - start);
  out.append(buf_, start, first);
  out.append(buf_, 0, n - first);
  return true;
}

}  // namespace credis
