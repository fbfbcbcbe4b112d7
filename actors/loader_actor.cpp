#include "actors/loader_actor.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/clock.hpp"
#include "storage/rdb/rdb_reader.hpp"

namespace credis {

const char* loader_state::name = "loader";

loader_actor::behavior_type loader_actor_fn(loader_actor::stateful_pointer<loader_state> self,
                                            keyspace_actor keyspace, bool skip_expired) {
  self->state.keyspace = std::move(keyspace);
  self->state.skip_expired = skip_expired;
  return {
      [=](load_atom, const std::string& path) -> caf::result<std::string> {
        auto started = std::chrono::steady_clock::now();
        loaded_keyspace loaded{std::make_shared<credis::keyspace>()};
        rdb_load_info info;
        rdb_error err;
        if (!rdb_load_file(path, *loaded.ks, now_ms(), self->state.skip_expired, info, err))
          return "Error loading " + path + " at byte offset " + std::to_string(err.offset) +
                 ": " + err.what;
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (info.streams_skipped > 0)
          spdlog::warn("Skipped {} stream keys: streams are not supported yet",
                       info.streams_skipped);
        spdlog::info("Loading RDB produced by version {}", info.aux["redis-ver"]);
        spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", info.keys_loaded,
                     info.expired_skipped);
        spdlog::info("DB loaded from disk: {:.3f} seconds", seconds);
        auto rp = self->make_response_promise<std::string>();
        self->request(self->state.keyspace, caf::infinite, install_atom::value, loaded)
            .then([=](bool) mutable { rp.deliver(std::string()); },
                  [=](const caf::error& e) mutable {
                    rp.deliver("the keyspace did not take the loaded data: " +
                               self->system().render(e));
                  });
        return rp;
      },
  };
}

}  // namespace credis
