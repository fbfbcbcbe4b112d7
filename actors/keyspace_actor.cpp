#include "actors/keyspace_actor.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "actors/broker_exit.hpp"
#include "actors/clock.hpp"
#include "actors/expiry_actor.hpp"
#include "actors/migrate_actor.hpp"
#include "actors/purger_actor.hpp"
#include "actors/sync_child.hpp"
#include "actors/spinning_multiplexer.hpp"
#include "storage/commands/script_support.hpp"
#include "storage/scripting/scripting.hpp"
#include "protocol/reply.hpp"
#include "storage/config/config_table.hpp"
#include "storage/memory_usage.hpp"
#include "storage/snapshot.hpp"
#include "storage/tick_clock.hpp"

namespace credis {

const char* keyspace_state::name = "keyspace";

namespace {

// Batch buffers up to this size go back to their connection (which lets go of big ones once
// the client is idle); bigger ones, from a rare burst, are freed here.
constexpr size_t recycled_batch_max = 1 << 20;

// When bursting clients leave, their free pages go back to the system at most this often.
constexpr auto burst_purge_interval = std::chrono::milliseconds(100);

// Keys removed per expiry run before other messages get a turn, like Redis's time limit in
// activeExpireCycle: a million keys expiring together must not stall the clients.
constexpr size_t expire_budget = 20000;

// How often the keyspace looks after background saves and save points (Redis's serverCron
// runs at hz 10).
constexpr auto cron_interval = std::chrono::milliseconds(100);
// How often the cron samples used_memory for used_memory_peak (see run_cron).
constexpr int64_t peak_sample_ms = 1000;
// How often a finished full-sync child is looked for: its replicas wait for the stream.
constexpr auto sync_reap_interval = std::chrono::milliseconds(5);
// A master pings its replicas through the stream this often (repl-ping-replica-period).
constexpr unix_ms replica_ping_ms = 10000;
// Reply text one batch may produce before the rest of it goes back to its connection, which
// sends it again once the replies are out: a client that pipelines without reading then holds
// at most this much of them (large values go by reference and do not count).
constexpr size_t batch_reply_limit = 256 * 1024;

unix_ms earliest_deadline(const keyspace& ks) {
  unix_ms earliest = no_expiry;
  for (int i = 0; i < keyspace::db_count; ++i) {
    unix_ms d = ks.db(i).next_deadline();
    if (d != no_expiry && (earliest == no_expiry || d < earliest))
      earliest = d;
  }
  return earliest;
}

// Tells the expiry actor about a deadline earlier than the one it already waits for. A
// replica expires nothing itself: its master sends DEL.
void schedule_expiry(keyspace_broker self) {
  auto& st = self->state;
  if (st.repl.is_replica || !st.ks->active_expire)
    return;
  // No deadline was set since the last scan: none is earlier than what it found. (This runs
  // after every batch; the scan reads 16 databases.)
  const uint64_t set = database::deadlines_set();
  if (set == st.deadlines_scanned)
    return;
  unix_ms next = earliest_deadline(*st.ks);
  if (next == no_expiry || (st.scheduled_for != no_expiry && st.scheduled_for <= next)) {
    st.deadlines_scanned = set;
    return;
  }
  // CLIENT PAUSE stops active expiry too; it is scheduled again when the pause ends. (Looked
  // at last: it reads the clock.)
  if (st.intro.clients.pause.active(now_ms()))
    return;
  st.scheduled_for = next;
  st.deadlines_scanned = set;
  self->send(st.expiry, schedule_atom::value, next);
}

// The expiry actor's timer is gone (it fired, or the keyspace was replaced): the next
// schedule_expiry scans the databases whatever was set since.
void forget_expiry_timer(keyspace_state& st) {
  st.scheduled_for = no_expiry;
  st.deadlines_scanned = keyspace_state::rescan_deadlines;
}

// A master propagates once a replica has asked for its stream (the backlog exists).
bool propagating(const keyspace_state& st) { return st.repl.backlog_active; }

// While CLIENT PAUSE lasts a master deletes no key either: reads see an expired key as
// missing, as a replica's do, and it goes once the pause ends (Redis's pause freezes expiry).
void apply_expiry_handling(keyspace_state& st) {
  bool master = !st.repl.is_replica;
  st.expired.propagate = master && propagating(st);
  st.expired.config = &st.server->config;
  st.expired.stats = &st.server->stats;
  st.expiry_paused = st.intro.clients.pause.active(now_ms());
  const bool deletes = master && !st.expiry_paused;
  st.ks->set_expiry_handling(deletes ? &st.expired : nullptr, !deletes);
}

// Counts stream bytes in the offset and passes them to the replication manager once the
// batches already waiting here have run: one message and one write per replica for all the
// writes of a round (Redis writes a replica's buffer once per event loop iteration), instead
// of one per batch, which at -c 50 -P 1 halved the master's throughput.
// `appended` bytes were just added to stream_out.
void count_stream(keyspace_broker self, size_t appended) {
  auto& st = self->state;
  st.repl.offset += static_cast<int64_t>(appended);
  if (!st.stream_flush_due) {
    st.stream_flush_due = true;
    self->send(self, feed_atom::value);
  }
}

void feed(keyspace_broker self, std::string_view bytes) {
  self->state.stream_out.append(bytes);
  count_stream(self, bytes.size());
}

// Passes the stream bytes counted so far to the manager now.
void flush_stream(keyspace_broker self) {
  auto& st = self->state;
  st.stream_flush_due = false;
  if (st.stream_out.empty())
    return;
  self->send(st.manager, feed_atom::value, std::move(st.stream_out), st.repl.offset,
             st.repl.stream_db);
  st.stream_out = std::string();
}

// Encodes the writes collected since the last call into the stream. Returns whether any.
bool flush_writes(keyspace_broker self) {
  auto& st = self->state;
  if (st.propagated.empty())
    return false;
  size_t before = st.stream_out.size();
  st.encoder.encode(st.propagated, st.stream_out);
  st.propagated.clear();
  count_stream(self, st.stream_out.size() - before);
  return true;
}

void run_cron(keyspace_broker self) {
  auto& st = self->state;
  unix_ms now = now_ms();
  st.intro.sample_rates(now, st.server->stats.total_commands_processed);
  // Once a second, not at every cron: jemalloc refreshes all its statistics to answer (some
  // 260k instructions over our threads' arenas), which at 10 Hz was half of an idle server's
  // CPU. INFO and MEMORY STATS sample it too, when asked.
  if (now - st.peak_sampled_at >= peak_sample_ms) {
    st.peak_sampled_at = now;
    st.intro.peak_memory = std::max(st.intro.peak_memory, allocated_bytes());
  }
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
    if (start_background_save(*st.ks, functions_of(st.scripts), *st.server, st.repl, now, error,
                              &st.intro)) {
      set_child_oom_score(st.config, st.server->config, p.child_pid);
      spdlog::info("Background saving started by pid {}", p.child_pid);
    } else {
      spdlog::warn("{}", error);
    }
  }
  if (propagating(st) && !st.repl.is_replica && now - st.last_replica_ping >= replica_ping_ms) {
    st.last_replica_ping = now;
    std::string ping;
    std::string_view argv[] = {"PING"};
    st.encoder.encode(-1, argv, ping);
    feed(self, ping);
  }
}

// Reaps the full-sync children that ended and tells the manager how each went.
void reap_sync_children(keyspace_broker self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.sync_children.size();) {
    int status = 0;
    pid_t pid = st.sync_children[i];
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == 0) {
      ++i;
      continue;
    }
    bool ok = r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    st.sync_children.erase(st.sync_children.begin() + static_cast<long>(i));
    self->send(st.manager, synced_atom::value, static_cast<int>(pid), ok);
  }
  if (!st.sync_children.empty())
    send_self_later<keyspace_actor>(self, sync_reap_interval, synced_atom::value);
}


// Sends what PUBLISH left to the subscribers' connections: one shared message per text, not a
// copy per subscriber (CAF's messages are copy-on-write).
void deliver_messages(keyspace_broker self) {
  auto& st = self->state;
  auto deliveries = st.channels.take_deliveries();
  // Messages in a row for the same receivers (a pipeline of PUBLISHes to one channel) go as
  // one text: one message and one write per subscriber instead of one per PUBLISH.
  size_t kept = 0;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    if (kept > 0 && deliveries[kept - 1].clients == deliveries[i].clients)
      deliveries[kept - 1].bytes += deliveries[i].bytes;
    else if (kept++ != i)
      deliveries[kept - 1] = std::move(deliveries[i]);
  }
  deliveries.resize(kept);
  for (auto& d : deliveries) {
    caf::message msg = caf::make_message(deliver_atom::value, std::move(d.bytes));
    for (int64_t id : d.clients)
      if (auto it = st.connections.find(id); it != st.connections.end())
        caf::anon_send(it->second, msg);
  }
}

// Delivers PUBLISH's messages once the batches already waiting here have run, so that those
// of several publishers' batches go out together (as Redis writes a client's buffer once per
// event loop iteration).
void deliver_soon(keyspace_broker self) {
  auto& st = self->state;
  if (st.delivery_due || !st.channels.has_deliveries())
    return;
  st.delivery_due = true;
  self->send(self, deliver_atom::value);
}

void feed_monitors(keyspace_state& st);

// A client is gone, or killed: it waits for nothing, watches nothing, listens to nothing,
// monitors nothing and is listed nowhere.
void forget_client(keyspace_state& st, int64_t id) {
  st.blocked.unblock(id);
  st.blocked.unblock_elsewhere(id);
  st.waiting.erase(id);
  if (auto it = st.migrating.find(id); it != st.migrating.end())
    it->second.conn = nullptr;
  st.watched.unwatch(id);
  st.channels.remove_client(id);
  st.connections.erase(id);
  st.intro.clients.remove(id);
  std::erase(st.intro.monitors, id);
  std::erase_if(st.paused, [id](const auto& p) { return p.batch.client_id == id; });
  st.intro.clients.paused_clients = st.paused.size();
  if (st.monitoring && st.intro.monitors.empty())
    feed_monitors(st);
}

// Closes the connections CLIENT KILL named, after the replies already sent them, and forgets
// them at once, as Redis frees them: nothing of theirs runs any more, not even a batch already
// on its way here (dropped until their connection is gone).
void close_killed(keyspace_state& st) {
  for (int64_t id : st.intro.clients.take_closes()) {
    if (auto it = st.connections.find(id); it != st.connections.end())
      caf::anon_send(it->second, kill_atom::value);
    forget_client(st, id);
    st.killed.insert(id);
  }
}

// Sends the monitors the lines of the commands run since the last call (one shared text), and
// tells every connection when the first monitor comes or the last one goes: while there is
// one, they pass on lines for the commands they run themselves.
void feed_monitors(keyspace_state& st) {
  if (!st.intro.monitor_feed.empty()) {
    caf::message lines = caf::make_message(monitor_atom::value, std::move(st.intro.monitor_feed));
    st.intro.monitor_feed.clear();
    for (int64_t id : st.intro.monitors)
      if (auto it = st.connections.find(id); it != st.connections.end())
        caf::anon_send(it->second, lines);
  }
  const bool monitoring = !st.intro.monitors.empty();
  if (monitoring == st.monitoring)
    return;
  st.monitoring = monitoring;
  caf::message news = caf::make_message(monitor_atom::value, monitoring);
  for (const auto& [id, conn] : st.connections)
    caf::anon_send(conn, news);
}

void run_batch(keyspace_broker self, const caf::actor& conn, command_batch&& batch, size_t first,
               batch_replies&& out, executed_batch* done = nullptr);

// Runs the batches CLIENT PAUSE held, in the order they came, once it has ended; else makes
// sure a resume_atom comes when it ends.
void resume_paused(keyspace_broker self) {
  auto& st = self->state;
  client_pause& pause = st.intro.clients.pause;
  if (!pause.active(now_ms())) {
    pause.end();
    st.deadlines_scanned = keyspace_state::rescan_deadlines;
    if (st.expiry_paused)
      apply_expiry_handling(st);
    auto held = std::move(st.paused);
    st.paused.clear();
    st.intro.clients.paused_clients = 0;
    for (auto& p : held)
      run_batch(self, p.conn, std::move(p.batch), p.first, batch_replies{});
    schedule_expiry(self);
  }
  // (A batch run just now may have paused clients again.)
  const unix_ms now = now_ms();
  if (!pause.active(now))
    return;
  if (!st.expiry_paused)
    apply_expiry_handling(st);
  if (st.pause_timer_for != pause.until_ms) {
    // A long pause is looked at again every hour, each look setting the timer for what is left.
    constexpr int64_t hour_ms = 3'600'000;
    st.pause_timer_for = pause.until_ms - now > hour_ms ? now + hour_ms : pause.until_ms;
    send_self_later<keyspace_actor>(self, std::chrono::milliseconds(st.pause_timer_for - now),
                                    resume_atom::value);
  }
}

// After the commands of a message ran: messages, deadlines, changed settings, SHUTDOWN.
void after_commands(keyspace_broker self) {
  auto& st = self->state;
  if (st.intro.clients.has_closes())
    close_killed(st);
  if (st.intro.clients.pause.what != client_pause::mode::off || !st.paused.empty() ||
      st.expiry_paused)
    resume_paused(self);
  deliver_soon(self);
  if (st.monitoring || !st.intro.monitors.empty())
    feed_monitors(st);
  schedule_expiry(self);
  // CONFIG SET changed a repl-* setting: the manager uses them.
  if (st.server->config.repl != st.repl_settings) {
    st.repl_settings = st.server->config.repl;
    self->send(st.manager, config_atom::value, st.repl_settings);
  }
  // CONFIG SET port or tls-port: a replica announces the new one to its master.
  const auto ports = std::make_pair(st.server->config.port, st.server->config.tls.port);
  if (ports != st.ports) {
    st.ports = ports;
    self->send(st.manager, port_atom::value, ports.first, ports.second);
  }
  // SHUTDOWN succeeded: main's signal wait does the rest, as for SIGTERM.
  if (st.server->shutdown_requested)
    kill(getpid(), SIGTERM);
}

// The shortest run the slow log or the latency monitor wants to hear of, in ticks (worked
// out again when either setting changed).
uint64_t observed_ticks(keyspace_state& st) {
  const server_config& c = st.server->config;
  auto& cache = st.observed;
  if (cache.slowlog_us == c.slowlog_log_slower_than &&
      cache.latency_ms == c.latency_monitor_threshold)
    return cache.ticks;
  cache.slowlog_us = c.slowlog_log_slower_than;
  cache.latency_ms = c.latency_monitor_threshold;
  constexpr int64_t never = int64_t{1} << 40;  // 12 days: no command runs that long
  int64_t us = c.slowlog_log_slower_than >= 0 ? std::min(c.slowlog_log_slower_than, never) : never;
  if (c.latency_monitor_threshold > 0)
    us = std::min(us, std::min(c.latency_monitor_threshold, never / 1000) * 1000);
  cache.ticks = us == never ? UINT64_MAX : st.server->stats.commands.ticks_of_us(us);
  return cache.ticks;
}

// What a client's batch runs against; the client's record learns it was active now.
batch_context client_context(keyspace_state& st, int64_t client_id, batch_replies& out,
                             block_request* block, size_t reply_limit) {
  // (run_command keeps a replica's own commands out of the stream.)
  const bool propagates = propagating(st);
  batch_context bc{*st.ks,       *st.server,   st.repl,     now_ms(), false,
                   propagates ? &st.propagated : nullptr, &out.spliced, reply_limit,
                   &st.blocked,  block,        &st.watched,  &st.channels, &st.intro,
                   st.intro.clients.find(client_id)};
  if (bc.client)
    bc.client->last_interaction_ms = bc.now;
  bc.observed_ticks = observed_ticks(st);
  bc.manager_requests = &st.manager_requests;
  bc.scripts = st.scripts;
  bc.config = st.config;
  return bc;
}

// The keyspace's view of the role changed (the manager's status, or REPLICAOF here).
void role_changed(keyspace_broker self, bool was_replica) {
  auto& st = self->state;
  if (was_replica && !st.repl.is_replica)
    st.encoder.forget_db();  // a promoted replica's stream starts with SELECT
  // oom-score-adj-values has a replica's score and a master's (Redis's setOOMScoreAdj(-1)).
  if (was_replica != st.repl.is_replica && st.config && st.config->oom)
    if (std::string error = st.config->oom->apply(st.server->config.oom_score,
                                                  server_oom_class(st.repl.is_replica));
        !error.empty())
      spdlog::warn("{}", error);
  apply_expiry_handling(st);
  st.deadlines_scanned = keyspace_state::rescan_deadlines;
  schedule_expiry(self);
}

// A server that becomes a replica ends every client's wait with Redis's error, and closes the
// client after it (Redis's disconnectAllBlockedClients): its master's data is coming.
void release_blocked_clients(keyspace_broker self) {
  auto& st = self->state;
  std::vector<int64_t> ids;
  for (const auto& [id, wait] : st.waiting)
    ids.push_back(id);
  for (int64_t id : ids) {
    auto it = st.waiting.find(id);
    batch_replies out;
    reply::error(out.text, "UNBLOCKED force unblock from blocking operation, instance state "
                           "changed (master -> replica?)");
    st.blocked.unblock(id);
    caf::anon_send(it->second.conn, executed_atom::value, std::move(out), int64_t{0},
                   command_batch());
    st.waiting.erase(it);
    st.intro.clients.ask_close(id);
  }
  close_killed(st);
}

// Passes on the request REPLICAOF left for the replication manager, after the writes that
// came before it (a promoted replica's new history starts after them).
void pass_manager_requests(keyspace_broker self) {
  auto& st = self->state;
  flush_writes(self);
  flush_stream(self);  // the manager's offset must be ours when it acts on the request
  bool was_replica = false;  // (REPLICAOF host port leaves a replica a replica)
  bool to_replica = false;
  for (auto& req : st.manager_requests) {
    was_replica = was_replica || req.what == replication_request::kind::replicaof_no_one;
    to_replica = req.what == replication_request::kind::replicaof;
    ++st.role_requests_sent;
    self->send(st.manager, replicaof_atom::value, std::move(req));
  }
  st.manager_requests.clear();
  if (to_replica)
    release_blocked_clients(self);
  role_changed(self, was_replica);
}

void serve_waiting(keyspace_broker self);

// The first item of `batch` from `first` on that CLIENT PAUSE holds (all commands, or those
// that write or add to the replication stream, a transaction with one of them included), or
// SIZE_MAX.
size_t paused_from(const keyspace_state& st, const command_batch& batch, size_t first) {
  const client_pause& pause = st.intro.clients.pause;
  if (pause.what == client_pause::mode::off || !pause.active(now_ms()))
    return SIZE_MAX;
  constexpr uint32_t held = cmd_write | cmd_may_replicate;
  const auto& items = batch.items();
  std::vector<std::string_view> argv;
  // A script's command writes or not as its script declares (EVAL of a no-writes script).
  auto flags_of = [&](size_t i) {
    const command_spec* cmd = items[i].cmd;
    if (!(cmd->flags & cmd_runs_script))
      return cmd->flags;
    batch.args_of(items[i], argv);
    return script_command_flags(*cmd, argv, st.scripts);
  };
  for (size_t i = first; i < items.size(); ++i) {
    const command_spec* cmd = items[i].cmd;
    if (!cmd)
      continue;
    if (pause.what == client_pause::mode::all || (flags_of(i) & held))
      return i;
    if (!(cmd->flags & cmd_runs_queued))
      continue;
    const size_t end = std::min(items.size(), i + 1 + static_cast<size_t>(std::max(items[i].transaction, 0)));
    for (size_t j = i + 1; j < end; ++j)
      if (items[j].cmd && (flags_of(j) & held))
        return i;
    i = end - 1;
  }
  return SIZE_MAX;
}

// The batch waits from item `first` on until the pause ends; the replies before go out now.
void hold_for_pause(keyspace_broker self, const caf::actor& conn, command_batch batch,
                    size_t first, batch_replies& out) {
  auto& st = self->state;
  if (!out.text.empty() || !out.spliced.empty())
    caf::anon_send(conn, replies_atom::value, std::move(out));
  st.paused.push_back({conn, std::move(batch), first});
  st.intro.clients.paused_clients = st.paused.size();
}

// The client's batch stopped at a blocking command that found nothing: the replies before it
// go out now, and the batch waits here from that command on.
void start_waiting(keyspace_broker self, const caf::actor& conn, command_batch batch, size_t at,
                   const block_request& req, batch_replies& out) {
  auto& st = self->state;
  if (!out.text.empty() || !out.spliced.empty())
    caf::anon_send(conn, replies_atom::value, std::move(out));
  const int64_t id = batch.client_id;
  st.blocked.block(id, req.db, req.keys, req.deadline > 0);
  const uint64_t timer = ++st.wait_timers;
  st.waiting[id] = {conn, std::move(batch), at, timer, req.state};
  if (req.deadline > 0) {
    const auto ms = std::max<int64_t>(0, req.deadline - now_ms());
    send_self_later<keyspace_actor>(self, std::chrono::milliseconds(ms), unblock_atom::value, id,
                                    timer);
  }
}

void finish_migrating(keyspace_broker self, int64_t id, migrate_outcome outcome);

// The client's batch stopped at a MIGRATE that handed out its job: the replies before it go out
// now, and the batch waits here from that command on until the migrate actor answers.
void start_migrating(keyspace_broker self, const caf::actor& conn, command_batch batch, size_t at,
                     std::shared_ptr<const migrate_job> job, batch_replies& out) {
  auto& st = self->state;
  if (!out.text.empty() || !out.spliced.empty())
    caf::anon_send(conn, replies_atom::value, std::move(out));
  const int64_t id = batch.client_id;
  st.migrating[id] = {conn, std::move(batch), at, job};
  self->request(st.migrator, caf::infinite, migrate_atom::value, migrate_order{std::move(job)})
      .then([=](migrate_outcome& outcome) { finish_migrating(self, id, std::move(outcome)); },
            [=](const caf::error&) {
              migrate_outcome failed;
              failed.error = migrate_errors::reading;
              finish_migrating(self, id, std::move(failed));
            });
}

// Runs `batch` for the client at `conn` from item `first` on, after the replies already in
// `out` (done->replies when `done` is given). Whenever a command writes a key a blocked client
// waits for, those are served before the next command, as in Redis. Ends by sending the replies
// (and what the reply limit left) to `conn` (or leaving them in `done`, for a batch a connection
// handed over by a call), or by the batch waiting at a blocking command.
void run_batch(keyspace_broker self, const caf::actor& conn, command_batch&& batch, size_t first,
               batch_replies&& out, executed_batch* done) {
  auto& st = self->state;
  const bool may_block = batch.client_id != 0 && conn;
  const size_t base = out.text.size();
  for (;;) {
    const size_t used = out.text.size() - base;
    if (used >= batch_reply_limit)
      break;
    block_request req;
    migrate_handoff migration;
    const size_t before = first;
    const size_t held = may_block ? paused_from(st, batch, first) : SIZE_MAX;
    if (held == first) {
      flush_writes(self);
      hold_for_pause(self, conn, std::move(batch), first, out);
      return;
    }
    batch_context bc = client_context(st, batch.client_id, out, may_block ? &req : nullptr,
                                      batch_reply_limit - used);
    bc.migration = may_block ? &migration : nullptr;
    first = execute_batch(bc, batch, out.text, first, held);
    if (!st.manager_requests.empty())
      pass_manager_requests(self);
    if (migration.wanted) {
      flush_writes(self);
      start_migrating(self, conn, std::move(batch), first, std::move(migration.job), out);
      return;
    }
    if (req.wanted) {
      flush_writes(self);
      start_waiting(self, conn, std::move(batch), first, req, out);
      return;
    }
    if (first == held) {
      flush_writes(self);
      hold_for_pause(self, conn, std::move(batch), first, out);
      return;
    }
    if (!st.blocked.has_ready()) {
      // Stopped after REPLICAOF or CLIENT PAUSE: the rest runs, or waits for the pause.
      if (first != before && first < batch.items().size())
        continue;
      break;
    }
    serve_waiting(self);  // (a no-op when this runs inside it: one write at a time, then)
    if (first == before || first == batch.items().size())
      break;
  }
  if (first < batch.items().size())
    out.rest.append(batch, first);
  int64_t write_offset = flush_writes(self) ? st.repl.offset : 0;
  // The batch goes back emptied, its buffers to hold the connection's next requests
  // (allocations saved per request, and no large blocks allocated per batch of a deep pipeline).
  if (batch.reserved_size() <= recycled_batch_max)
    batch.clear();
  else
    batch = command_batch();
  if (done != nullptr) {
    // `out` is done->replies; the emptied batch stays with the caller.
    done->write_offset = write_offset;
    done->ready = true;
  } else if (conn) {
    caf::anon_send(conn, executed_atom::value, std::move(out), write_offset, std::move(batch));
  }
}

// Ends a client's wait: with a reply in place of its blocking command (a timeout, CLIENT
// UNBLOCK), or by running that command again, which stays waiting in its place when it still
// finds nothing.
enum class wait_end { retry, timed_out, unblocked_with_error };

void end_wait(keyspace_broker self, int64_t id, wait_end how) {
  auto& st = self->state;
  auto it = st.waiting.find(id);
  if (it == st.waiting.end())
    return;
  batch_replies out;
  size_t next = it->second.first + 1;
  const reply::protocol_scope protocol(it->second.batch.items()[it->second.first].resp);
  if (how == wait_end::retry) {
    block_request req;
    req.retry = true;
    req.state = it->second.state;
    execute_batch(client_context(st, id, out, &req, 0), it->second.batch, out.text,
                  it->second.first, next);
    if (req.wanted)
      return;
  } else {
    if (how == wait_end::timed_out)
      reply::null_array(out.text);
    else
      reply::error(out.text, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    // The blocking command ends here: it counts once, as when it is served.
    const command_spec* cmd = it->second.batch.items()[it->second.first].cmd;
    if (cmd)
      st.server->stats.commands.called(command_index(*cmd), 0, out.text);
  }
  st.blocked.unblock(id);
  auto w = std::move(it->second);
  st.waiting.erase(it);
  run_batch(self, w.conn, std::move(w.batch), next, std::move(out));
}

// The migrate actor's outcome: MIGRATE runs again with it, deleting what the target took,
// then the rest of its client's batch runs (unless the client is gone).
void finish_migrating(keyspace_broker self, int64_t id, migrate_outcome outcome) {
  auto& st = self->state;
  auto it = st.migrating.find(id);
  if (it == st.migrating.end())
    return;
  auto w = std::move(it->second);
  st.migrating.erase(it);
  st.intro.migrate_cached_sockets = outcome.cached_sockets;
  migrate_handoff finishing;
  finishing.job = std::move(w.job);
  finishing.outcome = std::move(outcome);
  batch_replies out;
  block_request unused;
  batch_context bc = client_context(st, id, out, &unused, 0);
  bc.migration = &finishing;
  {
    const reply::protocol_scope protocol(w.batch.items()[w.at].resp);
    execute_batch(bc, w.batch, out.text, w.at, w.at + 1);
  }
  if (w.conn)
    run_batch(self, w.conn, std::move(w.batch), w.at + 1, std::move(out));
  else
    flush_writes(self);
  serve_waiting(self);
  after_commands(self);
}

// Serves the clients waiting for the keys written since the last call, longest waiting first,
// then answers the CLIENT UNBLOCKs asked for.
void serve_waiting(keyspace_broker self) {
  auto& st = self->state;
  if (st.serving)
    return;  // the loop below, further up the stack, sees the keys this call would serve
  st.serving = true;
  for (;;) {
    if (st.blocked.has_ready()) {
      for (const auto& [db, key] : st.blocked.take_ready())
        for (int64_t id : st.blocked.waiting_for(db, key))
          end_wait(self, id, wait_end::retry);
      continue;
    }
    auto asks = st.blocked.take_unblock_asks();
    if (asks.empty())
      break;
    for (const auto& ask : asks) {
      if (st.blocked.waits_elsewhere(ask.client))
        self->send(st.manager, unblock_atom::value, ask.client, ask.with_error);
      else
        end_wait(self, ask.client,
                 ask.with_error ? wait_end::unblocked_with_error : wait_end::timed_out);
    }
  }
  st.serving = false;
}

// A loaded RDB's libraries replace those there, as Redis's replica does with a full sync's
// (and nothing is there at start-up): loaded aside first, so that a library that fails
// leaves the old ones, with Redis's log line.
bool install_functions(keyspace_state& st, const std::vector<std::string>& codes,
                       std::string& failure) {
  if (!st.scripts)
    return true;
  function_libraries fresh;
  std::string error;
  if (!fresh.load_all(codes, false, error)) {
    failure = "Failed loading library, " + error.substr(error.starts_with("ERR ") ? 4 : 0);
    return false;
  }
  st.scripts->functions = std::move(fresh);
  return true;
}

// Runs a connection's batch, which came as a message or, with `done`, by a call through the
// keyspace door.
void exec_batch(keyspace_broker self, const caf::actor& conn, command_batch&& batch,
                executed_batch* done) {
  auto& st = self->state;
  if (!st.killed.empty() && st.killed.contains(batch.client_id))
    return;
  // A script may run long, and the others are answered BUSY only from the requests their
  // connections read meanwhile: the batches that came in the same round (queued here behind
  // this one) run first, or they would wait for the script.
  if (!batch.script_deferred && batch.runs_script()) {
    if (auto* loop = spinning_multiplexer::of(self->system())) {
      batch.script_deferred = true;
      loop->after_round(
          [ks = caf::actor_cast<keyspace_actor>(self), conn, b = std::move(batch)]() mutable {
            caf::send_as(conn, ks, exec_atom::value, std::move(b));
          });
      return;
    }
  }
  // A pause that has ended lets the batches it held run before this one.
  if (!st.paused.empty())
    resume_paused(self);
  st.intro.add_traffic(batch.client_id, batch.traffic);
  if (done != nullptr)
    run_batch(self, conn, std::move(batch), 0, std::move(done->replies), done);
  else
    run_batch(self, conn, std::move(batch), 0, batch_replies{});
  serve_waiting(self);
  after_commands(self);
}

void exec_through_door(caf::scheduled_actor* keyspace, const caf::actor& conn,
                       command_batch&& batch, executed_batch& done) {
  exec_batch(static_cast<keyspace_broker>(keyspace), conn, std::move(batch), &done);
}

}  // namespace

keyspace_actor::behavior_type keyspace_actor_fn(keyspace_broker self, keyspace* ks,
                                                server_state* server,
                                                replication_manager_actor manager,
                                                scripting* scripts, config_targets* config,
                                                keyspace_door* door) {
  empty_mailbox_at_exit(self);
  door->open(self, exec_through_door);
  self->attach_functor([door] { door->close(); });
  self->state.intro.startup_memory = self->state.intro.peak_memory = allocated_bytes();
  self->state.ks = ks;
  self->state.server = server;
  self->state.scripts = scripts;
  self->state.config = config;
  self->state.ports = {server->config.port, server->config.tls.port};
  // A script past busy-reply-threshold lets the loop answer the other clients meanwhile.
  if (auto* loop = spinning_multiplexer::of(self->system()))
    scripts->watch->process_events = [loop] { return loop->process_events_nested(); };
  self->state.manager = std::move(manager);
  if (!server->config.replicaof.empty()) {
    uint16_t port = 0;
    self->state.repl.is_replica =
        parse_replicaof(server->config.replicaof, self->state.repl.master_host, port);
    self->state.repl.master_port = port;
  }
  self->state.repl_settings = server->config.repl;
  apply_expiry_handling(self->state);
  self->state.expiry = self->system().middleman().spawn_broker(
      expiry_actor_fn, caf::actor_cast<keyspace_actor>(self));
  self->link_to(self->state.expiry);
  self->state.migrator = self->system().middleman().spawn_broker(
      migrate_actor_fn, caf::actor_cast<keyspace_actor>(self));
  self->link_to(self->state.migrator);
  self->state.purger = self->system().spawn<caf::detached>(purger_actor_fn, burst_purge_interval);
  self->link_to(self->state.purger);
  schedule_expiry(self);
  send_self_later<keyspace_actor>(self, cron_interval, cron_atom::value);
  return {
      [=](exec_atom, command_batch& batch) {
        exec_batch(self, caf::actor_cast<caf::actor>(self->current_sender()), std::move(batch),
                   nullptr);
      },
      // A blocked client's timeout.
      [=](unblock_atom, int64_t id, uint64_t timer) {
        auto it = self->state.waiting.find(id);
        if (it == self->state.waiting.end() || it->second.timer != timer)
          return;
        end_wait(self, id, wait_end::timed_out);
        serve_waiting(self);
        after_commands(self);
      },
      // The manager's WAIT clients, blocked there.
      [=](waiting_atom, int64_t id, bool timed, bool waits) {
        if (waits)
          self->state.blocked.block_elsewhere(id, timed);
        else
          self->state.blocked.unblock_elsewhere(id);
      },
      // A connection ended: if it was waiting, it waits no more.
      // `burst`: its buffers had grown past burst_buffer_bytes. What the burst left free goes
      // back to the system within milliseconds, not over the seconds of the allocator's decay:
      // this thread's cache (the connections run here) lets go of its blocks, the purger
      // returns the free pages.
      [=](gone_atom, int64_t id, bool burst) {
        forget_client(self->state, id);
        self->state.killed.erase(id);
        if (burst) {
          flush_thread_allocator_cache();
          self->send(self->state.purger, purge_atom::value);
        }
      },
      [=](migrate_atom, int64_t cached_sockets) {
        self->state.intro.migrate_cached_sockets = cached_sockets;
      },
      [=](traffic_atom, int64_t client_id, const connection_traffic& traffic) {
        self->state.intro.add_traffic(client_id, traffic);
      },
      // CLIENT PAUSE may have ended.
      [=](resume_atom) {
        self->state.pause_timer_for = 0;
        after_commands(self);
      },
      // A connection started, or tells what changed about it (CLIENT SETNAME, HELLO, ...).
      [=](hello_atom, const client_report& report) {
        auto& st = self->state;
        if (st.killed.contains(report.id))
          return;
        st.intro.clients.report(report, now_ms());
        if (report.unwatch)
          st.watched.unwatch(report.id);
        auto [it, added] =
            st.connections.emplace(report.id, caf::actor_cast<caf::actor>(self->current_sender()));
        if (added && st.monitoring)
          caf::anon_send(it->second, monitor_atom::value, true);
      },
      [=](apply_atom, const command_batch& batch, std::string& raw, int stream_db,
          int64_t link_generation) {
        auto& st = self->state;
        // After REPLICAOF (NO ONE, or another master), what the old link still sends is not ours.
        if (!st.repl.is_replica || link_generation < st.role_requests_sent)
          return;
        st.intro.read_from_master(static_cast<int64_t>(raw.size()));
        std::string ignored;  // a replica answers its master nothing (GETACK: the link does)
        batch_context bc{*st.ks, *st.server, st.repl, now_ms(), true, nullptr};
        bc.blocked = &st.blocked;  // the master's writes serve our blocked clients
        bc.watched = &st.watched;  // and fail our clients' transactions
        bc.channels = &st.channels;  // its PUBLISHes reach our subscribers
        bc.intro = &st.intro;        // its slow commands are logged
        bc.scripts = st.scripts;     // its FUNCTION LOADs
        for (size_t next = 0; next < batch.items().size();) {
          next = execute_batch(bc, batch, ignored, next);
          serve_waiting(self);
        }
        st.repl.stream_db = stream_db;
        deliver_soon(self);
        if (propagating(st)) {
          feed(self, raw);  // sub-replicas get the master's stream as it came
        } else {
          st.repl.offset += static_cast<int64_t>(raw.size());
        }
      },
      [=](expire_atom) {
        auto& st = self->state;
        forget_expiry_timer(st);
        if (st.repl.is_replica || !st.ks->active_expire || st.expiry_paused)
          return;  // (after a pause, after_commands schedules it again)
        unix_ms now = now_ms();
        size_t removed = 0;
        const uint64_t start = ticks_now();
        for (int i = 0; i < keyspace::db_count && removed < expire_budget; ++i)
          removed += st.ks->db(i).expire_due(now, expire_budget - removed);
        st.intro.latency.record(
            "expire-cycle", st.server->stats.commands.to_ns(ticks_now() - start) / 1000000,
            st.server->config.latency_monitor_threshold, now / 1000);
        flush_writes(self);
        deliver_soon(self);  // their "expired" events
        serve_waiting(self);  // an XREADGROUP waiting for one of them
        if (removed == expire_budget) {
          ++st.intro.expire_cap_reached;
          self->send(self, expire_atom::value);  // more are due: continue after queued batches
        } else {
          schedule_expiry(self);
        }
      },
      [=](cron_atom) {
        run_cron(self);
        send_self_later<keyspace_actor>(self, cron_interval, cron_atom::value);
      },
      [=](install_atom, const loaded_keyspace& loaded) -> std::string {
        auto& st = self->state;
        if (loaded.from_master &&
            (!st.repl.is_replica || loaded.link_generation < st.role_requests_sent))
          return {};  // a sync that a later REPLICAOF overtook
        st.intro.read_from_master(loaded.payload_bytes);
        std::string failure;
        if (!install_functions(st, loaded.functions, failure))
          return failure;  // the data and libraries there stay as they were
        flush_stream(self);  // the old history's bytes go out before the offset moves
        const bool active_expire = st.ks->active_expire;
        *st.ks = std::move(*loaded.ks);
        st.ks->active_expire = active_expire;
        st.watched.touch_all();
        apply_expiry_handling(st);
        forget_expiry_timer(st);
        schedule_expiry(self);
        if (loaded.repl_offset >= 0) {
          // The data belongs to this history now: the stream goes on from its offset.
          st.repl.offset = loaded.repl_offset;
          st.repl.stream_db = loaded.repl_stream_db;
          st.encoder.forget_db();
          self->send(st.manager, restored_atom::value, loaded.repl_id, loaded.repl_offset,
                     loaded.repl_stream_db);
        }
        return {};
      },
      [=](loading_atom, const loading_progress& p) {
        auto& ps = self->state.server->persistence;
        if (p.done) {
          ps.loading = false;
          return;
        }
        if (!ps.loading)
          ps.loading_started_ms = now_ms();
        ps.loading = true;
        ps.loading_total_bytes = p.total_bytes;
        ps.loading_loaded_bytes = p.loaded_bytes;
      },
      [=](sync_atom, const sync_job& job) -> std::tuple<int, int64_t> {
        auto& st = self->state;
        // The manager must have every byte up to the snapshot before it learns its offset:
        // what it gets after goes to the new replicas.
        flush_stream(self);
        unix_ms now = now_ms();
        rdb_save_info info = make_save_info(st.repl, now, functions_of(st.scripts),
                                            st.server->config.rdb_key_save_delay);
        info.repl_id = job.replid;
        // After the snapshot the stream starts with a SELECT, whatever database it was in.
        if (!st.repl.is_replica)
          st.encoder.forget_db();
        std::string error;
        if (auto* loop = spinning_multiplexer::of(self->system()))
          loop->send_round_output();  // the replicas' earlier replies come before the child's
        const auto fork_start = std::chrono::steady_clock::now();
        int pid = fork_sync_child(*st.ks, info, job, rdb_path(st.server->config),
                                  st.server->config.repl.timeout * 1000, error);
        if (pid > 0) {
          st.intro.forked(fork_start, st.server->config.latency_monitor_threshold, now / 1000);
          set_child_oom_score(st.config, st.server->config, pid);
        }
        if (pid < 0) {
          spdlog::warn("{}", error);
        } else {
          spdlog::info("Starting BGSAVE for SYNC with target: {}",
                       job.eof_form ? "replicas sockets" : "disk");
          if (st.sync_children.empty())
            send_self_later<keyspace_actor>(self, sync_reap_interval, synced_atom::value);
          st.sync_children.push_back(pid);
        }
        return {pid, st.repl.offset};
      },
      [=](synced_atom) { reap_sync_children(self); },
      [=](getack_atom) {
        auto& st = self->state;
        if (!propagating(st))
          return;
        std::string bytes;
        std::string_view argv[] = {"REPLCONF", "GETACK", "*"};
        st.encoder.encode(-1, argv, bytes);
        feed(self, bytes);
      },
      [=](feed_atom) { flush_stream(self); },
      [=](deliver_atom) {
        self->state.delivery_due = false;
        deliver_messages(self);
      },
      [=](status_atom, replication_info& info) {
        auto& st = self->state;
        bool was_replica = st.repl.is_replica;
        info.offset = st.repl.offset;  // these two are kept here, not by the manager
        info.stream_db = st.repl.stream_db;
        if (info.role_requests_handled < st.role_requests_sent) {
          // Sent before the manager handled our last REPLICAOF: the role set then stands.
          info.is_replica = st.repl.is_replica;
          info.master_host = std::move(st.repl.master_host);
          info.master_port = st.repl.master_port;
          info.link_up = st.repl.link_up;
          info.sync_in_progress = st.repl.sync_in_progress;
        }
        st.repl = std::move(info);
        role_changed(self, was_replica);
      },
      [=](shutdown_atom) {
        auto& st = self->state;
        for (int pid : st.sync_children)
          kill(pid, SIGKILL);
        return prepare_shutdown(*st.ks, functions_of(st.scripts), *st.server, st.repl, now_ms(),
                                shutdown_options{});
      },
  };
}

}  // namespace credis
