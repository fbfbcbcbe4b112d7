#include "storage/commands/stream_support.hpp"

#include <cctype>

#include "protocol/reply.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"

namespace credis {

bool parse_id_arg(exec_context& ctx, std::string_view arg, stream_id& id, uint64_t missing_seq,
                  bool strict, bool* seq_given) {
  if (parse_stream_id(arg, id, missing_seq, strict, seq_given))
    return true;
  reply::error(ctx.out, invalid_stream_id);
  return false;
}

namespace {

// Redis's streamParseIntervalIDOrReply: "(" makes the bound exclusive and the ID strict.
bool parse_interval(exec_context& ctx, std::string_view arg, stream_id& id, bool& exclusive,
                    uint64_t missing_seq) {
  exclusive = arg.size() > 1 && arg[0] == '(';
  if (exclusive)
    return parse_id_arg(ctx, arg.substr(1), id, missing_seq, true);
  return parse_id_arg(ctx, arg, id, missing_seq, false);
}

}  // namespace

bool parse_range_start(exec_context& ctx, std::string_view arg, stream_id& id) {
  bool exclusive = false;
  if (!parse_interval(ctx, arg, id, exclusive, 0))
    return false;
  if (exclusive && !id.increment()) {
    reply::error(ctx.out, "ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool parse_range_end(exec_context& ctx, std::string_view arg, stream_id& id) {
  bool exclusive = false;
  if (!parse_interval(ctx, arg, id, exclusive, UINT64_MAX))
    return false;
  if (exclusive && !id.decrement()) {
    reply::error(ctx.out, "ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

void reply_id(std::string& out, stream_id id) {
  std::string s;
  id.append_to(s);
  reply::bulk(out, s);
}

void reply_entry(std::string& out, const stream_value::entry& e) {
  out.append("*2\r\n");
  reply_id(out, e.id);
  reply::array_header(out, static_cast<int64_t>(e.fields_values.size()));
  for (const element& x : e.fields_values)
    reply::bulk(out, x.view());
}

size_t reply_range(std::string& out, const stream_value& s, stream_id start, stream_id end,
                   size_t count, bool rev) {
  std::string body;
  size_t n = 0;
  s.for_each(start, end, rev, [&](const stream_value::entry& e) {
    reply_entry(body, e);
    ++n;
    return count == 0 || n < count;
  });
  reply::array_header(out, static_cast<int64_t>(n));
  out.append(body);
  return n;
}

stream_consumer& acting_consumer(exec_context& ctx, stream_group& g, std::string_view key,
                                 std::string_view name, bool& created) {
  stream_consumer& c = g.consumer(name, ctx.now, created);
  c.seen_time = ctx.now;
  if (created) {
    mark_dirty(ctx);
    notify(ctx, keyspace_events::stream, "xgroup-createconsumer", key);
  }
  return c;
}

stream_value* find_stream(exec_context& ctx, std::string_view key, bool& failed) {
  entry* e = lookup_typed(ctx, key, value_type::stream, failed);
  return e ? &e->val.stream() : nullptr;
}

}  // namespace credis
