#include "actors/tcp_connect.hpp"

#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace credis {

bool resolve_address(const std::string& host, uint16_t port, bool numeric_only,
                     resolved_address& out, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = numeric_only ? AI_NUMERICHOST : 0;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    error = gai_strerror(rc);
    return false;
  }
  addrinfo* pick = found;
  for (addrinfo* a = found; a; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  std::memcpy(&out.addr, pick->ai_addr, pick->ai_addrlen);
  out.len = pick->ai_addrlen;
  freeaddrinfo(found);
  return true;
}

int connect_to(const resolved_address& address, std::string& error) {
  const auto* sa = reinterpret_cast<const sockaddr*>(&address.addr);
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, sa, address.len) != 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    close(fd);
    fd = -1;
  } else if (fd < 0) {
    error = std::strerror(errno);
  }
  return fd;
}

int start_connect(const std::string& host, uint16_t port, std::string& error) {
  resolved_address address;
  return resolve_address(host, port, false, address, error) ? connect_to(address, error) : -1;
}

}  // namespace credis
