#include "actors/connection_actor.hpp"

#include <algorithm>

#include "actors/direct_send.hpp"
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
      std::string().swap(st.input);
  } else {
    st.short_reads = 0;
    return;
  }
  st.short_reads = 0;
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(st.read_size));
}

// Sends `bytes` directly when CAF holds nothing for this connection (so order is kept), and
// queues in CAF what the socket does not take at once.
void write_out(connection_broker self, std::string_view bytes) {
  auto& st = self->state;
  if (st.fd >= 0 && st.queued_in_caf == 0)
    bytes.remove_prefix(send_now(st.fd, bytes));
  if (bytes.empty())
    return;
  st.queued_in_caf += bytes.size();
  self->write(st.hdl, bytes.size(), bytes.data());
  self->flush(st.hdl);
}

// The client leaves WAIT: by its timeout, or by going away.
void end_block(connection_broker self) {
  auto& st = self->state;
  if (!st.client.blocked)
    return;
  st.client.blocked = false;
  st.block_timer_set = false;
  --st.server->stats.blocked_clients;
}

void finish(connection_broker self) {
  end_block(self);
  self->close(self->state.hdl);  // sends what is buffered, then shuts the socket down
  self->quit();
}

void dispatch(connection_broker self);

// Parses every complete request in the input buffer.
void parse_input(connection_broker self) {
  auto& st = self->state;
  size_t pos = 0;
  while (!st.closing && !st.client.blocked) {
    auto r = st.parser.parse(st.input, pos, st.argv);
    if (r == resp_parser::result::incomplete)
      break;
    if (r == resp_parser::result::error) {
      std::string out;
      reply::error(out, "ERR " + st.parser.error());
      st.next.add_reply(out);
      st.closing = true;
      break;
    }
    add_request(st.next, st.argv, st.client, *st.server);
    if (st.client.close_after_reply)
      st.closing = true;
    if (st.client.blocked)
      ++st.server->stats.blocked_clients;  // later requests stay unparsed until it ends
  }
  st.input.erase(0, pos);
}

// Runs the blocked client's timeout once every reply before the blocking command is out, as
// Redis starts it when the command runs; 0 blocks until the client goes away.
void start_block_timer(connection_broker self) {
  auto& st = self->state;
  if (st.block_timer_set)
    return;
  st.block_timer_set = true;
  if (st.client.block_timeout_ms > 0)
    caf::delayed_anon_send(caf::actor_cast<caf::actor>(self),
                           std::chrono::milliseconds(st.client.block_timeout_ms),
                           unblock_atom::value);
}

// A block ends only here or when the connection ends, so the one timeout that can arrive is
// the current block's.
void on_block_timeout(connection_broker self) {
  auto& st = self->state;
  if (!st.client.blocked)
    return;
  end_block(self);
  write_out(self, st.client.blocked_reply);
  st.client.blocked_reply.clear();
  parse_input(self);
  dispatch(self);
}

void on_batch_done(connection_broker self, const std::string& replies) {
  auto& st = self->state;
  st.in_flight = false;
  write_out(self, replies);
  dispatch(self);
}

// Sends the waiting batch to the keyspace, or writes it directly when it holds only replies.
void dispatch(connection_broker self) {
  auto& st = self->state;
  if (st.in_flight)
    return;
  if (st.next.empty()) {
    if (st.client.blocked)
      start_block_timer(self);
    else if (st.closing)
      finish(self);
    return;
  }
  command_batch batch = std::move(st.next);
  st.next.clear();
  if (!batch.has_commands()) {
    std::string out;
    batch.append_ready_replies(out);
    write_out(self, out);
    dispatch(self);  // nothing waits now: end a closing connection, or time a blocked client
    return;
  }
  st.in_flight = true;
  self->request(st.keyspace, caf::infinite, exec_atom::value, std::move(batch))
      .then([=](const std::string& replies) { on_batch_done(self, replies); },
            [=](const caf::error&) { finish(self); });
}

}  // namespace

caf::behavior connection_actor_fn(connection_broker self, caf::io::connection_handle hdl,
                                  keyspace_actor keyspace, server_state* server) {
  auto& st = self->state;
  st.hdl = hdl;
  st.keyspace = std::move(keyspace);
  st.server = server;
  st.client.id = server->stats.next_client_id++;
  ++server->stats.connected_clients;
  ++server->stats.total_connections_received;
  self->attach_functor([server] { --server->stats.connected_clients; });
  st.fd = native_socket_of(self, hdl);
  self->ack_writes(hdl, true);  // data_transferred_msg tells when CAF's queue has drained
  st.read_size = small_read_size;
  self->configure_read(hdl, caf::io::receive_policy::at_most(small_read_size));
  return {
      [=](const caf::io::new_data_msg& msg) {
        auto& st = self->state;
        if (st.closing)
          return;
        adapt_read_size(self, msg.buf.size());
        st.input.append(msg.buf.begin(), msg.buf.end());
        parse_input(self);
        dispatch(self);
      },
      [=](const caf::io::data_transferred_msg& msg) {
        self->state.queued_in_caf -= std::min(self->state.queued_in_caf, msg.written);
      },
      [=](unblock_atom) { on_block_timeout(self); },
      [=](const caf::io::connection_closed_msg&) {
        end_block(self);
        self->quit();
      },
  };
}

}  // namespace credis
