// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB (Redis's
// pubsub.c). A connection keeps its client's subscriptions (its replies and the RESP2
// restrictions of a subscribed client need them at once) and tells the keyspace, whose pubsub
// routes each message to the connections listening.
#include "protocol/reply.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

constexpr std::string_view subscribe_names[] = {"subscribe", "psubscribe", "ssubscribe"};
constexpr std::string_view unsubscribe_names[] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

// What a (un)subscribe reply counts: channels and patterns together, shard channels apart.
int64_t count_for(const client_state& client, subscription_kind kind) {
  if (kind == subscription_kind::shard)
    return static_cast<int64_t>(client.subscriptions[2].size());
  return static_cast<int64_t>(client.subscriptions[0].size() + client.subscriptions[1].size());
}

template <subscription_kind Kind>
void subscribe_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                     server_state&, arg_list argv) {
  const auto k = static_cast<size_t>(Kind);
  std::string out;
  for (size_t i = 1; i < argv.size(); ++i) {
    client.subscriptions[k].emplace(argv[i]);
    append_subscription_reply(out, subscribe_names[k], argv[i], count_for(client, Kind));
  }
  batch.add_reply(out);
  batch.add_command(&cmd, client.db, argv);  // the keyspace routes to us now
}

// Without names: from everything of its kind the client listens to.
template <subscription_kind Kind>
void unsubscribe_batch(const command_spec& cmd, command_batch& batch, client_state& client,
                       server_state&, arg_list argv) {
  const auto k = static_cast<size_t>(Kind);
  std::vector<std::string> names;
  if (argv.size() > 1)
    names.assign(argv.begin() + 1, argv.end());
  else
    names.assign(client.subscriptions[k].begin(), client.subscriptions[k].end());
  std::string out;
  if (names.empty())
    append_empty_unsubscribe_reply(out, unsubscribe_names[k], count_for(client, Kind));
  for (const auto& name : names) {
    client.subscriptions[k].erase(name);
    append_subscription_reply(out, unsubscribe_names[k], name, count_for(client, Kind));
  }
  batch.add_reply(out);
  if (names.empty())
    return;
  std::vector<std::string_view> request{argv[0]};
  request.insert(request.end(), names.begin(), names.end());
  batch.add_command(&cmd, client.db, request);
}

template <subscription_kind Kind>
void subscribe_command(exec_context& ctx, arg_list argv) {
  if (ctx.channels)
    for (size_t i = 1; i < argv.size(); ++i)
      ctx.channels->subscribe(Kind, ctx.client_id, argv[i]);
}

template <subscription_kind Kind>
void unsubscribe_command(exec_context& ctx, arg_list argv) {
  if (ctx.channels)
    for (size_t i = 1; i < argv.size(); ++i)
      ctx.channels->unsubscribe(Kind, ctx.client_id, argv[i]);
}

template <bool Shard>
void publish_command(exec_context& ctx, arg_list argv) {
  size_t receivers = ctx.channels ? ctx.channels->publish(Shard, argv[1], argv[2]) : 0;
  reply::integer(ctx.out, static_cast<int64_t>(receivers));
}

void reply_channels(exec_context& ctx, arg_list argv, bool shard) {
  std::vector<std::string> names;
  if (ctx.channels)
    names = ctx.channels->channels(shard, argv.size() == 3 ? argv[2] : std::string_view());
  reply::array_header(ctx.out, static_cast<int64_t>(names.size()));
  for (const auto& n : names)
    reply::bulk(ctx.out, n);
}

void reply_numsub(exec_context& ctx, arg_list argv, bool shard) {
  reply::array_header(ctx.out, static_cast<int64_t>(argv.size() - 2) * 2);
  for (size_t i = 2; i < argv.size(); ++i) {
    reply::bulk(ctx.out, argv[i]);
    reply::integer(ctx.out, ctx.channels ? static_cast<int64_t>(
                                               ctx.channels->subscriber_count(shard, argv[i]))
                                         : 0);
  }
}

// PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | SHARDCHANNELS [pattern] |
// SHARDNUMSUB [channel ...] | HELP
void pubsub_command(exec_context& ctx, arg_list argv) {
  std::string_view sub = argv[1];
  auto wrong_arity = [&] {
    reply::error(ctx.out, arity_error("pubsub|" + to_lower(sub)));
  };
  if (iequals(sub, "channels") || iequals(sub, "shardchannels")) {
    if (argv.size() > 3)
      return wrong_arity();
    reply_channels(ctx, argv, iequals(sub, "shardchannels"));
  } else if (iequals(sub, "numsub") || iequals(sub, "shardnumsub")) {
    reply_numsub(ctx, argv, iequals(sub, "shardnumsub"));
  } else if (iequals(sub, "numpat")) {
    if (argv.size() != 2)
      return wrong_arity();
    reply::integer(ctx.out,
                   ctx.channels ? static_cast<int64_t>(ctx.channels->pattern_count()) : 0);
  } else if (iequals(sub, "help") && argv.size() == 2) {
    static constexpr std::string_view lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help."};
    reply::array_header(ctx.out, std::size(lines));
    for (auto line : lines)
      reply::simple(ctx.out, line);
  } else {
    reply::error(ctx.out, unknown_subcommand_error("PUBSUB", sub));
  }
}

constexpr uint32_t listen_flags =
    cmd_noscript | cmd_loading | cmd_stale | cmd_pubsub_context | cmd_push_reply;
constexpr uint32_t publish_flags =
    cmd_loading | cmd_stale | cmd_fast | cmd_propagate_always | cmd_may_replicate;

using ch = subscription_kind;
const command_spec specs[] = {
    {"subscribe", -2, listen_flags | cmd_pubsub, subscribe_command<ch::channel>, nullptr, 0, 0, 0,
     kf::none, "Listen for messages published to the given channels", "pubsub", "2.0.0", nullptr,
     subscribe_batch<ch::channel>},
    {"unsubscribe", -1, listen_flags | cmd_pubsub, unsubscribe_command<ch::channel>, nullptr, 0, 0,
     0, kf::none, "Stop listening for messages posted to the given channels", "pubsub", "2.0.0",
     nullptr, unsubscribe_batch<ch::channel>},
    {"psubscribe", -2, listen_flags | cmd_pubsub, subscribe_command<ch::pattern>, nullptr, 0, 0, 0,
     kf::none, "Listen for messages published to channels matching the given patterns", "pubsub",
     "2.0.0", nullptr, subscribe_batch<ch::pattern>},
    {"punsubscribe", -1, listen_flags | cmd_pubsub, unsubscribe_command<ch::pattern>, nullptr, 0, 0,
     0, kf::none, "Stop listening for messages posted to channels matching the given patterns",
     "pubsub", "2.0.0", nullptr, unsubscribe_batch<ch::pattern>},
    {"ssubscribe", -2, listen_flags | cmd_pubsub, subscribe_command<ch::shard>, nullptr, 1, -1, 1,
     kf::not_key, "Listen for messages published to the given shard channels", "pubsub", "7.0.0",
     nullptr, subscribe_batch<ch::shard>},
    {"sunsubscribe", -1, listen_flags | cmd_pubsub, unsubscribe_command<ch::shard>, nullptr, 1, -1,
     1, kf::not_key, "Stop listening for messages posted to the given shard channels", "pubsub",
     "7.0.0", nullptr, unsubscribe_batch<ch::shard>},
    {"publish", 3, publish_flags | cmd_pubsub, publish_command<false>, nullptr, 0, 0, 0, kf::none,
     "Post a message to a channel", "pubsub", "2.0.0"},
    {"spublish", 3, publish_flags | cmd_pubsub, publish_command<true>, nullptr, 1, 1, 1,
     kf::not_key, "Post a message to a shard channel", "pubsub", "7.0.0"},
    {"pubsub", -2, cmd_loading | cmd_stale | cmd_container, pubsub_command, nullptr, 0, 0, 0,
     kf::none, "A container for Pub/Sub commands", "pubsub", "2.8.0"},
};

}  // namespace

std::span<const command_spec> pubsub_commands() { return specs; }

}  // namespace credis
