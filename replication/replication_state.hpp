// The replication identity and position of this server, as INFO replication reports it.
#pragma once

#include <cstdint>
#include <string>

namespace credis {

struct replication_state {
  bool is_replica = false;
  std::string master_host;
  uint16_t master_port = 0;
  std::string replid;   // 40 hex chars
  std::string replid2 = std::string(40, '0');
  int64_t offset = 0;   // master_repl_offset
  int connected_replicas = 0;
};

// A fresh random replication id: 40 lower-case hex characters, like Redis's.
std::string make_replication_id();

// Parses a --replicaof value "host port" into its parts; returns false when malformed.
bool parse_replicaof(const std::string& value, std::string& host, uint16_t& port);

}  // namespace credis
