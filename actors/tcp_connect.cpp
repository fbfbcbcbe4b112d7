#include "actors/tcp_connect.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace credis {

int start_connect(const std::string& host, uint16_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    error = gai_strerror(rc);
    return -1;
  }
  addrinfo* pick = found;
  for (addrinfo* a = found; a; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  int fd = socket(pick->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, pick->ai_addr, pick->ai_addrlen) != 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    close(fd);
    fd = -1;
  } else if (fd < 0) {
    error = std::strerror(errno);
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace credis
