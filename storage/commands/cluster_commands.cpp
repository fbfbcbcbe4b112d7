// CLUSTER and the cluster-mode connection commands (READONLY, READWRITE, ASKING): this server
// runs as a Redis with cluster-enabled no, which knows every cluster command by name, arity and
// flags (COMMAND, clients probing for cluster mode) and refuses to run them.
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/subcommands.hpp"

namespace credis {

namespace {

void cluster_disabled(exec_context& ctx, arg_list) {
  reply::error(ctx.out, "ERR This instance has cluster support disabled");
}

// A cluster command: its name, arity, flags and docs, refused when run.
constexpr command_spec refused(std::string_view name, int arity, uint32_t flags,
                               std::string_view summary, std::string_view since = "3.0.0") {
  command_spec spec{name, arity, flags, cluster_disabled};
  spec.summary = summary;
  spec.group = "cluster";
  spec.since = since;
  return spec;
}

constexpr uint32_t admin = cmd_admin | cmd_stale;
constexpr uint32_t admin_no_async = cmd_no_async_loading | cmd_admin | cmd_stale;

const command_spec specs[] = {
    {"cluster", -2, cmd_container, unknown_subcommand, nullptr, 0, 0, 0, kf::none,
     "A container for cluster commands", "cluster", "3.0.0"},
    refused("cluster|addslots", -3, admin_no_async, "Assign new hash slots to receiving node"),
    refused("cluster|addslotsrange", -4, admin_no_async, "Assign new hash slots to receiving node",
            "7.0.0"),
    refused("cluster|bumpepoch", 2, admin_no_async, "Advance the cluster config epoch"),
    refused("cluster|count-failure-reports", 3, admin,
            "Return the number of failure reports active for a given node"),
    refused("cluster|countkeysinslot", 3, cmd_stale,
            "Return the number of local keys in the specified hash slot"),
    refused("cluster|delslots", -3, admin_no_async, "Set hash slots as unbound in receiving node"),
    refused("cluster|delslotsrange", -4, admin_no_async,
            "Set hash slots as unbound in receiving node", "7.0.0"),
    refused("cluster|failover", -2, admin_no_async,
            "Forces a replica to perform a manual failover of its master."),
    refused("cluster|flushslots", 2, admin_no_async, "Delete a node's own slots information"),
    refused("cluster|forget", 3, admin_no_async, "Remove a node from the nodes table"),
    refused("cluster|getkeysinslot", 4, cmd_stale,
            "Return local key names in the specified hash slot"),
    refused("cluster|help", 2, cmd_loading | cmd_stale,
            "Show helpful text about the different subcommands", "5.0.0"),
    refused("cluster|info", 2, cmd_stale, "Provides info about Redis Cluster node state"),
    refused("cluster|keyslot", 3, cmd_stale, "Returns the hash slot of the specified key"),
    refused("cluster|links", 2, cmd_stale,
            "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0"),
    refused("cluster|meet", -4, admin_no_async,
            "Force a node cluster to handshake with another node"),
    refused("cluster|myid", 2, cmd_stale, "Return the node id"),
    refused("cluster|nodes", 2, cmd_stale, "Get Cluster config for the node"),
    refused("cluster|replicas", 3, admin, "List replica nodes of the specified master node",
            "5.0.0"),
    refused("cluster|replicate", 3, admin_no_async,
            "Reconfigure a node as a replica of the specified master node"),
    refused("cluster|reset", -2, cmd_admin | cmd_stale | cmd_noscript,
            "Reset a Redis Cluster node"),
    refused("cluster|saveconfig", 2, admin_no_async,
            "Forces the node to save cluster state on disk"),
    refused("cluster|set-config-epoch", 3, admin_no_async,
            "Set the configuration epoch in a new node"),
    refused("cluster|setslot", -4, admin_no_async, "Bind a hash slot to a specific node"),
    refused("cluster|shards", 2, cmd_stale, "Get array of cluster slots to node mappings", "7.0.0"),
    refused("cluster|slaves", 3, admin, "List replica nodes of the specified master node"),
    refused("cluster|slots", 2, cmd_stale, "Get array of Cluster slot to node mappings"),
    refused("readonly", 1, cmd_fast | cmd_loading | cmd_stale,
            "Enables read queries for a connection to a cluster replica node"),
    refused("readwrite", 1, cmd_fast | cmd_loading | cmd_stale,
            "Disables read queries for a connection to a cluster replica node"),
    refused("asking", 1, cmd_fast, "Sent by cluster clients after an -ASK redirect"),
};

}  // namespace

std::span<const command_spec> cluster_commands() { return specs; }

}  // namespace credis
