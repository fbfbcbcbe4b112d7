#include "actors/batched_send.hpp"

#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace credis {

namespace {

// Sends per call at most; a round with more goes in several calls.
constexpr unsigned ring_entries = 256;

// Whether a send to a full socket fails at once in this ring, as send() with MSG_DONTWAIT
// does, rather than waiting in the ring for room while the connection's later output goes
// another way: tried on a socket pair (kernels that honour MSG_DONTWAIT in a ring complete the
// send with -EAGAIN during the submit).
bool fails_at_once_when_full(io_uring* u) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
    return false;
  static const char bytes[4096] = {};
  while (::send(fds[0], bytes, sizeof bytes, MSG_DONTWAIT) > 0) {
  }
  io_uring_sqe* sqe = io_uring_get_sqe(u);
  io_uring_prep_send(sqe, fds[0], bytes, sizeof bytes, MSG_NOSIGNAL | MSG_DONTWAIT);
  io_uring_cqe* cqe = nullptr;
  const bool at_once =
      io_uring_submit(u) == 1 && io_uring_peek_cqe(u, &cqe) == 0 && cqe->res == -EAGAIN;
  if (at_once)
    io_uring_cqe_seen(u, cqe);
  // A send left waiting ends with the ring, which the caller then drops.
  close(fds[1]);
  close(fds[0]);
  return at_once;
}

}  // namespace

size_t send_now(int fd, std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  return sent;
}

struct batched_send::ring {
  io_uring uring{};
  bool live = false;
  ~ring() {
    if (live)
      io_uring_queue_exit(&uring);
  }
};

batched_send::batched_send(bool use_ring) {
  if (!use_ring)
    return;
  auto r = std::make_unique<ring>();
  io_uring_params params{};
  if (int rc = io_uring_queue_init_params(ring_entries, &r->uring, &params); rc != 0) {
    why_no_ring_ = std::strerror(-rc);
    return;
  }
  r->live = true;
  io_uring_probe* probe = io_uring_get_probe_ring(&r->uring);
  const bool has_send = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_SEND);
  if (probe != nullptr)
    io_uring_free_probe(probe);
  if (!has_send)
    why_no_ring_ = "the kernel's io_uring has no send";
  else if (!fails_at_once_when_full(&r->uring))
    why_no_ring_ = "the kernel's io_uring waits for a full socket despite MSG_DONTWAIT";
  else
    ring_ = std::move(r);
}

batched_send::~batched_send() = default;

void batched_send::send_all(std::span<item> items) {
  if (ring_ && items.size() > 1) {
    while (!items.empty()) {
      auto part = items.first(std::min<size_t>(items.size(), ring_entries));
      send_by_ring(part);
      items = items.subspan(part.size());
    }
    return;
  }
  for (auto& it : items)
    it.sent = send_now(it.fd, it.bytes);
}

void batched_send::send_by_ring(std::span<item> items) {
  io_uring* u = &ring_->uring;
  for (size_t i = 0; i < items.size(); ++i) {
    io_uring_sqe* sqe = io_uring_get_sqe(u);  // never null: the ring is drained after each part
    io_uring_prep_send(sqe, items[i].fd, items[i].bytes.data(), items[i].bytes.size(),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    io_uring_sqe_set_data64(sqe, i);
    items[i].sent = 0;
  }
  // Each send is tried as the ring takes it, so their completions are there when this returns.
  size_t submitted = 0;
  while (submitted < items.size()) {
    int rc = io_uring_submit(u);
    if (rc == -EINTR)
      continue;
    if (rc <= 0)
      break;
    submitted += static_cast<size_t>(rc);
  }
  size_t done = 0;
  while (done < submitted) {
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_wait_cqe(u, &cqe);
    if (rc == -EINTR || rc == -EAGAIN)
      continue;
    if (rc < 0) {
      ring_.reset();  // not seen to happen; the ring is not trusted with later rounds
      return;
    }
    auto& it = items[io_uring_cqe_get_data64(cqe)];
    if (cqe->res > 0)
      it.sent = static_cast<size_t>(cqe->res);
    io_uring_cqe_seen(u, cqe);
    ++done;
  }
  if (submitted < items.size()) {
    // The kernel refused the rest (short of memory): those still in the ring would go at the
    // next call, after later output, so the ring goes, and they go by send().
    ring_.reset();
    for (auto& it : items.subspan(submitted))
      it.sent = send_now(it.fd, it.bytes);
  }
}

}  // namespace credis
