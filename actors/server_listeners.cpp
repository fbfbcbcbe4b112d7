#include "actors/server_listeners.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "storage/config/config_table.hpp"

namespace credis {

namespace {

constexpr int listen_backlog = 511;  // Redis's tcp-backlog

// A listening socket on `address` (Redis's "*" and "::*": any), or -1 with `error` and errno
// set as the failed call left them.
int open_listener(std::string address, uint16_t port, std::string& error) {
  const int family = address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  const bool any = address == "*" || (family == AF_INET6 && address == "::*");
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(any ? nullptr : address.c_str(), service.c_str(), &hints, &found)) {
    error = gai_strerror(rc);
    errno = EINVAL;  // a name that does not resolve is never skipped
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  int fd = -1;
  for (addrinfo* p = found; p && fd < 0; p = p->ai_next)
    fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
  if (fd < 0) {
    error = "unable to bind socket, errno: " + std::to_string(errno);
    return -1;
  }
  const int yes = 1;
  const char* failed = nullptr;
  if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes)) != 0)
    failed = "setsockopt IPV6_V6ONLY";
  else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) != 0)
    failed = "setsockopt SO_REUSEADDR";
  else if (bind(fd, found->ai_addr, found->ai_addrlen) != 0)
    failed = "bind";
  else if (::listen(fd, listen_backlog) != 0)
    failed = "listen";
  if (failed) {
    const int why = errno;
    error = std::string(failed) + ": " + std::strerror(why);
    close(fd);
    errno = why;
    return -1;
  }
  return fd;
}

// Redis skips an address the system has no protocol for (IPv6 off), and an optional ("-")
// one it does not have.
bool skippable(int error, bool optional) {
  return (error == EADDRNOTAVAIL && optional) || error == ENOPROTOOPT || error == EPROTONOSUPPORT ||
         error == ESOCKTNOSUPPORT || error == EPFNOSUPPORT || error == EAFNOSUPPORT;
}

// Listening sockets on `port` at each address of `bind`; on failure none (those opened are
// closed) and the reason, Redis's log line.
std::string open_all(uint16_t port, std::string_view bind, std::vector<int>& fds) {
  for (std::string_view word : words_of(bind)) {
    const bool optional = word.size() > 1 && word[0] == '-';
    const std::string address(optional ? word.substr(1) : word);
    std::string error;
    int fd = open_listener(address, port, error);
    if (fd >= 0) {
      fds.push_back(fd);
      continue;
    }
    const int why = errno;
    std::string line = "Could not create server TCP listening socket " + address + ":" +
                       std::to_string(port) + ": " + error;
    if (skippable(why, optional)) {
      spdlog::debug("{}", line);
      continue;
    }
    for (int opened : fds)
      close(opened);
    fds.clear();
    return line;
  }
  return {};
}

}  // namespace

std::string server_listeners::listen(listener_kind kind, uint16_t port, std::string_view bind) {
  const bool tls = kind == listener_kind::tls;
  if (tls && port != 0 && !tls_ready_)
    return "Could not listen on the tls-port: TLS was not configured at start-up";
  std::vector<int>& current = fds_[tls ? 1 : 0];
  // A listening socket stops listening on a read shutdown and keeps its address; with
  // SO_REUSEADDR another may then bind it, and it may listen again.
  for (int fd : current)
    shutdown(fd, SHUT_RD);
  std::vector<int> opened;
  std::string error = port != 0 ? open_all(port, bind, opened) : std::string();
  if (!error.empty()) {
    for (int fd : current)
      if (::listen(fd, listen_backlog) != 0)
        spdlog::warn("Could not listen again on a listening socket: {}", std::strerror(errno));
    return error;
  }
  caf::anon_send(acceptor_, listen_atom::value, tls, opened, current);
  current = std::move(opened);
  return {};
}

}  // namespace credis
