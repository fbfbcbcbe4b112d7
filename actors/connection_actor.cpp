#include "actors/connection_actor.hpp"

#include <algorithm>
#include <new>

#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "actors/broker_exit.hpp"
#include "actors/clock.hpp"
#include "actors/direct_scribe.hpp"
#include "actors/direct_send.hpp"
#include "actors/spinning_multiplexer.hpp"
#include "protocol/reply.hpp"

namespace credis {

const char* connection_state::name = "connection";

namespace {

// CAF keeps a receive buffer of the configured size for every connection, so an idle client
// costs what its read size is. Start small (like Redis's lazily grown query buffer) and grow
// while a client fills whole reads, e.g. when it pipelines deeply.
constexpr size_t small_read_size = 1024;
constexpr size_t large_read_size = 64 * 1024;
// Consecutive short reads after which a grown connection goes back to the small size.
constexpr int shrink_after_short_reads = 64;

// Grows the read size when a read filled it, and shrinks it (and an input buffer left large by
// a burst) once the client has stayed quiet for a while.
void adapt_read_size(connection_broker self, size_t bytes_read) {
  auto& st = self->state;
  if (bytes_read == st.read_size && st.read_size == small_read_size) {
    st.read_size = large_read_size;
  } else if (st.read_size == large_read_size && bytes_read < small_read_size) {
    if (++st.short_reads < shrink_after_short_reads)
      return;
    st.read_size = small_read_size;
    if (st.input.empty())
      burst_string().swap(st.input);
  } else {
    st.short_reads = 0;
    return;
  }
  st.short_reads = 0;
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(st.read_size));
}

// Redis's words to a client from elsewhere while it runs without a password.
constexpr std::string_view protected_mode_denial =
    "DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default "
    "user. NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.";

bool is_loopback(std::string_view addr) {
  if (addr.rfind("::ffff:", 0) == 0)
    addr.remove_prefix(7);
  return addr.rfind("127.", 0) == 0 || addr == "::1";
}

// Replies waiting beyond this stop the reading of a client's requests, and the running of those
// already read, until they drain: a client that sends and never reads then costs a bounded
// amount of memory (its requests wait in the kernel's socket buffers), where Redis keeps
// buffering its replies without limit. Replicas are not paused: their ACKs must be read.
constexpr uint64_t output_pause_bytes = 64 * 1024;
// Likewise requests parsed and waiting for the batch in flight: CAF reads up to 50 times in a
// row, so a client that pipelines deeply could otherwise queue megabytes of them at once.
constexpr size_t waiting_requests_pause_bytes = 128 * 1024;

// The output CAF holds at most for a connection: what the socket did not take at once waits in
// the connection's output queue and goes to CAF a chunk at a time.
constexpr size_t caf_chunk_size = 64 * 1024;

// Replies queued here or in CAF and not yet taken by the socket.
uint64_t unsent_bytes(const connection_state& st) { return st.output.size() + st.queued_in_caf; }

// Traffic or output of this size is reported without waiting for a batch.
constexpr uint64_t traffic_report_bytes = 64 * 1024;

// What the connection read and wrote since its last report, and its buffers now.
connection_traffic take_traffic(connection_state& st) {
  st.reported_output_buffer = unsent_bytes(st);
  return {std::exchange(st.net_input, 0),
          std::exchange(st.net_output, 0),
          std::exchange(st.reads, 0),
          std::exchange(st.writes, 0),
          st.input.capacity(),
          st.reported_output_buffer,
          st.is_replica};
}

// What the connection read and wrote since its last batch goes to the keyspace now: it is
// closing, writes much without sending requests (a subscriber, a monitor), or the output the
// keyspace last heard of has drained.
void report_traffic(connection_broker self) {
  auto& st = self->state;
  const bool drained = st.reported_output_buffer >= traffic_report_bytes && unsent_bytes(st) == 0;
  if (st.net_input == 0 && st.net_output == 0 && !drained)
    return;
  self->send(st.keyspace, traffic_atom::value, st.client.id, take_traffic(st));
}


void close_now(connection_broker self) {
  report_traffic(self);
  self->state.fd = -1;           // nothing more goes straight to the socket, which CAF closes
  self->close(self->state.hdl);  // sends what CAF holds, then shuts the socket down
  self->quit();
}

// Closes without waiting for the peer to take what CAF holds: CAF's next send fails, which
// frees the socket. A peer that never reads would otherwise keep it, and at shutdown the
// process, alive for good. What the kernel already holds is still sent.
void drop_now(connection_broker self) {
  if (self->state.socket_fd >= 0)
    ::shutdown(self->state.socket_fd, SHUT_WR);
  close_now(self);
}

// drop_now in a later round of the event loop (see drop_after_round).
void drop_soon(connection_broker self) { drop_after_round(self); }

// Hands CAF what the TLS session has for the peer: records of replies, of the handshake, alerts.
void send_tls_records(connection_broker self) {
  auto& st = self->state;
  if (!st.tls->has_output())
    return;
  auto& buf = self->wr_buf(st.hdl);
  size_t before = buf.size();
  st.tls->take_output(buf);
  st.queued_in_caf += buf.size() - before;
  self->flush(st.hdl);
}

// Large values go out paced while one waits (see limit_unsent_bytes). Small replies keep the
// kernel's whole send buffer: a client that pipelines thousands of requests before it reads
// relies on it, as output past output_pause_bytes here stops the reading of its requests.
void pace_large_values(connection_state& st) {
  const bool on = st.output.holds_block();
  if (on != st.unsent_limited && st.socket_fd >= 0) {
    limit_unsent_bytes(st.socket_fd, on);
    st.unsent_limited = on;
  }
}

// Moves output along: straight into the socket when CAF holds nothing for this connection (so
// order is kept), then the next chunk of what is left to CAF, which sends it when the socket
// is writable and tells (data_transferred_msg) when it is through.
void pump_output(connection_broker self) {
  auto& st = self->state;
  pace_large_values(st);
  if (st.queued_in_caf == 0 && st.fd >= 0 && !st.output.empty())
    st.output.send_some(st.fd);
  if (st.queued_in_caf == 0 && !st.output.empty()) {
    auto& buf = self->wr_buf(st.hdl);
    size_t before = buf.size();
    if (st.tls) {
      st.tls_scratch.clear();
      st.output.take(caf_chunk_size, st.tls_scratch);
      if (!st.tls->write(std::string_view(st.tls_scratch.data(), st.tls_scratch.size())))
        spdlog::debug("TLS write failed: {}", st.tls->error());
      st.tls->take_output(buf);
    } else {
      st.output.take(caf_chunk_size, buf);
    }
    st.queued_in_caf += buf.size() - before;
    self->flush(st.hdl);
  }
  pace_large_values(st);
  if (st.finishing && st.output.empty())
    close_now(self);
}

// Over TLS, a reply of at most a chunk is encrypted into CAF's buffer at once when nothing
// waits; larger ones go through the output queue a chunk at a time.
bool write_tls_now(connection_broker self, std::string_view bytes) {
  auto& st = self->state;
  if (!st.tls || !st.output.empty() || bytes.size() > caf_chunk_size)
    return false;
  if (!st.tls->write(bytes))
    spdlog::debug("TLS write failed: {}", st.tls->error());
  send_tls_records(self);
  return true;
}

void output_moved(connection_broker self);

// The loop's end of round asks what to send, and tells how much went (see send_later).
batched_send::item round_output_front(caf::io::abstract_broker* owner) {
  auto& st = static_cast<connection_broker>(owner)->state;
  if (st.fd < 0 || st.queued_in_caf != 0 || st.output.empty())
    return {};  // it went another way since
  return {st.fd, st.output.front()};
}

void round_output_sent(caf::io::abstract_broker* owner, size_t n) {
  auto self = static_cast<connection_broker>(owner);
  auto& st = self->state;
  st.send_due = false;
  st.output.consume(n);
  if (!st.output.empty() || st.finishing)
    pump_output(self);  // what the socket did not take goes through CAF
  output_moved(self);
}

constexpr spinning_multiplexer::round_output round_output{round_output_front, round_output_sent};

// Output queued while nothing waits in CAF goes at the end of the loop's round, with the other
// connections' in one system call. False when it cannot (TLS, or no such loop).
bool send_later(connection_broker self) {
  auto& st = self->state;
  if (st.loop == nullptr || st.fd < 0 || st.queued_in_caf != 0)
    return false;
  if (!st.send_due) {
    st.send_due = true;
    st.loop->send_at_round_end(self, round_output);
  }
  return true;
}

// Queues output for the client: it goes at the end of the loop's round with the other
// connections' (send_later), or on its way at once (pump_output) where it cannot.
void write_out(connection_broker self, std::string_view bytes) {
  auto& st = self->state;
  st.net_output += bytes.size();  // a replica's counts as replication traffic
  if (!st.is_replica)
    ++st.writes;
  if (write_tls_now(self, bytes))
    return;
  st.output.append(bytes);
  if (!send_later(self))
    pump_output(self);
}

void write_out(connection_broker self, batch_replies&& replies) {
  auto& st = self->state;
  st.net_output += replies.text.size();
  ++st.writes;
  for (const auto& s : replies.spliced)
    st.net_output += s.block.size();
  if (replies.spliced.empty() && write_tls_now(self, replies.text))
    return;
  const bool spliced = !replies.spliced.empty();  // large values keep their own pacing
  st.output.append(std::move(replies));
  if (spliced || !send_later(self))
    pump_output(self);
}

bool output_backed_up(const connection_state& st) {
  return !st.is_replica && unsent_bytes(st) > output_pause_bytes;
}

// Pauses or resumes CAF's reading of `hdl`, after the loop's round (see
// spinning_multiplexer::after_round): a pause and a resume within one round would otherwise
// leave the socket unread for good.
void set_paused(connection_broker self, read_switch connection_state::*which,
                caf::io::connection_handle hdl, bool pause) {
  read_switch& sw = self->state.*which;
  if (pause == sw.paused)
    return;
  sw.paused = pause;
  if (sw.change_due)
    return;
  sw.change_due = true;
  auto apply = [self, which, hdl, keep = caf::actor_cast<caf::strong_actor_ptr>(self)] {
    if (self->getf(caf::abstract_actor::is_terminated_flag))
      return;
    read_switch& sw = self->state.*which;
    sw.change_due = false;
    if (sw.paused == sw.halted)
      return;
    sw.halted = sw.paused;
    if (sw.halted)
      self->halt(hdl);
    else
      self->trigger(hdl);
  };
  if (auto* loop = spinning_multiplexer::of(self->system()))
    loop->after_round(std::move(apply));
  else
    apply();
}

// Stops reading while the client's replies are backed up, or its parsed requests pile up
// behind the batch in flight, and starts again once they drain.
void pace_reading(connection_broker self) {
  auto& st = self->state;
  bool pause = output_backed_up(st) || st.next.memory_size() + st.in_flight_size >
                                           waiting_requests_pause_bytes;
  set_paused(self, &connection_state::client_reads, st.hdl, pause);
}

// While this much of a relayed snapshot waits to go to the replica, the relay is not read: the
// child then waits, rather than the snapshot piling up here.
constexpr uint64_t relay_pause_bytes = 1 << 20;

void pace_relay(connection_broker self) {
  auto& st = self->state;
  set_paused(self, &connection_state::relay_reads, st.relay,
             unsent_bytes(st) > relay_pause_bytes);
}

// The replica has its snapshot: the stream since then follows.
void go_online(connection_broker self) {
  auto& st = self->state;
  st.replica_syncing = false;
  st.online_due = false;
  write_out(self, st.held_stream);
  std::string().swap(st.held_stream);
}

// Closes the connection once everything queued for it is out.
void finish(connection_broker self) {
  self->state.finishing = true;
  pump_output(self);
}

// True when the connection's unsent output is past its class's client-output-buffer-limit
// (Redis's checkClientOutputBufferLimits: at the hard limit, or over the soft one for longer
// than its seconds), in which case it is dropped, counted and logged.
bool over_output_limits(connection_broker self) {
  auto& st = self->state;
  const output_buffer_limit& limit = st.server->config.output_limits.of(
      st.is_replica            ? client_class::replica
      : st.client.subscribed() ? client_class::pubsub
                               : client_class::normal);
  if (limit.hard == 0 && limit.soft == 0)
    return false;  // the normal class's default: every batch passes here
  int64_t pending = static_cast<int64_t>(unsent_bytes(st) + st.held_stream.size());
  bool hard = limit.hard > 0 && pending >= limit.hard;
  bool soft = limit.soft > 0 && pending >= limit.soft;
  if (!soft) {
    st.over_soft_limit_since = 0;
  } else if (st.over_soft_limit_since == 0) {
    st.over_soft_limit_since = now_ms();
    soft = false;
  } else {
    soft = now_ms() - st.over_soft_limit_since > limit.soft_seconds * 1000;
  }
  if (!hard && !soft)
    return false;
  ++st.server->stats.client_output_buffer_limit_disconnections;
  spdlog::warn("Client id={} addr={}:{} scheduled to be closed ASAP for overcoming of output "
               "buffer limits.", st.client.id, self->remote_addr(st.hdl),
               self->remote_port(st.hdl));
  return true;
}

void dispatch(connection_broker self);

// Output went out (by CAF, or at the end of a round): what waited for that goes on.
void output_moved(connection_broker self) {
  auto& st = self->state;
  // CLIENT LIST and INFO no longer count large output that has drained. (Not for small
  // output: a reply still in CAF's queue when the next batch went would cost a message
  // per request.)
  if (st.reported_output_buffer >= traffic_report_bytes && unsent_bytes(st) == 0)
    report_traffic(self);
  if (st.client_reads.paused && !output_backed_up(st))
    dispatch(self);  // runs what waits, and reads again
  if (st.relaying)
    pace_relay(self);
}

void note_burst(connection_state& st) {
  if (st.input.capacity() >= burst_buffer_bytes || st.next.reserved_size() >= burst_buffer_bytes)
    *st.had_burst = true;
}

// What the client sent that is not a complete request yet: unparsed input, the big arguments
// of the request in progress, and the part of one being collected.
size_t query_buffer_bytes(const connection_state& st) {
  size_t n = st.input.size() + st.big_bulk.filled();
  for (const auto& b : st.arg_blocks)
    n += b.size();
  return n;
}

// As Redis: a client whose request in progress passes client-query-buffer-limit is closed.
bool over_query_limit(connection_broker self) {
  auto& st = self->state;
  if (static_cast<int64_t>(query_buffer_bytes(st)) <= st.server->config.client_query_buffer_limit)
    return false;
  ++st.server->stats.client_query_buffer_limit_disconnections;
  spdlog::warn("Closing client that reached max query buffer length: id={} addr={}:{} "
               "(qbuf initial bytes: {:?})", st.client.id, self->remote_addr(st.hdl),
               self->remote_port(st.hdl), st.input.substr(0, 64));
  return true;
}

// Hands a complete big bulk to the parser, which goes on with the bytes after it.
void end_big_bulk(connection_state& st) {
  st.arg_blocks.push_back(st.big_bulk.finish());
  st.parser.add_big_bulk(st.arg_blocks.back().view());
}

// Reads the rest of a big bulk from the socket, unless the last read emptied it (a client that
// sends a byte at a time then costs one read per byte, not two). True when it is complete.
bool collect_big_bulk(connection_state& st) {
  if (!st.big_bulk.complete() && st.fd >= 0 && st.last_read_full)
    st.big_bulk.read_from(st.fd);
  if (!st.big_bulk.complete())
    return false;
  end_big_bulk(st);
  return true;
}

// The parser waits for the data of a big bulk that starts at input[at]: collect it into its
// own block, from the input and then straight from the socket. True when it is all there.
bool start_big_bulk(connection_broker self, size_t at) {
  auto& st = self->state;
  try {
    st.big_bulk.start(st.parser.big_bulk_length());
  } catch (const std::bad_alloc&) {
    // Redis would abort here; only this client loses its connection.
    std::string out;
    reply::error(out, "ERR out of memory for a bulk of " +
                          std::to_string(st.parser.big_bulk_length()) + " bytes");
    st.next.add_reply(out);
    st.closing = true;
    return false;
  }
  // CAF's reads only wake us now: the bytes go straight from the socket into the block.
  if (st.read_size != small_read_size) {
    st.read_size = small_read_size;
    self->configure_read(st.hdl, caf::io::receive_policy::at_most(small_read_size));
  }
  st.input.erase(at, st.big_bulk.fill(std::string_view(st.input).substr(at)));
  return collect_big_bulk(st);
}

// Parses every complete request in the input buffer, up to one the replication manager
// answers: the requests after it wait until that answer is out.
void parse_input(connection_broker self) {
  auto& st = self->state;
  size_t pos = 0;
  while (!st.closing && st.client.pending.what == replication_request::kind::none) {
    st.parser.set_limits(st.server->config.proto_max_bulk_len,
                         auth_required(st.client, *st.server));
    auto r = st.parser.parse(st.input, pos, st.argv);
    if (r == resp_parser::result::incomplete) {
      if (st.parser.big_bulk_pending() &&
          start_big_bulk(self, pos + st.parser.big_bulk_offset()))
        continue;
      break;
    }
    if (r == resp_parser::result::error) {
      std::string out;
      reply::error(out, "ERR " + st.parser.error());
      st.next.add_reply(out);
      st.closing = true;
      break;
    }
    add_request(st.next, st.argv, st.client, *st.server, st.arg_blocks);
    st.arg_blocks.clear();
    if (st.client.close_after_reply)
      st.closing = true;
  }
  st.input.erase(0, pos);
}

void on_batch_done(connection_broker self, batch_replies& replies, int64_t write_offset) {
  auto& st = self->state;
  st.in_flight = false;
  st.in_flight_size = 0;
  if (write_offset > 0)
    st.client.write_offset = write_offset;
  if (!replies.rest.empty()) {
    // The keyspace stopped at its reply limit: the rest runs before anything read since.
    command_batch rest = std::move(replies.rest);
    rest.append(st.next);
    st.next = std::move(rest);
  }
  write_out(self, std::move(replies));
  if (over_output_limits(self)) {
    drop_now(self);
    return;
  }
  // A big reply the socket did not take counts in CLIENT LIST and INFO now, not with the
  // client's next request, which may be long in coming.
  if (st.net_output >= traffic_report_bytes)
    report_traffic(self);
  dispatch(self);
}

void on_request_done(connection_broker self, replication_request::kind what,
                     const std::string& reply) {
  auto& st = self->state;
  st.in_flight = false;
  if (what == replication_request::kind::psync && (reply.empty() || reply[0] == '+')) {
    // From now on this connection carries the stream: held back while the snapshot is
    // written (straight into the socket by a child process), sent as it comes after.
    st.replica_syncing = reply.empty();
    st.is_replica = true;
    st.client.report_due = true;
  }
  write_out(self, reply);
  if (st.is_replica)
    report_traffic(self);  // with each ACK: a replica sends the keyspace no batches
  parse_input(self);
  dispatch(self);
}

// Passes the request a command left to the replication manager.
void send_request(connection_broker self) {
  auto& st = self->state;
  replication_request req = std::move(st.client.pending);
  st.client.pending = {};
  replication_peer peer;
  peer.fd = st.fd;
  peer.ip = self->remote_addr(st.hdl);
  peer.listening_port = st.client.replica_listening_port;
  peer.capa_eof = st.client.replica_capa_eof;
  peer.capa_psync2 = st.client.replica_capa_psync2;
  peer.write_offset = st.client.write_offset;
  peer.client_id = st.client.id;
  peer.tls = st.tls != nullptr;
  auto what = req.what;
  st.in_flight = true;
  self->request(st.manager, caf::infinite, repl_atom::value, std::move(req), std::move(peer))
      .then([=](const std::string& reply) { on_request_done(self, what, reply); },
            [=](const caf::error&) { close_now(self); });
}

// Tells the keyspace what changed about this client (CLIENT LIST, the slow log) before the
// requests that follow the change run there.
void report_changes(connection_broker self) {
  auto& st = self->state;
  if (!st.client.report_due)
    return;
  st.client.report_due = false;
  const client_state& c = st.client;
  const int64_t multi = c.multi ? static_cast<int64_t>(c.multi->commands.size()) : -1;
  client_report& r = st.reported;
  if (r.name == c.name && r.resp == c.resp && r.replica == st.is_replica && r.multi == multi &&
      r.no_evict == c.no_evict && !c.unwatch_due && c.ran_here == SIZE_MAX)
    return;
  r.unwatch = std::exchange(st.client.unwatch_due, false);
  r.ran_here = std::exchange(st.client.ran_here, SIZE_MAX);
  r.name = c.name;
  r.resp = c.resp;
  r.replica = st.is_replica;
  r.multi = multi;
  r.no_evict = c.no_evict;
  self->send(st.keyspace, hello_atom::value, r);
  r.unwatch = false;
  r.ran_here = SIZE_MAX;
}

// Batch buffers a connection may keep while its client is idle; bigger ones (left by a deep
// pipeline) go once it has been idle for trim_delay, as Redis frees an idle client's query buffer.
constexpr size_t idle_batch_buffers = 4096;
constexpr auto trim_delay = std::chrono::seconds(2);

bool holds_big_buffers(const connection_state& st) {
  return st.next.reserved_size() + st.spare.reserved_size() > idle_batch_buffers;
}

void trim_when_idle(connection_broker self) {
  auto& st = self->state;
  if (st.trim_due || !holds_big_buffers(st))
    return;
  st.trim_due = true;
  send_self_later<caf::actor>(self, trim_delay, trim_atom::value);
}

void trim(connection_broker self) {
  auto& st = self->state;
  st.trim_due = false;
  if (st.in_flight || !st.next.empty())
    return;  // busy again: trimmed after it next goes idle
  if (holds_big_buffers(st)) {
    st.next = command_batch();
    st.spare = command_batch();
  }
}

// Sends the waiting batch to the keyspace (or writes it directly when it holds only replies),
// then a request for the replication manager once nothing is ahead of it.
void run_next(connection_broker self) {
  auto& st = self->state;
  if (st.killed)
    st.next.clear();
  if (st.in_flight || output_backed_up(st))
    return;
  report_changes(self);
  if (st.next.empty()) {
    if (st.client.pending.what != replication_request::kind::none)
      send_request(self);
    else if (st.closing)
      finish(self);
    else
      trim_when_idle(self);
    return;
  }
  // The batch goes out of `next` straight into the message (each move of it costs ~60
  // instructions, on every request); the spare buffers, if any, take its place.
  if (!st.next.has_commands()) {
    std::string out;
    st.next.append_ready_replies(out);
    st.next.clear();
    write_out(self, out);
    run_next(self);  // nothing waits now: pass a request on, or end a closing connection
    return;
  }
  st.in_flight = true;
  st.in_flight_size = st.next.memory_size();  // what may come back unrun
  st.next.client_id = st.client.id;
  st.next.traffic = take_traffic(st);
  executed_batch done;
  const bool called =
      st.door && st.door->try_exec(caf::actor_cast<caf::actor>(self), st.next, done);
  if (called && done.ready) {
    on_batch_done(self, done.replies, done.write_offset);
    return;
  }
  if (!called)
    self->send(st.keyspace, exec_atom::value, std::move(st.next));
  st.next.clear();
  if (st.spare.reserved_size() > 0)
    st.next = std::move(st.spare);
}

void dispatch(connection_broker self) {
  run_next(self);
  pace_reading(self);
}

// A read of the client's socket: by a call from its direct_scribe, or as a message.
void on_input(connection_broker self, std::string_view bytes) {
  auto& st = self->state;
  if (st.closing)
    return;
  size_t read = bytes.size();
  st.last_read_full = read >= st.read_size;
  std::string& plain = st.tls_plain;
  plain.clear();
  if (st.tls) {
    bool ok = st.tls->feed(bytes, plain);
    send_tls_records(self);
    if (!ok || st.tls->closed()) {
      if (!ok)
        spdlog::debug("Error accepting a client connection: {}", st.tls->error());
      close_now(self);
      return;
    }
    bytes = plain;
  }
  st.net_input += bytes.size();
  ++st.reads;
  if (!st.big_bulk.active())
    adapt_read_size(self, read);
  if (st.big_bulk.active()) {
    bytes.remove_prefix(st.big_bulk.fill(bytes));
    if (!collect_big_bulk(st)) {
      if (over_query_limit(self))
        drop_now(self);
      return;
    }
  }
  st.input.append(bytes);
  parse_input(self);
  note_burst(st);
  if (over_query_limit(self)) {
    drop_now(self);
    return;
  }
  dispatch(self);
}

void on_socket_input(caf::io::abstract_broker* broker, std::string_view bytes) {
  on_input(static_cast<connection_broker>(broker), bytes);
}

}  // namespace

caf::behavior connection_actor_fn(connection_broker self, caf::io::connection_handle hdl,
                                  keyspace_actor keyspace, replication_manager_actor manager,
                                  server_state* server, const tls_context* tls,
                                  script_watch* script, keyspace_door* door) {
  empty_mailbox_at_exit(self);
  auto& st = self->state;
  st.hdl = hdl;
  st.keyspace = std::move(keyspace);
  st.door = door;
  st.manager = std::move(manager);
  st.server = server;
  st.client.id = server->stats.next_client_id++;
  st.client.script = script;
  st.client.authenticated = server->config.requirepass.empty();
  ++server->stats.connected_clients;
  ++server->stats.total_connections_received;
  self->attach_functor([server] { --server->stats.connected_clients; });
  // A client blocked in BLPOP and its siblings waits no more once it is gone.
  self->attach_functor([ks = st.keyspace, id = st.client.id, burst = st.had_burst] {
    caf::anon_send(ks, gone_atom::value, id, *burst);
  });
  // Only the server's shutdown sends an exit: no client, reading or not, holds it up.
  self->set_exit_handler([=](const caf::exit_msg&) { drop_soon(self); });
  st.socket_fd = native_socket_of(self, hdl);
  if (tls)
    st.tls = std::make_unique<tls_session>(*tls, true);
  else
    st.fd = st.socket_fd;  // direct reads and sends only without TLS
  st.loop = spinning_multiplexer::of(self->system());
  // As Redis: told why, then closed (the count includes this connection until it ends).
  auto refuse = [&](std::string_view why) {
    ++server->stats.rejected_connections;
    std::string out;
    reply::error(out, why);
    write_out(self, out);
    st.closing = true;
    drop_soon(self);  // after the reply
  };
  st.reported.id = st.client.id;
  st.reported.addr = address_text(self->remote_addr(hdl), self->remote_port(hdl));
  st.client.addr = st.reported.addr;
  st.reported.laddr = local_address_of(st.socket_fd);
  st.reported.fd = st.socket_fd;
  st.reported.created_ms = now_ms();
  self->send(st.keyspace, hello_atom::value, st.reported);
  if (server->config.protected_mode && server->config.requirepass.empty() &&
      !is_loopback(self->remote_addr(hdl)))
    refuse(protected_mode_denial);
  else if (server->stats.connected_clients > server->config.maxclients)
    refuse("ERR max number of clients reached");
  self->ack_writes(hdl, true);  // data_transferred_msg tells when CAF's queue has drained
  st.read_size = small_read_size;
  self->configure_read(hdl, caf::io::receive_policy::at_most(small_read_size));
  if (auto* scribe = direct_scribe::of(self, hdl))
    scribe->deliver_to(self, on_socket_input);
  return {
      [=](const caf::io::new_data_msg& msg) {
        std::string_view bytes(msg.buf.data(), msg.buf.size());
        auto& st = self->state;
        if (st.relaying && msg.handle == st.relay) {
          if (!st.closing) {
            write_out(self, bytes);
            pace_relay(self);
          }
          return;
        }
        on_input(self, bytes);
      },
      // (Second: CAF tries the handlers in order, and this one comes with every batch.)
      [=](executed_atom, batch_replies& replies, int64_t write_offset, command_batch& spent) {
        // Its buffers are kept for the next batches: a deep pipeline then allocates none.
        auto& st = self->state;
        (st.next.empty() ? st.next : st.spare) = std::move(spent);
        on_batch_done(self, replies, write_offset);
      },
      // The replies before a blocking command that waits: the rest comes with executed_atom.
      [=](replies_atom, batch_replies& replies) {
        write_out(self, std::move(replies));
        if (over_output_limits(self))
          drop_now(self);
      },
      // A Pub/Sub message for this subscriber; its text is shared with the other receivers.
      [=](deliver_atom, const std::string& message) {
        if (self->state.closing)
          return;
        if (self->state.client.resp == 3) {
          std::string pushes;
          reply::as_push(pushes, message);
          write_out(self, std::string_view(pushes));
        } else {
          write_out(self, std::string_view(message));
        }
        if (self->state.net_output >= traffic_report_bytes)
          report_traffic(self);
        if (over_output_limits(self))
          drop_now(self);
      },
      [=](trim_atom) { trim(self); },
      [=](const caf::io::data_transferred_msg& msg) {
        auto& st = self->state;
        st.queued_in_caf -= std::min(st.queued_in_caf, msg.written);
        if (st.queued_in_caf == 0)
          pump_output(self);
        output_moved(self);
      },
      // A replica's stream: held while its snapshot is being written, sent after.
      [=](stream_atom, const stream_bytes& chunk) {
        auto& st = self->state;
        if (st.replica_syncing)
          st.held_stream.append(*chunk.bytes);
        else
          write_out(self, *chunk.bytes);
        if (over_output_limits(self))
          drop_now(self);
      },
      [=](online_atom) {
        if (self->state.relaying)
          self->state.online_due = true;  // once the relay has passed the rest on
        else
          go_online(self);
      },
      [=](sync_source_atom, const handed_socket& source) {
        auto& st = self->state;
        st.relay = self->add_scribe(source.take());
        st.relaying = true;
        self->configure_read(st.relay, caf::io::receive_policy::at_most(caf_chunk_size));
      },
      // A newline, which replicas skip, keeps the link alive while the sync is prepared; only
      // what the socket takes at once, since a snapshot may soon be written into it.
      [=](keepalive_atom) {
        auto& st = self->state;
        if (st.queued_in_caf != 0 || !st.output.empty())
          return;
        if (st.fd >= 0)
          send_now(st.fd, "\n");
        else if (st.tls && !st.relaying)
          write_out(self, "\n");
      },
      [=](drop_atom) { drop_now(self); },
      // Whether some client is in MONITOR mode, and the lines for this one if it is.
      [=](monitor_atom, bool on) { self->state.client.feed_monitors = on; },
      [=](monitor_atom, const std::string& lines) {
        if (self->state.closing)
          return;
        write_out(self, std::string_view(lines));
        if (self->state.net_output >= traffic_report_bytes)
          report_traffic(self);
        if (over_output_limits(self))
          drop_now(self);
      },
      // CLIENT KILL: closed after the replies already here, running nothing more.
      [=](kill_atom) {
        auto& st = self->state;
        st.killed = true;
        st.closing = true;
        st.next.clear();
        drop_soon(self);
      },
      [=](const caf::io::connection_closed_msg& msg) {
        auto& st = self->state;
        if (st.relaying && msg.handle == st.relay) {
          st.relaying = false;  // the child is done with it
          if (st.online_due)
            go_online(self);
          return;
        }
        report_traffic(self);
        self->quit();
      },
  };
}

}  // namespace credis
