#include "actors/options.hpp"

#include <boost/program_options.hpp>
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "storage/config/config_file.hpp"
#include "storage/config/config_table.hpp"
#include "storage/server_version.hpp"

namespace po = boost::program_options;

namespace credis {

namespace {

parsed_options reject(std::string why) {
  parsed_options r;
  r.message = std::move(why);
  return r;
}

const char* usage =
    "Usage: credis-server [/path/to/redis.conf] [options]\n"
    "       credis-server -v or --version\n"
    "       credis-server -h or --help\n"
    "\n"
    "Every redis.conf directive is an option: --<directive> <value ...>, applied after the\n"
    "config file's. Examples:\n"
    "       credis-server (run the server with default settings)\n"
    "       credis-server /etc/redis/6379.conf\n"
    "       credis-server --port 7777\n"
    "       credis-server --port 7777 --replicaof 127.0.0.1 8888\n"
    "       credis-server /etc/myredis.conf --loglevel verbose --requirepass secret\n"
    "\n";

std::string help_text() {
  po::options_description common("Common directives");
  auto text = [] { return po::value<std::string>(); };
  common.add_options()
      ("port", text(), "TCP port to listen on (6379)")
      ("bind", text(), "addresses to listen on (\"127.0.0.1 -::1\"; '-': if available)")
      ("dir", text(), "working directory for the RDB file")
      ("dbfilename", text(), "RDB file name (dump.rdb)")
      ("save", text(), "save points \"<seconds> <changes> ...\"; \"\" disables")
      ("replicaof", text(), "<host> <port> of the master to replicate")
      ("requirepass", text(), "the password clients give with AUTH")
      ("masterauth", text(), "the password a replica gives its master")
      ("protected-mode", text(), "yes: without a password only loopback clients are served")
      ("maxclients", text(), "clients served at once (10000)")
      ("client-output-buffer-limit", text(), "<class> <hard> <soft> <seconds> ...")
      ("loglevel", text(), "debug, verbose, notice, warning or nothing")
      ("logfile", text(), "log file (\"\": standard output)")
      ("pidfile", text(), "file the process id is written to")
      ("repl-backlog-size", text(), "bytes of replication stream kept for partial resyncs")
      ("repl-diskless-sync", text(), "yes: full syncs stream the snapshot to the replicas")
      ("busy-poll-us", text(), "microseconds the event loop polls before it sleeps, latency at any CPU cost (0: sleeps at once, as Redis)")
      ("io-uring", text(), "yes: a round's replies go out in one system call (no: a send() each)");
  std::ostringstream out;
  out << usage << common;
  return out.str();
}

}  // namespace

parsed_options parse_options(int argc, char** argv) {
  // As redis-server, only the first argument may ask for help or the version: later ones are
  // directives and their values, which may start with '-' (a password, a negative number).
  std::vector<std::string> rest(argv + std::min(argc, 1), argv + argc);
  if (!rest.empty() && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-v" ||
                        rest[0] == "--version")) {
    parsed_options r;
    r.ok = r.help = true;
    r.message = rest[0] == "-h" || rest[0] == "--help" ? help_text() : version_line();
    return r;
  }

  server_config cfg;
  std::error_code ec;
  cfg.dir = std::filesystem::current_path(ec).string();
  config_loader loader(cfg);
  if (!rest.empty() && !rest.front().empty() && rest.front()[0] != '-') {
    std::string file = rest.front();
    rest.erase(rest.begin());
    if (!loader.apply_file(file))
      return reject(render_config_error(loader.error()));
    auto abs = std::filesystem::absolute(file, ec);
    cfg.config_file = ec ? file : abs.lexically_normal().string();
  }
  if (!loader.apply_text(options_as_config_text(rest)))
    return reject(render_config_error(loader.error()));
  if (std::string why = unsupported_setting(cfg); !why.empty())
    return reject("credis-server: " + why + "\n");
  if (cfg.port == 0 && cfg.tls.port == 0)
    return reject("credis-server: port 0 and tls-port 0: nothing to listen on\n");
  parsed_options r;
  r.ok = true;
  r.config = std::move(cfg);
  return r;
}

}  // namespace credis
