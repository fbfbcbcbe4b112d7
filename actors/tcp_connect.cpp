#include "actors/tcp_connect.hpp"

#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

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

namespace {

// Binds `fd` to `source` (bind-source-addr); false when no address of it could be bound.
bool bind_source(int fd, const std::string& source, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(source.c_str(), nullptr, &hints, &found); rc != 0) {
    error = gai_strerror(rc);
    return false;
  }
  bool bound = false;
  for (addrinfo* a = found; a && !bound; a = a->ai_next)
    bound = bind(fd, a->ai_addr, a->ai_addrlen) == 0;
  if (!bound)
    error = std::string("bind: ") + std::strerror(errno);
  freeaddrinfo(found);
  return bound;
}

}  // namespace

int connect_to(const resolved_address& address, std::string& error, const std::string& source) {
  const auto* sa = reinterpret_cast<const sockaddr*>(&address.addr);
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && !source.empty() && !bind_source(fd, source, error)) {
    close(fd);
    spdlog::debug("Connecting from any address: {} {}", source, error);
    return connect_to(address, error);
  }
  if (fd >= 0 && connect(fd, sa, address.len) != 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    close(fd);
    fd = -1;
  } else if (fd < 0) {
    error = std::strerror(errno);
  }
  return fd;
}

int start_connect(const std::string& host, uint16_t port, std::string& error,
                  const std::string& source) {
  resolved_address address;
  return resolve_address(host, port, false, address, error) ? connect_to(address, error, source)
                                                             : -1;
}

}  // namespace credis
