// credis-server: a Redis-compatible server on the C++ Actor Framework.
//
// main parses the command line, builds the actor system, spawns the keyspace and the acceptor,
// and waits for SIGTERM/SIGINT to shut them down.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/acceptor_actor.hpp"
#include "actors/clock.hpp"
#include "actors/keyspace_actor.hpp"
#include "actors/loader_actor.hpp"
#include "actors/log_role.hpp"
#include "actors/options.hpp"
#include "actors/replication_manager_actor.hpp"
#include "actors/server_listeners.hpp"
#include "actors/spinning_multiplexer.hpp"
#include "actors/tls_setup.hpp"
#include "storage/keyed_hash.hpp"
#include "storage/memory_usage.hpp"
#include "storage/snapshot.hpp"
#include "storage/scripting/scripting.hpp"

using namespace credis;

namespace {

// Logs to standard output, or appended to `file`; false when the file cannot be opened.
bool setup_logging(const std::string& level, bool replica, const std::string& file) {
  std::shared_ptr<spdlog::logger> logger;
  if (file.empty()) {
    logger = spdlog::stdout_logger_mt("credis");
  } else {
    try {
      logger = spdlog::basic_logger_mt("credis", file);
    } catch (const spdlog::spdlog_ex& e) {
      std::cerr << "Can't open the log file: " << e.what() << std::endl;
      return false;
    }
  }
  set_log_role(*logger, replica);
  if (level == "debug")
  logger->set_level(spdlog::level::debug);
  else if (level == "verbose")
    logger->set_level(spdlog::level::debug);
  else if (level == "warning")
    logger->set_level(spdlog::level::warn);
  else if (level == "nothing")
    logger->set_level(spdlog::level::off);
  else
    logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return true;
}

// Goes on in a child process of its own session, detached from the terminal (Redis's
// daemonize): the caller's process exits 0 at once.
void daemonize() {
  pid_t pid = fork();
  if (pid < 0) {
    std::cerr << "fork() failed: " << std::strerror(errno) << std::endl;
    std::exit(1);
  }
  if (pid > 0)
    std::_Exit(0);
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO)
      close(null);
  }
}

// The pid file a service manager reads, removed again at exit (Redis's createPidFile).
void write_pid_file(const std::string& path) {
  if (path.empty())
    return;
  if (FILE* f = std::fopen(path.c_str(), "w")) {
    std::fprintf(f, "%d\n", static_cast<int>(getpid()));
    std::fclose(f);
  } else {
    spdlog::warn("Failed to write PID file: {}", std::strerror(errno));
  }
}

// Blocks the shutdown signals in every thread (CAF's threads inherit the mask) so that main
// receives them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

// A shutdown signal already pending, taken without waiting; 0 when none.
int pending_shutdown_signal(const sigset_t& signals) {
  timespec now{0, 0};
  int sig = sigtimedwait(&signals, nullptr, &now);
  return sig > 0 ? sig : 0;
}

// As Redis: a shutdown signal while the RDB loads at start-up ends the process at once, with
// nothing saved (the file on disk is still the data). The actor system is not waited for: its
// loader would finish the file first.
[[noreturn]] void exit_while_loading(const std::string& pid_file) {
  spdlog::warn("Received shutdown signal during loading, scheduling shutdown.");
  if (!pid_file.empty())
    unlink(pid_file.c_str());
  spdlog::info("credis is now ready to exit, bye bye...");
  spdlog::shutdown();
  _exit(0);
}

// Loads <dir>/<dbfilename> when it exists, through the loader actor (clients connected
// meanwhile get -LOADING), watching for shutdown signals. Returns why loading failed, or empty.
std::string load_rdb_file(caf::actor_system& sys, caf::scoped_actor& self,
                          const keyspace_actor& keyspace_ref, const server_state& server,
                          const sigset_t& signals, const std::string& pid_file) {
  std::string path = rdb_path(server.config);
  if (access(path.c_str(), F_OK) != 0)
    return {};
  // A master drops keys already expired; a replica keeps them until its master's DEL.
  auto loader = sys.spawn<caf::detached>(loader_actor_fn, keyspace_ref,
                                         server.config.replicaof.empty(), int64_t{0});
  self->monitor(loader);
  self->send(loader, load_atom::value, path);  // the answer comes as a message
  std::string failure;
  for (bool done = false; !done;) {
    self->receive(
        [&](const std::string& result, int) {
          failure = result;
          done = true;
        },
        [&](const caf::down_msg& down) {
          failure = "Loading failed: " + sys.render(down.reason);
          done = true;
        },
        caf::after(std::chrono::milliseconds(20)) >> [&] {
          if (pending_shutdown_signal(signals))
            exit_while_loading(pid_file);
        });
  }
  self->demonitor(loader.address());
  caf::anon_send_exit(loader, caf::exit_reason::user_shutdown);
  return failure;
}

// Waits for SIGTERM/SIGINT (or SHUTDOWN, which raises SIGTERM), then has the keyspace make the
// final save. When that save fails the server keeps running, as Redis does, unless the signal
// comes a second time.
void wait_for_shutdown(const sigset_t& signals, caf::scoped_actor& self,
                       const keyspace_actor& keyspace_ref) {
  for (int attempt = 0;; ++attempt) {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("Received {} scheduled shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (attempt > 0) {
      spdlog::warn("You insist... exiting now.");
      return;
    }
    bool prepared = false;
    self->request(keyspace_ref, caf::infinite, shutdown_atom::value)
        .receive([&](bool ok) { prepared = ok; }, [&](const caf::error&) { prepared = true; });
    if (prepared)
      return;
    spdlog::warn("SIGTERM received but errors trying to shut down the server, check the logs "
                 "for more information");
  }
}

// Raises the open-files limit to what maxclients needs, as Redis does (32 descriptors kept for
// the server's own files and links); where the system refuses, serves fewer clients and says so.
void adjust_open_files_limit(server_config& config) {
  constexpr rlim_t reserved_fds = 32;
  rlim_t wanted = static_cast<rlim_t>(config.maxclients) + reserved_fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted)
    return;
  rlim_t original = limit.rlim_cur;
  rlim_t best = wanted;
  int error = 0;
  for (; best > original; best -= std::min<rlim_t>(16, best - original)) {
    rlimit attempt{best, std::max(best, limit.rlim_max)};
    if (setrlimit(RLIMIT_NOFILE, &attempt) == 0)
      break;
    attempt.rlim_max = limit.rlim_max;
    if (best <= limit.rlim_max && setrlimit(RLIMIT_NOFILE, &attempt) == 0)
      break;
    if (error == 0)
      error = errno;
  }
  if (best >= wanted) {
    spdlog::info("Increased maximum number of open files to {} (it was originally set to {}).",
                 wanted, original);
    return;
  }
  rlim_t granted = std::max(best, original);
  config.maxclients = granted > reserved_fds ? static_cast<int64_t>(granted - reserved_fds) : 1;
  spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.",
               wanted - reserved_fds, wanted);
  spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.", wanted,
               std::strerror(error));
  spdlog::warn("Current maximum open files is {}. maxclients has been reduced to {} to "
               "compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
               granted, config.maxclients);
}

}  // namespace

int main(int argc, char** argv) {
  parsed_options opts = parse_options(argc, argv);
  if (!opts.ok) {
    std::cerr << opts.message << std::flush;
    return 1;
  }
  if (opts.help) {
    std::cout << opts.message;
    return 0;
  }
  if (opts.config.daemonize)
    daemonize();
  if (!setup_logging(opts.config.loglevel, !opts.config.replicaof.empty(), opts.config.logfile))
    return 1;
  if (!opts.config.config_file.empty())
    spdlog::info("Configuration loaded from {}", opts.config.config_file);
  std::string pid_file;
  if (!opts.config.pidfile.empty())
    pid_file = std::filesystem::absolute(opts.config.pidfile).string();
  if (chdir(opts.config.dir.c_str()) != 0) {
    spdlog::error("Can't chdir to '{}'", opts.config.dir);
    return 1;
  }
  sigset_t signals = block_shutdown_signals();

  // The keyspace and server state outlive the actor system, whose destructor waits for every
  // actor that uses them.
  keyspace ks;
  scripting scripts;  // EVAL's cache and FUNCTION's libraries, kept by the keyspace
  server_state server;
  server.config = opts.config;
  server.stats.commands.latency_tracking = server.config.latency_tracking;
  adjust_open_files_limit(server.config);
  server.run_id = make_replication_id();
  server.stats.start_time_ms = now_ms();
  server.persistence.last_save_time = server.stats.start_time_ms / 1000;

  // TLS for the tls-port and the link to a master, made before anything listens: a
  // certificate that does not load ends start-up.
  tls_contexts tls;
  if (std::string error = make_tls_contexts(server.config, tls); !error.empty()) {
    spdlog::error("Failed to configure TLS: {}", error);
    return 1;
  }

  // As Redis at start-up: the OOM killer's score for this process, when oom-score-adj asks.
  oom_score_adjuster oom_score;
  if (std::string error = oom_score.apply(server.config.oom_score,
                                          server_oom_class(!server.config.replicaof.empty()));
      !error.empty())
    spdlog::warn("{}", error);
  // As Redis at start-up: jemalloc's purging thread, when jemalloc-bg-thread asks.
  set_allocator_background_thread(server.config.allocator_background_thread);
  // Where the server listens; CONFIG SET port, tls-port and bind move it (through the keyspace).
  server_listeners listeners(tls.server != nullptr);
  config_targets targets{&listeners, &oom_score};

  write_pid_file(pid_file);
  // Before any key is hashed: tables keyed by client strings hash under a key of this process.
  set_random_hash_key();

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman, spinning_multiplexer>();
  // Not a CAF option, so put() rather than set(), which drops names CAF does not know.
  caf::put(cfg.content, caf::string_view{busy_poll_setting}, server.config.busy_poll_us);
  caf::put(cfg.content, caf::string_view{io_uring_setting}, server.config.io_uring);
  // Every steady actor is a broker on the multiplexer thread (the loader has a thread of its
  // own), so the scheduler idles: one worker, and the `sharing` policy, whose idle worker
  // waits on a condition variable; a `stealing` worker wakes every 10 ms to poll (150 wake-ups
  // a second on an idle server, and preemptions of the busy-polling multiplexer thread).
  cfg.set("scheduler.max-threads", 1);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // epoll is level-triggered: one read per readiness event is enough, and reading on until
  // EAGAIN cost a second recv per request.
  cfg.set("middleman.max-consecutive-reads", 1);
  int exit_code = 0;
  {
    keyspace_door door;  // outlives the actors that use it
    caf::actor_system sys(cfg);
    auto manager = sys.middleman().spawn_broker(replication_manager_fn, &server,
                                               static_cast<const tls_context*>(tls.client.get()));
    auto keyspace_ref = sys.middleman().spawn_broker(keyspace_actor_fn, &ks, &server, manager,
                                                     &scripts, &targets, &door);
    caf::scoped_actor self(sys);
    spdlog::info("Server initialized");
    // Clients are taken while the RDB loads, as Redis does: they get -LOADING until it is in
    // (the keyspace hears it before the first client can reach it).
    std::string failure;
    std::error_code no_file;
    auto rdb_size = std::filesystem::file_size(rdb_path(server.config), no_file);
    if (!no_file)
      caf::anon_send(keyspace_ref, loading_atom::value,
                     loading_progress{0, static_cast<int64_t>(rdb_size), false});
    caf::actor acceptor = sys.middleman().spawn_broker(
        acceptor_actor_fn, keyspace_ref, manager, &server,
        static_cast<const tls_context*>(tls.server.get()), scripts.watch.get(), &door);
    listeners.attach(acceptor);
    failure = listeners.listen(listener_kind::plain, server.config.port, server.config.bind);
    if (failure.empty())
      failure = listeners.listen(listener_kind::tls, server.config.tls.port, server.config.bind);
    if (failure.empty() && !listeners.listening())
      failure = "Configured to not listen anywhere, exiting.";  // as Redis
    if (failure.empty())
      failure = load_rdb_file(sys, self, keyspace_ref, server, signals, pid_file);
    // Replication starts once the data on disk is in: a replica asks its master to continue
    // the history that data belongs to.
    if (failure.empty())
      caf::anon_send(manager, start_atom::value, keyspace_ref);
    if (!failure.empty()) {
      spdlog::error("{}", failure);
      exit_code = 1;
    } else {
      if (server.config.port != 0)
        spdlog::info("Ready to accept connections tcp (port {})", server.config.port);
      if (server.config.tls.port != 0)
        spdlog::info("Ready to accept connections tls (port {})", server.config.tls.port);
      wait_for_shutdown(signals, self, keyspace_ref);
    }
    if (acceptor)
      caf::anon_send_exit(acceptor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(keyspace_ref, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
    // The keyspace's CONFIG SET is the only other user of the listeners.
    self->wait_for(keyspace_ref);
    listeners.attach(caf::actor());
  }
  if (!pid_file.empty())
    unlink(pid_file.c_str());
  if (exit_code == 0)
    spdlog::info("credis is now ready to exit, bye bye...");
  return exit_code;
}
