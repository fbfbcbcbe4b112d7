#include "actors/migrate_actor.hpp"

#include <cstdlib>

#include "actors/broker_exit.hpp"
#include "actors/clock.hpp"
#include "actors/tcp_connect.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::resolved_address)

namespace credis {

const char* migrate_state::name = "migrate";

namespace {

// Redis's MIGRATE_SOCKET_CACHE_TTL and MIGRATE_SOCKET_CACHE_ITEMS.
constexpr int64_t cache_ttl_ms = 10000;
constexpr size_t cache_max = 64;
constexpr auto sweep_interval = std::chrono::milliseconds(1000);
constexpr size_t read_size = 64 * 1024;

using failure = migrate_exchange::failure;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;

int64_t cached_sockets(const migrate_state& st) {
  int64_t n = 0;
  for (const auto& [name, t] : st.targets)
    n += t.hdl.has_value();
  return n;
}

// Tells the keyspace (INFO's migrate_cached_sockets) when the count changed on its own.
void report_sockets(migrate_broker self) {
  auto& st = self->state;
  const int64_t n = cached_sockets(st);
  if (n != st.reported_sockets)
    self->send(st.keyspace, migrate_atom::value, n);
  st.reported_sockets = n;
}

void close_link(migrate_broker self, migrate_target& t) {
  if (t.hdl) {
    self->close(*t.hdl);
    self->state.names.erase(*t.hdl);
  }
  t.hdl.reset();
  t.connected = false;
  t.db = -1;
}

// A target with no connection and no job is forgotten.
void forget_if_idle(migrate_broker self, const std::string& name) {
  auto& st = self->state;
  auto it = st.targets.find(name);
  if (it != st.targets.end() && !it->second.hdl && it->second.waiting.empty())
    st.targets.erase(it);
}

// At the cache's limit, one idle connection goes (Redis drops one at random).
void make_room(migrate_broker self) {
  auto& st = self->state;
  if (static_cast<size_t>(cached_sockets(st)) < cache_max)
    return;
  for (auto& [name, t] : st.targets) {
    if (t.hdl && !t.exchange) {
      close_link(self, t);
      return;
    }
  }
}

void open_link(migrate_broker self, const std::string& name, migrate_target& t, int fd) {
  make_room(self);
  t.hdl = self->add_scribe(fd);
  self->state.names[*t.hdl] = name;
  t.connected = false;
  t.db = -1;
  self->ack_writes(*t.hdl, true);  // the first data_transferred_msg says it is connected
  self->configure_read(*t.hdl, caf::io::receive_policy::at_most(read_size));
}

// Looks a host name up on a thread of its own (it may wait for DNS), answering with its
// address (len 0: none). The name comes as spawn arguments: CAF 0.17 dereferences a null
// argument tuple when it spawns a function that takes none (UBSan: a null reference).
caf::behavior resolver_fn(caf::event_based_actor* self, std::string host, uint16_t port) {
  return {
      [=](resolve_atom) {
        resolved_address address;
        std::string error;
        if (!resolve_address(host, port, false, address, error))
          address.len = 0;
        self->quit();
        return address;
      },
  };
}

void start_attempt(migrate_broker self, const std::string& name, migrate_target& t);

// The running job is over: its outcome goes to the keyspace, and the next job starts.
void end_job(migrate_broker self, const std::string& name, migrate_target& t,
             migrate_outcome outcome) {
  auto& st = self->state;
  auto done = std::move(t.waiting.front());
  t.waiting.pop_front();
  t.exchange.reset();
  t.retried = false;
  outcome.cached_sockets = st.reported_sockets = cached_sockets(st);
  done.promise.deliver(std::move(outcome));
  if (!t.waiting.empty())
    start_attempt(self, name, t);
}

void connect_failed(migrate_broker self, const std::string& name, migrate_target& t) {
  close_link(self, t);
  migrate_outcome outcome;
  outcome.error = migrate_errors::connecting;
  end_job(self, name, t, std::move(outcome));
}

// The running attempt's connection failed (closed, or no progress within the timeout). As
// Redis: tried once more on a new connection unless it timed out or a RESTORE was answered.
void attempt_failed(migrate_broker self, const std::string& name, migrate_target& t,
                    bool timed_out) {
  if (!t.connected) {
    connect_failed(self, name, t);
    return;
  }
  migrate_outcome outcome = t.exchange->outcome(t.unsent > 0 ? failure::writing : failure::reading);
  const bool retry = !timed_out && !t.retried && !t.exchange->restore_answered();
  close_link(self, t);
  if (retry) {
    t.retried = true;
    start_attempt(self, name, t);
    return;
  }
  end_job(self, name, t, std::move(outcome));
}

// A timeout past an hour is looked at again every hour (the check then sets it again for what
// is left).
void arm_timer(migrate_broker self, const std::string& name, const migrate_target& t, int64_t ms) {
  constexpr int64_t hour_ms = 3'600'000;
  send_self_later<caf::actor>(self, std::chrono::milliseconds(std::min(ms, hour_ms)),
                              timeout_atom::value, name, t.attempt);
}

void send_request(migrate_broker self, migrate_target& t) {
  const std::string& bytes = t.exchange->request();
  t.unsent = bytes.size();
  self->write(*t.hdl, bytes.size(), bytes.data());
  self->flush(*t.hdl);
}

// The attempt's connection is to `address` (len 0: none was found).
void connect_and_send(migrate_broker self, const std::string& name, migrate_target& t,
                      const resolved_address& address) {
  std::string error;
  const int fd = address.len > 0 ? connect_to(address, error) : -1;
  if (fd < 0) {
    connect_failed(self, name, t);
    return;
  }
  open_link(self, name, t, fd);
  send_request(self, t);
}

// Sends the first waiting job's commands, on the kept connection or a new one. A host name
// is looked up aside; the timeout counts from here, the lookup included.
void start_attempt(migrate_broker self, const std::string& name, migrate_target& t) {
  auto& st = self->state;
  const migrate_job& job = *t.waiting.front().job;
  t.exchange.emplace(job, t.db != job.args.db);
  const uint64_t attempt = t.attempt = ++st.attempts;
  t.last_use_ms = t.last_progress_ms = now_ms();
  arm_timer(self, name, t, job.args.timeout_ms);
  if (t.hdl) {
    send_request(self, t);
    return;
  }
  t.connected = false;
  const int port = std::atoi(job.port.c_str());  // as Redis reads it
  if (port <= 0 || port > 65535) {
    connect_failed(self, name, t);
    return;
  }
  resolved_address address;
  std::string error;
  if (resolve_address(job.host, static_cast<uint16_t>(port), true, address, error)) {
    connect_and_send(self, name, t, address);
    return;
  }
  auto resolver = self->system().spawn<caf::detached + caf::hidden>(resolver_fn, job.host,
                                                                    static_cast<uint16_t>(port));
  self->request(resolver, caf::infinite, resolve_atom::value)
      .then(
          [=](const resolved_address& found) {
            auto it = self->state.targets.find(name);
            if (it == self->state.targets.end() || it->second.attempt != attempt ||
                !it->second.exchange)
              return;  // timed out meanwhile
            connect_and_send(self, name, it->second, found);
            forget_if_idle(self, name);
            report_sockets(self);
          },
          [=](const caf::error&) {
            auto it = self->state.targets.find(name);
            if (it != self->state.targets.end() && it->second.attempt == attempt &&
                it->second.exchange)
              connect_failed(self, name, it->second);
            forget_if_idle(self, name);
          });
}

migrate_target* target_of(migrate_broker self, caf::io::connection_handle hdl, std::string& name) {
  auto& st = self->state;
  auto it = st.names.find(hdl);
  if (it == st.names.end())
    return nullptr;
  name = it->second;
  return &st.targets[name];
}

void on_data(migrate_broker self, const caf::io::new_data_msg& msg) {
  std::string name;
  migrate_target* t = target_of(self, msg.handle, name);
  if (!t || !t->exchange)
    return;  // nothing was asked: ignored, as Redis never reads an idle cached socket
  t->connected = true;
  t->last_progress_ms = now_ms();
  if (!t->exchange->feed(std::string_view(msg.buf.data(), msg.buf.size())))
    return;
  t->db = t->exchange->selected_db() ? t->waiting.front().job->args.db : -1;
  t->last_use_ms = now_ms();
  end_job(self, name, *t, t->exchange->outcome(failure::none));
}

void on_timeout(migrate_broker self, const std::string& name, uint64_t attempt) {
  auto& st = self->state;
  auto it = st.targets.find(name);
  if (it == st.targets.end() || !it->second.exchange || it->second.attempt != attempt)
    return;
  migrate_target& t = it->second;
  const int64_t timeout = t.waiting.front().job->args.timeout_ms;
  const int64_t idle = now_ms() - t.last_progress_ms;
  if (idle < timeout) {
    arm_timer(self, name, t, timeout - idle);  // it progressed since the timer was set
    return;
  }
  attempt_failed(self, name, t, true);
  forget_if_idle(self, name);
  report_sockets(self);
}

// Kept connections unused for more than 10 s are closed (Redis's
// migrateCloseTimedoutSockets, run by its cron).
void sweep(migrate_broker self) {
  auto& st = self->state;
  const int64_t now = now_ms();
  std::vector<std::string> idle;
  for (auto& [name, t] : st.targets) {
    if (t.hdl && !t.exchange && now - t.last_use_ms > cache_ttl_ms)
      close_link(self, t);
    if (!t.hdl && t.waiting.empty())
      idle.push_back(name);
  }
  for (const auto& name : idle)
    st.targets.erase(name);
  report_sockets(self);
}

}  // namespace

caf::behavior migrate_actor_fn(migrate_broker self, keyspace_actor keyspace) {
  empty_mailbox_at_exit(self);
  self->set_exit_handler([=](const caf::exit_msg&) { drop_after_round(self); });
  self->state.keyspace = std::move(keyspace);
  send_self_periodic<caf::actor>(self, sweep_interval, cron_atom::value);
  return {
      [=](migrate_atom, const migrate_order& order) {
        auto& st = self->state;
        const std::string name = order.job->host + ":" + order.job->port;
        migrate_target& t = st.targets[name];
        t.waiting.push_back({order.job, self->make_response_promise()});
        if (t.waiting.size() == 1)
          start_attempt(self, name, t);
        forget_if_idle(self, name);
      },
      [=](const caf::io::new_data_msg& msg) {
        std::string name;
        on_data(self, msg);
        if (target_of(self, msg.handle, name))
          forget_if_idle(self, name);
      },
      [=](const caf::io::data_transferred_msg& msg) {
        std::string name;
        if (migrate_target* t = target_of(self, msg.handle, name)) {
          t->connected = true;
          t->unsent -= std::min(t->unsent, msg.written);
          t->last_progress_ms = now_ms();
        }
      },
      [=](const caf::io::connection_closed_msg& msg) {
        std::string name;
        migrate_target* t = target_of(self, msg.handle, name);
        if (!t)
          return;
        if (t->exchange)
          attempt_failed(self, name, *t, false);
        else
          close_link(self, *t);  // the target closed a kept connection
        forget_if_idle(self, name);
        report_sockets(self);
      },
      [=](timeout_atom, const std::string& name, uint64_t attempt) {
        on_timeout(self, name, attempt);
      },
      [=](cron_atom) {
        sweep(self);
        send_self_periodic<caf::actor>(self, sweep_interval, cron_atom::value);
      },
      [=](drop_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

}  // namespace credis
