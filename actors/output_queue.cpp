#include "actors/output_queue.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace credis {

void output_queue::push_text(std::string&& text, size_t from) {
  if (from >= text.size())
    return;
  bytes_ += text.size() - from;
  segments_.push_back({std::move(text), {}, from});
}

// Small text after small text joins it: replies and messages that wait for the end of the
// loop's round then go in one send.
constexpr size_t joined_text_limit = 16 * 1024;

void output_queue::append(std::string_view text) {
  if (text.empty())
    return;
  if (!segments_.empty() && !segments_.back().block &&
      segments_.back().text.size() + text.size() <= joined_text_limit) {
    segments_.back().text.append(text);
    bytes_ += text.size();
    return;
  }
  push_text(std::string(text), 0);
}

void output_queue::append(batch_replies&& replies, size_t skip) {
  // Cut the text at each splice point; the pieces before the last splice are copied, the tail
  // keeps the text's own buffer.
  size_t pos = 0;  // offset in the whole reply stream (text and blocks)
  size_t text_at = 0;
  for (auto& s : replies.spliced) {
    std::string_view piece(replies.text.data() + text_at, s.offset - text_at);
    if (pos + piece.size() > skip)
      push_text(std::string(piece.substr(skip > pos ? skip - pos : 0)), 0);
    pos += piece.size();
    text_at = s.offset;
    size_t n = s.block.size();
    if (pos + n > skip) {
      size_t from = skip > pos ? skip - pos : 0;
      bytes_ += n - from;
      segments_.push_back({{}, std::move(s.block), from});
      ++blocks_;
    }
    pos += n;
  }
  if (text_at == 0) {
    if (skip == 0 && replies.text.size() <= joined_text_limit / 4 && !segments_.empty())
      append(std::string_view(replies.text));
    else
      push_text(std::move(replies.text), skip);
    return;
  }
  std::string_view tail(replies.text.data() + text_at, replies.text.size() - text_at);
  if (pos + tail.size() > skip)
    push_text(std::string(tail.substr(skip > pos ? skip - pos : 0)), 0);
}

void output_queue::consume(size_t n) {
  bytes_ -= n;
  while (n > 0) {
    segment& s = segments_.front();
    size_t left = s.rest().size();
    if (n < left) {
      s.from += n;
      return;
    }
    n -= left;
    if (s.block)
      --blocks_;
    segments_.pop_front();
  }
}

size_t output_queue::send_some(int fd) {
  size_t total = 0;
  while (!segments_.empty()) {
    iovec iov[16];
    int count = 0;
    size_t offered = 0;
    for (auto it = segments_.begin(); it != segments_.end() && count < 16; ++it, ++count) {
      std::string_view r = it->rest();
      iov[count] = {const_cast<char*>(r.data()), r.size()};
      offered += r.size();
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    consume(static_cast<size_t>(n));
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < offered)
      break;  // the socket is full
  }
  return total;
}

void output_queue::take(size_t max, std::vector<char>& sink) {
  size_t taken = 0;
  for (auto it = segments_.begin(); it != segments_.end() && taken < max; ++it) {
    std::string_view r = it->rest();
    size_t n = std::min(r.size(), max - taken);
    sink.insert(sink.end(), r.data(), r.data() + n);
    taken += n;
  }
  consume(taken);
}

}  // namespace credis
