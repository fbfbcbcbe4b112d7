#include "actors/direct_scribe.hpp"

#include "actors/spinning_multiplexer.hpp"

#include <exception>

#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

namespace credis {

namespace {

// abstract_broker keeps its servants' maps protected; a pointer to that member, formed in a
// class derived from it, reads the map of any broker without casting the broker.
struct servant_maps : caf::io::abstract_broker {
  static caf::io::scribe* scribe_of(caf::io::abstract_broker* self,
                                    caf::io::connection_handle hdl) {
    using scribe_map = caf::io::abstract_broker::scribe_map;
    scribe_map& (caf::io::abstract_broker::*get)(caf::io::connection_handle) =
        &servant_maps::get_map;
    auto& scribes = (self->*get)(hdl);
    auto i = scribes.find(hdl);
    return i == scribes.end() ? nullptr : i->second.get();
  }
};

}  // namespace

direct_scribe::direct_scribe(spinning_multiplexer& mx, caf::io::network::native_socket fd)
    : scribe_impl(mx, fd), loop_(&mx) {}

direct_scribe* direct_scribe::of(caf::io::abstract_broker* self, caf::io::connection_handle hdl) {
  return dynamic_cast<direct_scribe*>(servant_maps::scribe_of(self, hdl));
}

bool direct_scribe::consume(caf::execution_unit* ctx, const void* buf, size_t num_bytes) {
  loop_->send_round_output_if_long();          // (no broker's handler runs here)
  caf::io::abstract_broker* owner = parent();  // null once detached
  if (input_ == nullptr || owner == nullptr || owner != owner_)
    return scribe::consume(ctx, buf, num_bytes);
  // The input may close the connection and end the broker, whose last reference may be this
  // scribe's: held until the broker's clean-up below has run.
  caf::strong_actor_ptr keep{owner->ctrl()};
  owner->context(ctx);
  try {
    input_(owner, std::string_view(rd_buf().data(), num_bytes));
  } catch (const std::exception& e) {
    // As CAF's default for an exception in a handler: the actor ends.
    spdlog::warn("connection ended by an exception: {}", e.what());
    owner->quit(caf::sec::runtime_error);
  }
  flush();  // what the input left in CAF's write buffer, as after a message
  // An input that ended the broker (QUIT, a protocol error) is cleaned up as after a message.
  return !owner->finalize();
}

}  // namespace credis
