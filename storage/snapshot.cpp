#include "storage/access_clock.hpp"
#include "storage/snapshot.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>

#include "storage/memory_usage.hpp"
#include "storage/scripting/function_libraries.hpp"

namespace credis {

namespace {

// A failed background save is retried by the save points only after this pause, so a full
// disk does not mean a fork every tick (Redis's CONFIG_BGSAVE_RETRY_DELAY).
constexpr unix_ms bgsave_retry_delay_ms = 5000;

void record_success(server_state& server, unix_ms now, int64_t dirty_included) {
  server.stats.dirty -= dirty_included;
  server.persistence.last_save_time = now / 1000;
  ++server.persistence.saves;
}

// The memory a child has written to or stopped sharing with its parent: its Private_Dirty.
int64_t private_dirty_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("Private_Dirty:"))
      return std::stoll(line.substr(14)) * 1024;  // "Private_Dirty:   1234 kB"
  return 0;
}

// What a save's child tells its parent through the pipe (Redis's child info): a record well
// under PIPE_BUF, so that each write arrives whole.
struct child_report {
  enum kind : int64_t { keys_processed = 1, final_cow = 2 };
  int64_t what;
  int64_t value;
};

// Best effort: a full pipe loses a progress report, which the next one replaces anyway.
void send_child_report(int fd, child_report::kind what, int64_t value) {
  const child_report r{what, value};
  [[maybe_unused]] const ssize_t written = write(fd, &r, sizeof r);
}

// Reads what the child reported since the last call; the final copy-on-write size, if it came.
int64_t read_child_reports(persistence_state& p) {
  int64_t final_cow = -1;
  child_report r;
  while (p.child_reports >= 0 && read(p.child_reports, &r, sizeof r) == sizeof r) {
    if (r.what == child_report::keys_processed)
      p.save_keys_processed = r.value;
    else if (r.what == child_report::final_cow)
      final_cow = r.value;
  }
  return final_cow;
}

// The size the child measured as it ended, or the last sample when it wrote none.
int64_t take_final_cow(persistence_state& p) {
  const int64_t reported = read_child_reports(p);
  if (p.child_reports >= 0) {
    close(p.child_reports);
    p.child_reports = -1;
  }
  return reported >= 0 ? reported : p.cow_size;
}

// Samples the running child's copy-on-write size, at most once a second (the read walks its
// page tables).
void sample_cow(persistence_state& p, unix_ms now) {
  if (now - p.cow_sampled_ms < 1000)
    return;
  p.cow_sampled_ms = now;
  p.cow_size = private_dirty_bytes(p.child_pid);
  p.cow_peak = std::max(p.cow_peak, p.cow_size);
}

}  // namespace

std::string rdb_path(const server_config& config) {
  return config.dir + "/" + config.dbfilename;
}

rdb_save_info make_save_info(const replication_info& repl, unix_ms now,
                             const function_libraries* functions, int64_t key_save_delay_us) {
  rdb_save_info info;
  info.now = now;
  info.repl_id = repl.replid;
  info.repl_offset = repl.offset;
  // A master's stream after a snapshot starts with SELECT; a replica's goes on in its
  // master's database. -1: in no replication chain, the repl-* fields are left out.
  if (repl.is_replica)
    info.repl_stream_db = repl.stream_db;
  else
    info.repl_stream_db = repl.backlog_active ? 0 : -1;
  info.used_mem = allocated_bytes();
  info.key_save_delay_us = key_save_delay_us;
  info.save_idle = access_tracking().lru;
  info.save_freq = access_tracking().lfu;
  if (functions)
    info.function_codes = functions->codes();
  return info;
}

bool save_now(const keyspace& ks, const function_libraries* functions, server_state& server,
              const replication_info& repl, unix_ms now, std::string& error) {
  int64_t dirty = server.stats.dirty;
  if (!rdb_save_file(ks, make_save_info(repl, now, functions, server.config.rdb_key_save_delay),
                     rdb_path(server.config), error))
    return false;
  record_success(server, now, dirty);
  return true;
}

bool start_background_save(const keyspace& ks, const function_libraries* functions,
                           server_state& server, const replication_info& repl, unix_ms now,
                           std::string& error, introspection* intro) {
  auto& p = server.persistence;
  p.last_bgsave_try_ms = now;
  // Everything the child needs is computed before the fork: the child only writes the file.
  rdb_save_info info = make_save_info(repl, now, functions, server.config.rdb_key_save_delay);
  std::string path = rdb_path(server.config);
  int reports[2] = {-1, -1};
  // Without the pipe: no progress, and the copy-on-write size is the parent's last sample.
  if (pipe2(reports, O_CLOEXEC | O_NONBLOCK) != 0)
    reports[0] = reports[1] = -1;
  const auto fork_start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("Can't save in background: fork: ") + std::strerror(errno);
    p.last_bgsave_ok = false;
    for (int fd : reports)
      if (fd >= 0)
        close(fd);
    return false;
  }
  if (pid == 0) {
    // The child must not keep the parent's listening and client sockets open: a client the
    // parent closes would otherwise not see the end of its connection until the save ends.
    const int report_fd = reports[1] >= 0 ? dup2(reports[1], 3) : -1;
    close_range(report_fd == 3 ? 4 : 3, ~0U, 0);
    if (report_fd == 3) {
      // Every 1024 keys, at most once a second, as Redis's child does (the first at once).
      info.progress = [last = std::chrono::steady_clock::time_point()](uint64_t keys) mutable {
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(1))
          return;
        last = now;
        send_child_report(3, child_report::keys_processed, static_cast<int64_t>(keys));
      };
    }
    std::string child_error;
    bool ok = rdb_save_file(ks, info, path, child_error);
    if (ok) {
      const int64_t cow_bytes = private_dirty_bytes(getpid());
      dprintf(STDOUT_FILENO, "%d:C DB saved on disk\n", getpid());
      dprintf(STDOUT_FILENO, "%d:C RDB: %lld MB of memory used by copy-on-write\n", getpid(),
              static_cast<long long>(cow_bytes >> 20));
      if (report_fd == 3)  // without it the parent keeps its own last sample
        send_child_report(3, child_report::final_cow, cow_bytes);
    } else {
      dprintf(STDOUT_FILENO, "%d:C Write error saving DB on disk: %s\n", getpid(),
              child_error.c_str());
    }
    _exit(ok ? 0 : 1);  // no destructors, no atexit: the parent owns all of that
  }
  if (reports[1] >= 0)
    close(reports[1]);
  p.child_reports = reports[0];
  if (intro)
    intro->forked(fork_start, server.config.latency_monitor_threshold, now / 1000);
  p.child_pid = pid;
  p.save_keys_processed = 0;
  p.save_keys_total = static_cast<int64_t>(ks.total_keys());
  p.dirty_at_bgsave_start = server.stats.dirty;
  p.bgsave_started_ms = now;
  return true;
}

bgsave_status poll_background_save(server_state& server, unix_ms now) {
  auto& p = server.persistence;
  if (p.child_pid <= 0)
    return bgsave_status::idle;
  int status = 0;
  pid_t r = waitpid(p.child_pid, &status, WNOHANG);
  if (r == 0) {
    sample_cow(p, now);
    read_child_reports(p);
    return bgsave_status::running;
  }
  p.last_cow_size = take_final_cow(p);
  p.cow_size = p.cow_peak = p.cow_sampled_ms = 0;
  p.save_keys_processed = p.save_keys_total = 0;
  bool ok = r == p.child_pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok && r == p.child_pid && WIFSIGNALED(status))
    unlink(rdb_temp_path(server.config.dir, p.child_pid).c_str());
  p.child_pid = -1;
  p.last_bgsave_ok = ok;
  p.last_bgsave_seconds = (now - p.bgsave_started_ms) / 1000;
  if (ok)
    record_success(server, now, p.dirty_at_bgsave_start);
  return ok ? bgsave_status::succeeded : bgsave_status::failed;
}

void kill_background_save(server_state& server) {
  auto& p = server.persistence;
  if (p.child_pid <= 0)
    return;
  kill(p.child_pid, SIGUSR1);
  int status = 0;
  waitpid(p.child_pid, &status, 0);
  take_final_cow(p);
  unlink(rdb_temp_path(server.config.dir, p.child_pid).c_str());
  p.child_pid = -1;
}

bool save_point_due(const server_state& server, unix_ms now) {
  const auto& p = server.persistence;
  if (server.stats.dirty == 0)
    return false;
  if (!p.last_bgsave_ok && now - p.last_bgsave_try_ms < bgsave_retry_delay_ms)
    return false;
  std::istringstream points(server.config.save);
  int64_t seconds = 0, changes = 0;
  while (points >> seconds >> changes) {
    if (server.stats.dirty >= changes && now / 1000 - p.last_save_time >= seconds)
      return true;
  }
  return false;
}

bool prepare_shutdown(const keyspace& ks, const function_libraries* functions,
                      server_state& server, const replication_info& repl, unix_ms now,
                      const shutdown_options& options) {
  if (server.shutdown_prepared)
    return true;
  if (server.persistence.child_pid > 0) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    kill_background_save(server);
  }
  if (options.save || (!options.nosave && !server.config.save.empty())) {
    spdlog::info("Saving the final RDB snapshot before exiting.");
    std::string error;
    if (save_now(ks, functions, server, repl, now, error)) {
      spdlog::info("DB saved on disk");
    } else if (options.force) {
      spdlog::warn("Error trying to save the DB. Exit anyway: {}", error);
    } else {
      spdlog::warn("Error trying to save the DB, can't exit: {}", error);
      return false;
    }
  }
  server.shutdown_prepared = true;
  return true;
}

}  // namespace credis
