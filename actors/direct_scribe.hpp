// A socket's reader that hands what it read to its broker by a call.
#pragma once

#include <string_view>

#include <caf/io/abstract_broker.hpp>
#include <caf/io/network/scribe_impl.hpp>

namespace credis {

class spinning_multiplexer;

// CAF gives a broker each read as a new_data_msg: the scribe activates the broker, which
// classifies the message and matches it against its behaviour (about 900 instructions per read,
// a fifth of a small GET's). A connection that registers its input function here is called
// with the bytes instead, in the same place of the loop and the same order with its messages.
// Every scribe of the server is one of these (see spinning_multiplexer::new_scribe); one
// without a registered function reads as CAF's.
class direct_scribe : public caf::io::network::scribe_impl {
 public:
  using input_fn = void (*)(caf::io::abstract_broker* owner, std::string_view bytes);

  direct_scribe(spinning_multiplexer& mx, caf::io::network::native_socket fd);

  // Reads go to `fn` while `owner` is this scribe's broker (a scribe handed to another broker
  // reads by message again).
  void deliver_to(caf::io::abstract_broker* owner, input_fn fn) {
    owner_ = owner;
    input_ = fn;
  }

  bool consume(caf::execution_unit* ctx, const void* buf, size_t num_bytes) override;

  // The scribe of `hdl` in `self`, if it is one of these.
  static direct_scribe* of(caf::io::abstract_broker* self, caf::io::connection_handle hdl);

 private:
  spinning_multiplexer* loop_;
  caf::io::abstract_broker* owner_ = nullptr;
  input_fn input_ = nullptr;
};

}  // namespace credis
