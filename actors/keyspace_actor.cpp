#include "actors/keyspace_actor.hpp"

#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "actors/clock.hpp"
#include "actors/expiry_actor.hpp"
#include "storage/snapshot.hpp"

namespace credis {

const char* keyspace_state::name = "keyspace";

namespace {

// Keys removed per expiry run before other messages get a turn, like Redis's time limit in
// activeExpireCycle: a million keys expiring together must not stall the clients.
constexpr size_t expire_budget = 20000;

// How often the keyspace looks after background saves and save points (Redis's serverCron
// runs at hz 10).
constexpr auto cron_interval = std::chrono::milliseconds(100);

unix_ms earliest_deadline(const keyspace& ks) {
  unix_ms earliest = no_expiry;
  for (int i = 0; i < keyspace::db_count; ++i) {
    unix_ms d = ks.db(i).next_deadline();
    if (d != no_expiry && (earliest == no_expiry || d < earliest))
      earliest = d;
  }
  return earliest;
}

// Tells the expiry actor about a deadline earlier than the one it already waits for.
void schedule_expiry(keyspace_broker self) {
  auto& st = self->state;
  unix_ms next = earliest_deadline(*st.ks);
  if (next == no_expiry || (st.scheduled_for != no_expiry && st.scheduled_for <= next))
    return;
  st.scheduled_for = next;
  self->send(st.expiry, schedule_atom::value, next);
}

void run_cron(keyspace_broker self) {
  auto& st = self->state;
  unix_ms now = now_ms();
  switch (poll_background_save(*st.server, now)) {
    case bgsave_status::succeeded:
      spdlog::info("Background saving terminated with success");
      break;
    case bgsave_status::failed:
      spdlog::warn("Background saving error");
      break;
    default:
      break;
  }
  auto& p = st.server->persistence;
  if (p.child_pid <= 0 && (p.save_scheduled || save_point_due(*st.server, now))) {
    p.save_scheduled = false;
    std::string error;
    if (start_background_save(*st.ks, *st.server, now, error))
      spdlog::info("Background saving started by pid {}", p.child_pid);
    else
      spdlog::warn("{}", error);
  }
}

}  // namespace

keyspace_actor::behavior_type keyspace_actor_fn(keyspace_broker self, keyspace* ks,
                                                server_state* server) {
  self->state.ks = ks;
  self->state.server = server;
  self->state.expiry = self->system().middleman().spawn_broker(
      expiry_actor_fn, caf::actor_cast<keyspace_actor>(self));
  self->link_to(self->state.expiry);
  schedule_expiry(self);
  send_self_later<keyspace_actor>(self, cron_interval, cron_atom::value);
  return {
      [=](exec_atom, const command_batch& batch) -> std::string {
        auto& st = self->state;
        std::string out;
        execute_batch(*st.ks, *st.server, batch, now_ms(), out);
        schedule_expiry(self);
        // SHUTDOWN succeeded: main's signal wait does the rest, as for SIGTERM.
        if (st.server->shutdown_requested)
          kill(getpid(), SIGTERM);
        return out;
      },
      [=](expire_atom) {
        auto& st = self->state;
        st.scheduled_for = no_expiry;
        unix_ms now = now_ms();
        size_t removed = 0;
        for (int i = 0; i < keyspace::db_count && removed < expire_budget; ++i)
          removed += st.ks->db(i).expire_due(now, expire_budget - removed);
        st.server->stats.expired_keys += static_cast<int64_t>(removed);
        if (removed == expire_budget)
          self->send(self, expire_atom::value);  // more are due: continue after queued batches
        else
          schedule_expiry(self);
      },
      [=](cron_atom) {
        run_cron(self);
        send_self_later<keyspace_actor>(self, cron_interval, cron_atom::value);
      },
      [=](install_atom, const loaded_keyspace& loaded) {
        *self->state.ks = std::move(*loaded.ks);
        self->state.scheduled_for = no_expiry;
        schedule_expiry(self);
        return true;
      },
      [=](shutdown_atom) {
        auto& st = self->state;
        return prepare_shutdown(*st.ks, *st.server, now_ms(), shutdown_options{});
      },
  };
}

}  // namespace credis
