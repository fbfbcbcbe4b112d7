// The replica's side of a replication link, without sockets: the handshake (PING, REPLCONF
// listening-port, REPLCONF capa, PSYNC), the master's answer (+FULLRESYNC with a snapshot in
// either of Redis's two forms, or +CONTINUE), then the command stream, counted byte by byte.
//
// Bytes go in as they arrive, split anywhere; what to send back and what happened come out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.hpp"

namespace credis {

// Receives each command of the stream: its arguments and its raw bytes (views valid during the
// call); master_link::offset() already counts them.
class stream_sink {
 public:
  virtual ~stream_sink() = default;
  virtual void command(const std::vector<std::string_view>& argv, std::string_view raw) = 0;
};

class master_link {
 public:
  enum class state { pong, auth_ok, port_ok, capa_ok, psync, payload, streaming, failed };

  // `replid`/`offset`: the history this replica's data belongs to, which it asks to continue;
  // an empty id asks for a full sync (PSYNC ? -1).
  master_link(int64_t listening_port, std::string replid, int64_t offset);

  // Sends AUTH [user] password after the PING (masterauth, masteruser).
  void authenticate_with(std::string user, std::string password) {
    auth_user_ = std::move(user);
    auth_password_ = std::move(password);
  }

  // The first bytes to send: PING.
  std::string start() const;

  struct progress {
    std::string send;            // to write to the master
    bool full_sync = false;      // +FULLRESYNC came: replid/offset name the snapshot's history
    bool continued = false;      // +CONTINUE came: the stream goes on from our offset
    bool snapshot_done = false;  // snapshot() holds the whole RDB payload
    std::string replid;          // the master's id (with full_sync, or a changed one)
    int64_t offset = 0;          // with full_sync: the offset the snapshot is at
    std::string error;           // non-empty: the link is broken, drop it
  };

  // Consumes `data`; commands of the stream go to `sink`.
  progress feed(std::string_view data, stream_sink& sink);

  state current() const { return state_; }
  // Bytes of the stream processed (the replica's offset).
  int64_t offset() const { return offset_; }
  // The snapshot's bytes, complete once snapshot_done was reported; the caller may take them.
  std::string& snapshot() { return rdb_; }
  // Bytes of the snapshot received so far, and how many are expected: -1 for the EOF form,
  // -2 while the payload's header has not come.
  size_t snapshot_received() const { return rdb_.size(); }
  int64_t snapshot_expected() const { return payload_len_; }
  // REPLCONF ACK <offset>, as a replica sends it every second.
  std::string ack() const { return ack(offset_); }
  static std::string ack(int64_t offset);

 private:
  bool read_line(std::string& line);
  void on_line(const std::string& line, progress& p);
  void read_payload(progress& p);
  void read_stream(progress& p, stream_sink& sink);
  void fail(progress& p, std::string why);

  state state_ = state::pong;
  int64_t listening_port_;
  std::string auth_user_, auth_password_;
  std::string replid_;
  int64_t offset_;
  std::string in_;      // unconsumed input
  size_t pos_ = 0;      // consumed part of in_
  // Empty lines the parser skipped before pos_ without a command yet: they count in the offset
  // and go to the sink as part of the next command's raw bytes, however the input was split.
  size_t skipped_ = 0;
  std::string rdb_;
  int64_t payload_len_ = -2;  // -2: header not read; -1: EOF-marked; else bytes expected
  std::string eof_mark_;
  resp_parser parser_;
  std::vector<std::string_view> argv_;
};

}  // namespace credis
