// Strings that commands store and reply without copying: a big argument the connection read
// into a byte_block becomes the value as it is, and a large value goes into a reply by reference.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/commands/command.hpp"

namespace credis {

// The value a string argument becomes: the argument's own byte_block when it came in one, else
// a copy of its bytes.
value string_value(const exec_context& ctx, std::string_view arg);
// Stores `arg` in `v` as SET does, reusing v's memory when the argument brings none of its own.
void assign_string(const exec_context& ctx, value& v, std::string_view arg);
// Replies with a string value as a bulk; a large one by reference when the batch allows it.
void reply_string(exec_context& ctx, const value& v);
// True, with Redis's error reply, when a string of `offset` + `append` bytes would pass
// proto-max-bulk-len (APPEND, SETRANGE).
bool string_too_long(exec_context& ctx, uint64_t offset, uint64_t append);

}  // namespace credis
