// Propagation: the form in which a write that changed the data reaches replicas, as Redis's
// call() decides it (a command goes as it came unless its table entry rewrites it).
#pragma once

#include <initializer_list>
#include <string>

#include "protocol/integers.hpp"
#include "storage/commands/command_batch.hpp"

namespace credis {

// Adds `argv` to the writes propagated for this command (ctx.propagated must be set).
inline void propagate(exec_context& ctx, std::initializer_list<std::string_view> argv) {
  ctx.propagated->add_command(nullptr, ctx.db_index, arg_list(argv.begin(), argv.size()),
                              ctx.arg_blocks);
}

// A new deadline of `key` as replicas apply it: PEXPIREAT with the absolute time, or DEL when
// it had passed already (EXPIRE and its siblings, GETEX).
inline void propagate_deadline(exec_context& ctx, std::string_view key, unix_ms deadline) {
  if (deadline <= ctx.now) {
    propagate(ctx, {"DEL", key});
    return;
  }
  std::string ms;
  append_int64(ms, deadline);
  propagate(ctx, {"PEXPIREAT", key, ms});
}

}  // namespace credis
