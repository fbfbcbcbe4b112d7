#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "actors/batched_send.hpp"

using credis::batched_send;

namespace {

// A connected pair of stream sockets: [0] is the server's end, [1] the client's.
struct socket_pair {
  int fd[2] = {-1, -1};
  socket_pair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0); }
  ~socket_pair() {
    for (int f : fd)
      if (f >= 0)
        close(f);
  }
  socket_pair(const socket_pair&) = delete;
  socket_pair& operator=(const socket_pair&) = delete;
};

// Everything the client's end holds now, without waiting.
std::string read_all(int fd) {
  std::string got;
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
    got.append(buf, static_cast<size_t>(n));
  return got;
}

// Whether more bytes arrive at `fd` within `ms`.
bool more_arrives(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, ms) > 0;
}

}  // namespace

TEST_CASE("batched_send: every socket of a round gets its bytes, ring or not", "[batched_send]") {
  const bool use_ring = GENERATE(true, false);
  batched_send sender(use_ring);
  if (!use_ring)
    CHECK_FALSE(sender.uses_ring());
  else if (!sender.uses_ring())
    WARN("no io_uring here: the sends went one send() each");
  // More than one call's worth of sockets (256), so the ring is used in parts.
  const size_t count = 300;
  std::vector<std::unique_ptr<socket_pair>> pairs;
  std::vector<std::string> texts;
  std::vector<batched_send::item> items;
  for (size_t i = 0; i < count; ++i) {
    pairs.push_back(std::make_unique<socket_pair>());
    texts.push_back("$" + std::to_string(i) + "\r\n" + std::string(i % 7, 'x') + "\r\n");
  }
  for (size_t i = 0; i < count; ++i)
    items.push_back({pairs[i]->fd[0], texts[i], 12345});
  sender.send_all(items);
  for (size_t i = 0; i < count; ++i) {
    CHECK(items[i].sent == texts[i].size());
    CHECK(read_all(pairs[i]->fd[1]) == texts[i]);
  }
  // A second round through the same ring.
  sender.send_all(std::span(items.data(), 2));
  CHECK(read_all(pairs[0]->fd[1]) == texts[0]);
  CHECK(read_all(pairs[1]->fd[1]) == texts[1]);
}

TEST_CASE("batched_send: a full socket takes what it can now, and nothing later",
          "[batched_send]") {
  batched_send sender;
  socket_pair full, other;
  int small = 4096;
  REQUIRE(setsockopt(full.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
  // Fill it until it takes no more.
  std::string chunk(4096, 'a');
  size_t before = 0;
  while (true) {
    size_t n = credis::send_now(full.fd[0], chunk);
    before += n;
    if (n < chunk.size())
      break;
  }
  std::string big(1 << 20, 'b');
  std::string reply = "+OK\r\n";
  std::vector<batched_send::item> items = {{full.fd[0], big, 0}, {other.fd[0], reply, 0}};
  sender.send_all(items);
  CHECK(items[0].sent < big.size());
  CHECK(items[1].sent == reply.size());
  CHECK(read_all(other.fd[1]) == reply);
  // What the full socket's peer gets is exactly what was reported sent: a send the ring had
  // kept waiting for room would arrive after the connection sent the rest another way.
  size_t got = read_all(full.fd[1]).size();
  while (more_arrives(full.fd[1], 200))
    got += read_all(full.fd[1]).size();
  CHECK(got == before + items[0].sent);
}

TEST_CASE("batched_send: a socket whose peer is gone takes nothing, and the process lives",
          "[batched_send]") {
  batched_send sender;
  socket_pair gone, alive;
  close(gone.fd[1]);
  gone.fd[1] = -1;
  std::string a = "+PONG\r\n", b = ":1\r\n";
  std::vector<batched_send::item> items = {{gone.fd[0], a, 0}, {alive.fd[0], b, 0}};
  sender.send_all(items);  // EPIPE, without SIGPIPE
  CHECK(items[0].sent == 0);
  CHECK(items[1].sent == b.size());
  CHECK(read_all(alive.fd[1]) == b);
}
