#include "actors/options.hpp"

#include <boost/program_options.hpp>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "protocol/integers.hpp"
#include "replication/replication_id.hpp"

namespace po = boost::program_options;

namespace credis {

bool parse_save_points(const std::string& value, std::string& normalised) {
  std::istringstream in(value);
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(w);
  if (words.size() % 2 != 0)
    return false;
  normalised.clear();
  for (const auto& w : words) {
    int64_t n = 0;
    if (!parse_int64(w, n) || n < 0)
      return false;
    if (!normalised.empty())
      normalised.push_back(' ');
    normalised += w;
  }
  return true;
}

namespace {

// A wake-up costs tens of microseconds; polling much longer only burns CPU, and every timer
// (10 per second) would start a poll of this length on an idle server.
constexpr int64_t max_busy_poll_us = 1000;

bool parse_yes_no(const std::string& text, bool& value) {
  if (text != "yes" && text != "no")
    return false;
  value = text == "yes";
  return true;
}

parsed_options reject(std::string why) {
  parsed_options r;
  r.message = std::move(why);
  return r;
}

}  // namespace

parsed_options parse_options(int argc, char** argv) {
  po::options_description desc("Usage: credis-server [options]");
  int64_t port = 6379;
  // `--replicaof host port` arrives as one token ("host port") or two; accept both.
  std::vector<std::string> replicaof;
  std::string save, dir, appendonly, backlog_size, diskless_sync;
  server_config cfg;
  desc.add_options()
      ("help,h", "print this help and exit")
      ("port", po::value<int64_t>(&port)->default_value(6379), "TCP port to listen on")
      ("bind", po::value<std::string>(&cfg.bind)->default_value("127.0.0.1"),
       "addresses to listen on, space separated")
      ("dir", po::value<std::string>(&dir), "working directory for the RDB file")
      ("dbfilename", po::value<std::string>(&cfg.dbfilename)->default_value("dump.rdb"),
       "RDB file name")
      ("save", po::value<std::string>(&save), "save points: \"<seconds> <changes> ...\"; \"\" disables")
      ("replicaof", po::value<std::vector<std::string>>(&replicaof)->multitoken(),
       "\"<host> <port>\" of the master to replicate")
      ("loglevel", po::value<std::string>(&cfg.loglevel)->default_value("notice"),
       "debug, verbose, notice, warning or nothing")
      ("appendonly", po::value<std::string>(&appendonly), "only \"no\" is supported")
      ("repl-backlog-size", po::value<std::string>(&backlog_size),
       "bytes of replication stream kept for partial resyncs (1mb, 100kb, ...)")
      ("repl-diskless-sync", po::value<std::string>(&diskless_sync),
       "yes: send a full sync's snapshot straight to the replicas; no: through the RDB file")
      ("repl-diskless-sync-delay",
       po::value<int64_t>(&cfg.repl.diskless_sync_delay)->default_value(cfg.repl.diskless_sync_delay),
       "seconds a full sync waits for more replicas to share it")
      ("repl-timeout", po::value<int64_t>(&cfg.repl.timeout)->default_value(cfg.repl.timeout),
       "seconds of silence after which a replication link is dropped")
      ("maxclients", po::value<int64_t>(&cfg.maxclients)->default_value(cfg.maxclients),
       "clients served at once; more are told so and closed")
      ("busy-poll-us", po::value<int64_t>(&cfg.busy_poll_us)->default_value(cfg.busy_poll_us),
       "microseconds the event loop polls for more requests before it sleeps; 0 never polls");
  po::variables_map vm;
  try {
    auto parsed = po::command_line_parser(argc, argv).options(desc).run();
    // redis-server lets a later flag override an earlier one; Boost would call it an error.
    std::map<std::string, size_t> last;
    for (size_t i = 0; i < parsed.options.size(); ++i)
      last[parsed.options[i].string_key] = i;
    std::vector<po::option> kept;
    for (size_t i = 0; i < parsed.options.size(); ++i)
      if (last[parsed.options[i].string_key] == i)
        kept.push_back(parsed.options[i]);
    parsed.options = std::move(kept);
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return reject(std::string(e.what()) + "\n" + "Try 'credis-server --help'.");
  }
  if (vm.count("help")) {
    parsed_options r;
    r.ok = true;
    r.help = true;
    std::ostringstream text;
    text << desc;
    r.message = text.str();
    return r;
  }
  if (port < 1 || port > 65535)
    return reject("Invalid port " + std::to_string(port) + ": must be between 1 and 65535");
  cfg.port = static_cast<uint16_t>(port);
  if (vm.count("save") && !parse_save_points(save, cfg.save))
    return reject("Invalid save parameters \"" + save + "\": expected \"<seconds> <changes>\" pairs");
  if (!replicaof.empty()) {
    std::string joined;
    for (const auto& part : replicaof)
      joined += (joined.empty() ? "" : " ") + part;
    std::string host;
    uint16_t master_port = 0;
    if (!parse_replicaof(joined, host, master_port))
      return reject("Invalid --replicaof \"" + joined + "\": expected \"<host> <port>\"");
    cfg.replicaof = host + " " + std::to_string(master_port);
  }
  const char* levels[] = {"debug", "verbose", "notice", "warning", "nothing"};
  bool level_ok = false;
  for (const char* l : levels)
    level_ok = level_ok || cfg.loglevel == l;
  if (!level_ok)
    return reject("Invalid loglevel \"" + cfg.loglevel +
                  "\": must be one of debug, verbose, notice, warning, nothing");
  if (cfg.busy_poll_us < 0 || cfg.busy_poll_us > max_busy_poll_us)
    return reject("Invalid busy-poll-us " + std::to_string(cfg.busy_poll_us) +
                  ": must be between 0 and " + std::to_string(max_busy_poll_us));
  if (cfg.maxclients < 1)
    return reject("Invalid maxclients " + std::to_string(cfg.maxclients) + ": must be at least 1");
  if (vm.count("repl-backlog-size") &&
      (!parse_memory_size(backlog_size, cfg.repl.backlog_size) || cfg.repl.backlog_size < 1))
    return reject("Invalid repl-backlog-size \"" + backlog_size + "\"");
  if (vm.count("repl-diskless-sync") && !parse_yes_no(diskless_sync, cfg.repl.diskless_sync))
    return reject("Invalid repl-diskless-sync \"" + diskless_sync + "\": must be yes or no");
  if (cfg.repl.diskless_sync_delay < 0)
    return reject("Invalid repl-diskless-sync-delay: must not be negative");
  if (cfg.repl.timeout < 1)
    return reject("Invalid repl-timeout: must be at least 1");
  if (vm.count("appendonly") && appendonly != "no")
    return reject("Invalid appendonly \"" + appendonly + "\": only \"no\" is supported");
  if (cfg.dbfilename.empty() || cfg.dbfilename.find('/') != std::string::npos)
    return reject("Invalid dbfilename \"" + cfg.dbfilename + "\": it must be a file name, not a path");
  std::error_code ec;
  auto abs = std::filesystem::canonical(dir.empty() ? std::string(".") : dir, ec);
  if (ec || !std::filesystem::is_directory(abs, ec))
    return reject("Can't chdir to '" + dir + "': " +
                  (ec ? ec.message() : std::string("Not a directory")));
  cfg.dir = abs.string();
  parsed_options r;
  r.ok = true;
  r.config = std::move(cfg);
  return r;
}

}  // namespace credis
