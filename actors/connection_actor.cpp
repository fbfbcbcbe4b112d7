#include "actors/connection_actor.hpp"

#include "protocol/reply.hpp"

namespace credis {

const char* connection_state::name = "connection";

namespace {

constexpr size_t read_size = 64 * 1024;

void write_out(connection_broker self, std::string_view bytes) {
  if (bytes.empty())
    return;
  self->write(self->state.hdl, bytes.size(), bytes.data());
  self->flush(self->state.hdl);
}

void finish(connection_broker self) {
  self->close(self->state.hdl);  // sends what is buffered, then shuts the socket down
  self->quit();
}

void dispatch(connection_broker self);

// Parses every complete request in the input buffer.
void parse_input(connection_broker self) {
  auto& st = self->state;
  size_t pos = 0;
  while (!st.closing) {
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
  }
  st.input.erase(0, pos);
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
    if (st.closing)
      finish(self);
    return;
  }
  command_batch batch = std::move(st.next);
  st.next.clear();
  if (!batch.has_commands()) {
    std::string out;
    batch.append_ready_replies(out);
    write_out(self, out);
    if (st.closing)
      finish(self);
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
  self->configure_read(hdl, caf::io::receive_policy::at_most(read_size));
  return {
      [=](const caf::io::new_data_msg& msg) {
        auto& st = self->state;
        if (st.closing)
          return;
        st.input.append(msg.buf.begin(), msg.buf.end());
        parse_input(self);
        dispatch(self);
      },
      [=](const caf::io::connection_closed_msg&) { self->quit(); },
  };
}

}  // namespace credis
