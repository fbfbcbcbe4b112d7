// The HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG,
// PFSELFTEST, on strings in Redis's sketch layout (storage/hyperloglog.hpp).
//
// As in Redis, a PFCOUNT of one key whose cached cardinality is stale writes the new one into
// the header: that counts as a change (dirty, WATCH, propagated as it came), though PFCOUNT is
// a read. PFDEBUG GETREG and TODENSE propagate when they turn a sketch dense.
#include <string>

#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"
#include "storage/hyperloglog.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

constexpr std::string_view not_a_sketch = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view corrupt_sketch = "INVALIDOBJ Corrupted HLL object detected";

// A sparse sketch is changed in a copy (it may grow or turn dense), kept between commands.
std::string& scratch() {
  thread_local std::string s;
  return s;
}

// False, with the error replied, unless the entry holds a string with a sketch's header.
bool is_sketch(exec_context& ctx, const entry& e) {
  if (e.val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return false;
  }
  if (!hll::has_valid_header(e.val.str())) {
    reply::error(ctx.out, not_a_sketch);
    return false;
  }
  return true;
}

// PFADD key [element ...]: 1 when a register changed (or the key was made), else 0.
void pfadd_command(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  int64_t updated = 0;
  if (!e) {
    e = &ctx.db().put(argv[1], value(hll::empty_sketch()), no_expiry);
    updated = 1;
  } else if (!is_sketch(ctx, *e)) {
    return;
  }
  if (hll::encoding_of(e->val.str()) == hll::dense) {
    auto* regs = reinterpret_cast<uint8_t*>(e->val.writable_str(0)) + hll::header_size;
    for (size_t i = 2; i < argv.size(); ++i) {
      const hll::observation o = hll::observe(argv[i]);
      updated += hll::raise_dense(regs, o.index, o.rank);
    }
  } else if (argv.size() > 2) {
    std::string& sketch = scratch();
    sketch.assign(e->val.str());
    bool corrupt = false, changed = false;
    for (size_t i = 2; i < argv.size() && !corrupt; ++i) {
      const int r = hll::add(sketch, argv[i], limits::hll_sparse_bytes);
      corrupt = r < 0;
      changed = changed || r > 0;
      updated += r > 0;
    }
    if (changed)
      e->val.assign_str(sketch);  // (what changed before a corruption was found stays, as in Redis)
    if (corrupt) {
      reply::error(ctx.out, corrupt_sketch);
      return;
    }
  }
  if (updated) {
    hll::invalidate_cache(e->val.writable_str(0));
    mark_dirty(ctx, updated);
  }
  reply::integer(ctx.out, updated ? 1 : 0);
}

// PFCOUNT of one key: the cached cardinality, or a new estimate cached in the header.
void count_one(exec_context& ctx, std::string_view key) {
  entry* e = lookup_read(ctx, key);
  if (!e) {
    reply::integer(ctx.out, 0);
    return;
  }
  if (!is_sketch(ctx, *e))
    return;
  std::optional<uint64_t> card = hll::cached_cardinality(e->val.str());
  if (!card) {
    card = hll::cardinality(e->val.str());
    if (!card) {
      reply::error(ctx.out, corrupt_sketch);
      return;
    }
    hll::set_cached_cardinality(e->val.writable_str(0), *card);
    signal_modified(ctx, ctx.db_index, key);
    mark_dirty(ctx);
  }
  reply::integer(ctx.out, static_cast<int64_t>(*card));
}

// The union of the sketches at argv[first..] (missing keys are empty) into `regs`; false,
// with the error replied, when one is not a sketch or is corrupt. `any_dense`: one was dense.
bool union_of(exec_context& ctx, arg_list argv, size_t first, hll::register_bytes& regs,
              bool& any_dense) {
  for (size_t i = first; i < argv.size(); ++i) {
    entry* e = lookup_read(ctx, argv[i]);
    if (!e)
      continue;
    if (!is_sketch(ctx, *e))
      return false;
    any_dense = any_dense || hll::encoding_of(e->val.str()) == hll::dense;
    if (!hll::merge_into(regs, e->val.str())) {
      reply::error(ctx.out, corrupt_sketch);
      return false;
    }
  }
  return true;
}

// PFCOUNT key [key ...]: several keys count their union, writing nothing.
void pfcount_command(exec_context& ctx, arg_list argv) {
  if (argv.size() == 2) {
    count_one(ctx, argv[1]);
    return;
  }
  hll::register_bytes regs{};
  bool any_dense = false;
  if (union_of(ctx, argv, 1, regs, any_dense))
    reply::integer(ctx.out, static_cast<int64_t>(hll::cardinality_of(regs)));
}

// PFMERGE destkey [sourcekey ...]: the destination (a source too) gets the registers' maxima,
// dense when any source was; its deadline stays.
void pfmerge_command(exec_context& ctx, arg_list argv) {
  hll::register_bytes regs{};
  bool any_dense = false;
  if (!union_of(ctx, argv, 1, regs, any_dense))
    return;
  entry* dest = ctx.db().find(argv[1], ctx.expiry_now);
  std::string& sketch = scratch();
  if (dest)
    sketch.assign(dest->val.str());  // checked above, as a source
  else
    sketch = hll::empty_sketch();
  if (any_dense && !hll::to_dense(sketch)) {
    reply::error(ctx.out, corrupt_sketch);
    return;
  }
  for (uint32_t i = 0; i < hll::register_count; ++i)
    if (regs[i])
      hll::raise_register(sketch, i, regs[i], limits::hll_sparse_bytes);
  hll::invalidate_cache(sketch.data());
  if (dest)
    dest->val.assign_str(sketch);
  else
    ctx.db().put(argv[1], value(sketch), no_expiry);
  signal_modified(ctx, ctx.db_index, argv[1]);
  mark_dirty(ctx);
  reply::ok(ctx.out);
}

// Turns the entry's sketch dense; false, with the error replied, when it is corrupt.
bool make_dense(exec_context& ctx, entry& e) {
  std::string& sketch = scratch();
  sketch.assign(e.val.str());
  if (!hll::to_dense(sketch)) {
    reply::error(ctx.out, corrupt_sketch);
    return false;
  }
  e.val.assign_str(sketch);
  mark_dirty(ctx);  // replicas make the same change
  return true;
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void pfdebug_command(exec_context& ctx, arg_list argv) {
  entry* e = ctx.db().find(argv[2], ctx.expiry_now);
  if (!e) {
    reply::error(ctx.out, "ERR The specified key does not exist");
    return;
  }
  if (!is_sketch(ctx, *e))
    return;
  const std::string_view sub = argv[1];
  const bool sparse = hll::encoding_of(e->val.str()) == hll::sparse;
  if (iequals(sub, "getreg")) {
    if (sparse && !make_dense(ctx, *e))
      return;
    const auto* regs = reinterpret_cast<const uint8_t*>(e->val.str().data()) + hll::header_size;
    reply::array_header(ctx.out, hll::register_count);
    for (size_t i = 0; i < hll::register_count; ++i)
      reply::integer(ctx.out, hll::dense_register(regs, i));
  } else if (iequals(sub, "decode")) {
    if (!sparse) {
      reply::error(ctx.out, "ERR HLL encoding is not sparse");
      return;
    }
    reply::bulk(ctx.out, hll::decode_sparse(e->val.str()));
  } else if (iequals(sub, "encoding")) {
    reply::simple(ctx.out, sparse ? "sparse" : "dense");
  } else if (iequals(sub, "todense")) {
    if (sparse && !make_dense(ctx, *e))
      return;
    reply::integer(ctx.out, sparse ? 1 : 0);
  } else {
    reply::error(ctx.out, "ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// PFSELFTEST
void pfselftest_command(exec_context& ctx, arg_list) {
  const std::string failure = hll::self_test(limits::hll_sparse_bytes);
  if (failure.empty())
    reply::ok(ctx.out);
  else
    reply::error(ctx.out, failure);
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec pfcount_keys[] = {
    with_notes(keys_at(kf::rw | kf::access, 1, -1),
               "RW because it may change the internal representation of the key, and propagate "
               "to replicas"),
};

constexpr key_spec pfmerge_keys[] = {
    keys_at(kf::rw | kf::access | kf::insert, 1),
    keys_at(kf::ro | kf::access, 2, -1),
};

const command_spec specs[] = {
    with_event({"pfadd", -2, cmd_write | cmd_denyoom | cmd_fast, pfadd_command, nullptr, 1, 1, 1,
                kf::rw | kf::insert, "Adds the specified elements to the specified HyperLogLog.",
                "hyperloglog", "2.8.9"},
               {ev::string, "pfadd"}),
    with_key_specs(
        {"pfcount", -2, cmd_readonly | cmd_may_replicate, pfcount_command, nullptr, 1, -1, 1,
         kf::none,
         "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
         "hyperloglog", "2.8.9"},
        pfcount_keys),
    with_key_specs(  // Only the destination is signalled (the sources are key positions too).
        with_event({"pfmerge", -2, cmd_write | cmd_denyoom | cmd_signals_itself, pfmerge_command,
                    nullptr, 1, -1, 1, kf::none,
                    "Merge N different HyperLogLogs into a single one.", "hyperloglog", "2.8.9"},
                   {ev::string, "pfadd"}),
        pfmerge_keys),
    // Redis signals no WATCH when PFDEBUG turns a sketch dense.
    {"pfdebug", 3, cmd_write | cmd_denyoom | cmd_admin | cmd_signals_itself, pfdebug_command,
     nullptr, 2, 2, 1, kf::rw | kf::access, "Internal commands for debugging HyperLogLog values",
     "hyperloglog", "2.8.9"},
    {"pfselftest", 1, cmd_admin, pfselftest_command, nullptr, 0, 0, 0, kf::none,
     "An internal command for testing HyperLogLog values", "hyperloglog", "2.8.9"},
};

}  // namespace

std::span<const command_spec> hyperloglog_commands() { return specs; }

}  // namespace credis
