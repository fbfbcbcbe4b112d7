// What COMMAND DOCS reports of each command besides its summary: the group it belongs to and
// the Redis version that introduced it, as Redis 7.0 reports them (read off redis-server
// 7.0.15 with COMMAND DOCS).
#include <string_view>

#include "storage/commands/command.hpp"

namespace credis {

namespace {

struct command_doc {
  std::string_view name, group, since;
};

const command_doc docs[] = {
    {"append", "string", "2.0.0"},
    {"auth", "connection", "1.0.0"},
    {"bgsave", "server", "1.0.0"},
    {"client", "connection", "2.4.0"},
    {"command", "server", "2.8.13"},
    {"config", "server", "2.0.0"},
    {"dbsize", "server", "1.0.0"},
    {"decr", "string", "1.0.0"},
    {"decrby", "string", "1.0.0"},
    {"del", "generic", "1.0.0"},
    {"echo", "connection", "1.0.0"},
    {"exists", "generic", "1.0.0"},
    {"expire", "generic", "1.0.0"},
    {"expireat", "generic", "1.2.0"},
    {"expiretime", "generic", "7.0.0"},
    {"flushall", "server", "1.0.0"},
    {"flushdb", "server", "1.0.0"},
    {"get", "string", "1.0.0"},
    {"getdel", "string", "6.2.0"},
    {"getset", "string", "1.0.0"},
    {"incr", "string", "1.0.0"},
    {"incrby", "string", "1.0.0"},
    {"info", "server", "1.0.0"},
    {"keys", "generic", "1.0.0"},
    {"lastsave", "server", "1.0.0"},
    {"mget", "string", "1.0.0"},
    {"mset", "string", "1.0.1"},
    {"msetnx", "string", "1.0.1"},
    {"persist", "generic", "2.2.0"},
    {"pexpire", "generic", "2.6.0"},
    {"pexpireat", "generic", "2.6.0"},
    {"pexpiretime", "generic", "7.0.0"},
    {"ping", "connection", "1.0.0"},
    {"psetex", "string", "2.6.0"},
    {"pttl", "generic", "2.6.0"},
    {"quit", "connection", "1.0.0"},
    {"rename", "generic", "1.0.0"},
    {"renamenx", "generic", "1.0.0"},
    {"save", "server", "1.0.0"},
    {"scan", "generic", "2.8.0"},
    {"select", "connection", "1.0.0"},
    {"set", "string", "1.0.0"},
    {"setex", "string", "2.0.0"},
    {"setnx", "string", "1.0.0"},
    {"shutdown", "server", "1.0.0"},
    {"strlen", "string", "2.2.0"},
    {"time", "server", "2.6.0"},
    {"ttl", "generic", "1.0.0"},
    {"type", "generic", "1.0.0"},
    {"unlink", "generic", "4.0.0"},
    {"wait", "generic", "3.0.0"},
};

const command_doc* find_doc(std::string_view name) {
  for (const auto& d : docs)
    if (d.name == name)
      return &d;
  return nullptr;
}

}  // namespace

std::string_view command_group(const command_spec& spec) {
  const command_doc* d = find_doc(spec.name);
  return d ? d->group : "server";
}

std::string_view command_since(const command_spec& spec) {
  const command_doc* d = find_doc(spec.name);
  return d ? d->since : "7.0.0";
}

}  // namespace credis
