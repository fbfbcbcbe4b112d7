// MIGRATE (Redis's cluster.c): the keys are dumped here, in the keyspace, and the job is
// handed to the actors layer, which talks to the target while the keyspace serves the other
// clients; the command runs again with the outcome to delete what the target took. Redis
// blocks its whole server meanwhile; here a key written in between is not deleted (see
// finish_migration).
#include <string>
#include <vector>

#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/propagate.hpp"
#include "storage/migration.hpp"
#include "storage/rdb/rdb_writer.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// The dumped form of each of the command's keys that exists, with the TTL it has left.
std::vector<migrate_key> dump_keys(exec_context& ctx, arg_list argv, const migrate_args& args) {
  std::vector<migrate_key> keys;
  for (size_t i = 0; i < args.key_count; ++i) {
    const std::string_view name = argv[args.first_key + i];
    entry* e = lookup_read(ctx, name);
    if (!e)
      continue;
    const int64_t ttl =
        e->expire_at() == no_expiry ? 0 : std::max<int64_t>(e->expire_at() - ctx.now, 1);
    keys.push_back({std::string(name), ttl, rdb_dump_value(e->val), e->expire_at()});
  }
  return keys;
}

// Without COPY, the keys the target restored are deleted here, as Redis deletes them: each
// signalled and with its "del" event. A key that no longer holds what was sent (written, or
// given another TTL, while the target was busy) is kept: the later write wins here, and the
// target has the earlier value. Redis, blocking every client meanwhile, never sees one.
void finish_migration(exec_context& ctx, migrate_handoff& handoff) {
  const migrate_outcome& outcome = *handoff.outcome;
  if (!handoff.job->args.copy) {
    for (size_t i : outcome.accepted) {
      const migrate_key& k = handoff.job->keys[i];
      entry* e = ctx.db().find(k.name, ctx.expiry_now);
      if (!e || e->expire_at() != k.deadline || rdb_dump_value(e->val) != k.payload)
        continue;
      ctx.db().erase(*e);
      signal_modified(ctx, ctx.db_index, k.name);
      notify(ctx, ev::generic, "del", k.name);
      handoff.deleted.push_back(k.name);
    }
    mark_dirty(ctx, static_cast<int64_t>(handoff.deleted.size()));
  }
  outcome.error.empty() ? reply::ok(ctx.out) : reply::error(ctx.out, outcome.error);
}

void migrate_command(exec_context& ctx, arg_list argv) {
  if (ctx.migration && ctx.migration->outcome) {
    finish_migration(ctx, *ctx.migration);
    return;
  }
  migrate_args args;
  if (std::string error = parse_migrate_args(argv, args); !error.empty()) {
    reply::error(ctx.out, error);
    return;
  }
  std::vector<migrate_key> keys = dump_keys(ctx, argv, args);
  if (keys.empty()) {
    reply::simple(ctx.out, "NOKEY");
    return;
  }
  if (!ctx.migration) {
    // Redis would block the server on the network here; this one waits without blocking,
    // which a transaction or a script cannot.
    reply::error(ctx.out, "ERR MIGRATE is not supported inside MULTI/EXEC or scripts");
    return;
  }
  ctx.migration->wanted = true;
  ctx.migration->job = std::make_shared<const migrate_job>(
      migrate_job{std::string(argv[1]), std::string(argv[2]), args, std::move(keys)});
}

// The keys deleted go to replicas as one DEL, as Redis rewrites MIGRATE.
void migrate_propagate(exec_context& ctx, arg_list) {
  std::vector<std::string_view> del{"DEL"};
  for (const std::string& key : ctx.migration->deleted)
    del.push_back(key);
  ctx.propagated->add_command(nullptr, ctx.db_index, del);
}

void redact_migrate(std::vector<std::string>& args) {
  const std::vector<std::string_view> argv(args.begin(), args.end());
  for (size_t i : migrate_secret_positions(argv))
    args[i] = "(redacted)";
}

constexpr uint16_t moved = kf::rw | kf::access | kf::del;
constexpr key_spec migrate_keys[] = {
    keys_at(moved, 3),
    keys_after(moved | kf::incomplete, "KEYS", -2, -1),
};

const command_spec specs[] = {
    with_redaction(
        with_movable_keys(
            with_key_specs(
                {"migrate", -6, cmd_write | cmd_signals_itself, migrate_command, nullptr, 3, 3, 1,
                 kf::none, "Atomically transfer a key from a Redis instance to another one.",
                 "generic", "2.6.0", migrate_propagate},
                migrate_keys),
            {movable_keys::migrate}),
        redact_migrate),
};

}  // namespace

std::span<const command_spec> migrate_commands() { return specs; }

}  // namespace credis
