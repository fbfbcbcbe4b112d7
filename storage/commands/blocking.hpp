// What the blocking commands share (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX
// BZMPOP): the timeout, and waiting when no key has anything. A waiting command runs again,
// whole, each time a key it waits for is written, until it finds something or times out.
#pragma once

#include <string_view>

#include "storage/commands/command.hpp"

namespace credis {

// Reads a timeout in seconds (fractions allowed, 0: forever) as Redis's
// getTimeoutFromObjectOrReply does, into a deadline (0: none); false once the error is replied.
bool parse_block_timeout(exec_context& ctx, std::string_view arg, int64_t& deadline);

// No key had anything: asks to wait for `keys` until `deadline`, or, where the client may not
// block, replies with `no_wait_reply` (what Redis answers then: reply::null_array, or
// reply::null_bulk for BLMOVE).
void wait_for_keys(exec_context& ctx, arg_list keys, int64_t deadline,
                   void (*no_wait_reply)(std::string&));

// The first of `keys` that holds a value of `type`, its name in `key`; null when none does. A
// key of another type before it gets WRONGTYPE (replied, `failed` set), except when the command
// waited and runs again because a key it waits for was written: then it counts as missing, as
// Redis serves a waiting client only from a key of its type.
entry* first_holding(exec_context& ctx, arg_list keys, value_type type, std::string_view& key,
                     bool& failed);

}  // namespace credis
