// Encodes the writes a batch propagated into replication stream bytes: each command as a RESP
// array, preceded by SELECT when it belongs to another database than the stream's last.
#pragma once

#include <string>

#include "storage/commands/command_batch.hpp"

namespace credis {

class stream_encoder {
 public:
  void encode(const command_batch& writes, std::string& out);
  // One command of database `db` (-1: any, e.g. PING).
  void encode(int db, arg_list argv, std::string& out);
  // The next command is preceded by SELECT whatever its database (a new history, a new replica
  // of the stream from a snapshot).
  void forget_db() { db_ = -1; }

 private:
  int db_ = -1;
  std::vector<std::string_view> argv_;
};

// Appends `argv` as a RESP array of bulk strings.
void encode_command(arg_list argv, std::string& out);

}  // namespace credis
