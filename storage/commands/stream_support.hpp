// What the stream commands share: reading IDs from arguments with Redis's errors, replying
// entries and IDs, and the lookups of a stream and its groups.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "storage/commands/command.hpp"
#include "storage/commands/subcommands.hpp"
#include "storage/stream.hpp"

namespace credis {

inline constexpr std::string_view invalid_stream_id =
    "ERR Invalid stream ID specified as stream command argument";

// An ID argument (see parse_stream_id); false once the error is replied.
bool parse_id_arg(exec_context& ctx, std::string_view arg, stream_id& id, uint64_t missing_seq,
                  bool strict, bool* seq_given = nullptr);
// The start or end of a range: "-", "+", an ID, or "(" and an ID for an exclusive bound
// (moved one ID inwards). `missing_seq` fills "<ms>": 0 for a start, the maximum for an end.
bool parse_range_start(exec_context& ctx, std::string_view arg, stream_id& id);
bool parse_range_end(exec_context& ctx, std::string_view arg, stream_id& id);

void reply_id(std::string& out, stream_id id);
// [id, [field, value, ...]]
void reply_entry(std::string& out, const stream_value::entry& e);
// The entries of [start, end] (at most `count`, 0: all) as an array; returns how many.
size_t reply_range(std::string& out, const stream_value& s, stream_id start, stream_id end,
                   size_t count, bool rev);

// The consumer `name` of group `g` (of the stream at `key`) that reads or claims, seen now;
// created when missing, which is a write with the "xgroup-createconsumer" event (`created`).
stream_consumer& acting_consumer(exec_context& ctx, stream_group& g, std::string_view key,
                                 std::string_view name, bool& created);

// The stream at `key` for reading: null when missing; null with WRONGTYPE replied (`failed`)
// when another type.
stream_value* find_stream(exec_context& ctx, std::string_view key, bool& failed);

}  // namespace credis
