#include "actors/direct_send.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace credis {

int native_socket_of(caf::io::abstract_broker* self, caf::io::connection_handle hdl) {
  auto id = hdl.id();
  if (id < 0 || id > 1 << 30)
    return -1;
  int fd = static_cast<int>(id);
  sockaddr_storage peer{};
  socklen_t len = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0)
    return -1;
  uint16_t port = 0;
  if (peer.ss_family == AF_INET)
    port = ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
  else if (peer.ss_family == AF_INET6)
    port = ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port);
  return port != 0 && port == self->remote_port(hdl) ? fd : -1;
}

std::string address_text(const std::string& ip, uint16_t port) {
  if (ip.find(':') != std::string::npos)
    return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

std::string local_address_of(int fd) {
  sockaddr_storage self{};
  socklen_t len = sizeof(self);
  if (fd < 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) != 0)
    return {};
  char ip[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (self.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&self);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (self.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&self);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  } else {
    return {};
  }
  return address_text(ip, port);
}

void limit_unsent_bytes(int fd, bool on) {
  const int limit = on ? 64 * 1024 : 0;  // 0: net.ipv4.tcp_notsent_lowat
  setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &limit, sizeof limit);
}

}  // namespace credis
