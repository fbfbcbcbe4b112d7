#include "actors/sync_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "replication/replication_id.hpp"

namespace credis {

namespace {

// Writes to every replica socket still healthy; a replica that fails or stalls past the
// timeout is shut down (its connection actor in the parent then sees it close) and the
// others go on. The sockets are non-blocking, shared with the parent: poll instead of
// changing their flags.
class replica_sockets : public rdb_sink {
 public:
  replica_sockets(const std::vector<int>& fds, int64_t timeout_ms)
      : fds_(fds), timeout_ms_(static_cast<int>(std::min<int64_t>(timeout_ms, 1 << 30))) {}

  void write(const char* p, size_t n) override {
    for (int& fd : fds_)
      if (fd >= 0 && !write_all(fd, p, n)) {
        shutdown(fd, SHUT_RDWR);
        fd = -1;
      }
  }
  void write(std::string_view s) { write(s.data(), s.size()); }
  bool any_left() const {
    return std::any_of(fds_.begin(), fds_.end(), [](int fd) { return fd >= 0; });
  }

 private:
  bool write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w > 0) {
        p += w;
        n -= static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd pfd{fd, POLLOUT, 0};
        if (poll(&pfd, 1, timeout_ms_) <= 0)
          return false;
        continue;
      }
      return false;
    }
    return true;
  }

  std::vector<int> fds_;
  int timeout_ms_;
};

// Closes every descriptor above stderr except `keep`, so that the child holds no client
// socket the parent closes.
void close_other_fds(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < 3)
      continue;
    if (static_cast<unsigned>(fd) > from)
      close_range(from, static_cast<unsigned>(fd) - 1, 0);
    from = static_cast<unsigned>(fd) + 1;
  }
  close_range(from, ~0U, 0);
}

// "$<length>\r\n", the header of a payload sent with its length.
std::string length_header(size_t length) {
  std::string header = "$";
  header += std::to_string(length);
  header += "\r\n";
  return header;
}

bool send_file(const std::string& path, replica_sockets& out) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return false;
  off_t size = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  out.write(length_header(static_cast<size_t>(size)));
  std::string buf(128 * 1024, '\0');
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0)
    out.write(buf.data(), static_cast<size_t>(n));
  close(fd);
  return n == 0;
}

bool write_payload(const keyspace& ks, const rdb_save_info& info, const sync_job& job,
                   const std::string& rdb_file, replica_sockets& out) {
  if (job.fullresync_line)
    out.write("+FULLRESYNC " + job.replid + " " + std::to_string(info.repl_offset) + "\r\n");
  if (job.eof_form) {
    std::string mark = make_replication_id();
    out.write("$EOF:" + mark + "\r\n");
    rdb_write(ks, info, out);
    out.write(mark);
    return true;
  }
  std::string error;
  return rdb_save_file(ks, info, rdb_file, error) && send_file(rdb_file, out);
}

}  // namespace

int fork_sync_child(const keyspace& ks, const rdb_save_info& info, const sync_job& job,
                    const std::string& rdb_file, int64_t timeout_ms, std::string& error) {
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("Can't fork for a replica's sync: ") + std::strerror(errno);
    return -1;
  }
  if (pid > 0)
    return pid;
  close_other_fds(job.fds);
  replica_sockets out(job.fds, timeout_ms);
  bool ok = write_payload(ks, info, job, rdb_file, out) && out.any_left();
  _exit(ok ? 0 : 1);  // no destructors, no atexit: the parent owns all of that
}

}  // namespace credis
