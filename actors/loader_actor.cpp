#include "actors/loader_actor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "actors/clock.hpp"
#include "storage/rdb/rdb_reader.hpp"

namespace credis {

const char* loader_state::name = "loader";

namespace {

using loader_pointer = loader_actor::stateful_pointer<loader_state>;

// The file names the history of its data when it has all three repl-* fields, as Redis
// requires before it trusts them.
bool has_history(const rdb_load_info& info) {
  return !info.repl_id.empty() && info.repl_offset >= 0 && info.repl_stream_db >= 0;
}

void log_loaded(const rdb_load_info& info, std::chrono::steady_clock::time_point started,
                const char* source) {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto ver = info.aux.find("redis-ver");
  spdlog::info("Loading RDB produced by version {}", ver == info.aux.end() ? "" : ver->second);
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", info.keys_loaded,
               info.expired_skipped);
  spdlog::info("{}: {:.3f} seconds", source, seconds);
}

// Tells the keyspace how far the load is: it answers -LOADING until told it is done.
void report_loading(loader_pointer self, size_t loaded, size_t total, bool done = false) {
  self->send(self->state.keyspace, loading_atom::value,
             loading_progress{static_cast<int64_t>(loaded), static_cast<int64_t>(total), done});
}

// Has `info` report the load's progress to the keyspace, starting now.
void report_progress_of(loader_pointer self, rdb_load_info& info, size_t total) {
  report_loading(self, 0, total);
  info.progress = [self](size_t done, size_t all) { report_loading(self, done, all); };
}

// Hands the keyspace over and answers the requester once the keyspace actor has taken it (or
// refused it: a function library that does not load); the keyspace serves again once the
// load is over, well or not.
caf::result<std::string, int> install(loader_pointer self, loaded_keyspace loaded) {
  int stream_db = loaded.repl_stream_db;
  auto rp = self->make_response_promise<std::string, int>();
  self->request(self->state.keyspace, caf::infinite, install_atom::value, std::move(loaded))
      .then([=](const std::string& failure) mutable { rp.deliver(failure, stream_db); },
            [=](const caf::error& e) mutable {
              rp.deliver("the keyspace did not take the loaded data: " +
                         self->system().render(e), 0);
            });
  report_loading(self, 0, 0, true);  // after the install, which the keyspace takes first
  return rp;
}

caf::result<std::string, int> refuse(loader_pointer self, std::string why) {
  report_loading(self, 0, 0, true);
  return {std::move(why), 0};
}

}  // namespace

loader_actor::behavior_type loader_actor_fn(loader_pointer self, keyspace_actor keyspace,
                                            bool skip_expired, int64_t link_generation) {
  self->state.keyspace = std::move(keyspace);
  self->state.skip_expired = skip_expired;
  self->state.link_generation = link_generation;
  return {
      [=](load_atom, const std::string& path) -> caf::result<std::string, int> {
        auto started = std::chrono::steady_clock::now();
        loaded_keyspace loaded;
        loaded.ks = std::make_shared<credis::keyspace>();
        rdb_load_info info;
        rdb_error err;
        std::error_code ec;
        auto size = std::filesystem::file_size(path, ec);
        report_progress_of(self, info, ec ? 0 : static_cast<size_t>(size));
        if (!rdb_load_file(path, *loaded.ks, now_ms(), self->state.skip_expired, info, err))
          return refuse(self, "Error loading " + path + " at byte offset " +
                                  std::to_string(err.offset) + ": " + err.what);
        log_loaded(info, started, "DB loaded from disk");
        loaded.functions = std::move(info.functions);
        if (has_history(info)) {
          loaded.repl_id = info.repl_id;
          loaded.repl_offset = info.repl_offset;
          loaded.repl_stream_db = info.repl_stream_db;
        }
        return install(self, std::move(loaded));
      },
      [=](load_atom, const stream_bytes& payload, const std::string& replid,
          int64_t offset) -> caf::result<std::string, int> {
        auto started = std::chrono::steady_clock::now();
        loaded_keyspace loaded;
        loaded.ks = std::make_shared<credis::keyspace>();
        rdb_load_info info;
        rdb_error err;
        spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
        report_progress_of(self, info, payload.bytes->size());
        if (!rdb_load(*payload.bytes, *loaded.ks, now_ms(), false, info, err))
          return refuse(self, "Failed trying to load the MASTER synchronization DB from socket, "
                              "at byte offset " + std::to_string(err.offset) + ": " + err.what);
        log_loaded(info, started, "MASTER <-> REPLICA sync: Finished with success");
        loaded.repl_id = replid;
        loaded.repl_offset = offset;
        loaded.from_master = true;
        loaded.link_generation = self->state.link_generation;
        loaded.payload_bytes = static_cast<int64_t>(payload.bytes->size());
        loaded.functions = std::move(info.functions);
        loaded.repl_stream_db = std::max(info.repl_stream_db, 0);
        return install(self, std::move(loaded));
      },
  };
}

}  // namespace credis
