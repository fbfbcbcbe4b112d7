// One attempt at MIGRATE's conversation with its target, without the socket: the commands to
// send, pipelined (AUTH or AUTH2, SELECT when the connection is not in the job's database yet,
// one RESTORE per key), and what the one-line replies that come back mean, as Redis's
// migrateCommand reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/migration.hpp"

namespace credis {

class migrate_exchange {
 public:
  // `select`: the connection may be in another database (a new one, or one whose last MIGRATE
  // failed).
  migrate_exchange(const migrate_job& job, bool select);

  const std::string& request() const { return request_; }
  // Takes bytes the target sent; true once every reply is in.
  bool feed(std::string_view bytes);
  bool complete() const { return lines_.size() == expected_; }
  // Whether a RESTORE was answered (Redis tries again on a new connection only before one was).
  bool restore_answered() const { return lines_.size() > header_; }

  // How the connection failed before every reply was in.
  enum class failure { none, writing, reading };
  // The outcome of the replies read so far, ended by `how` when incomplete.
  migrate_outcome outcome(failure how) const;
  // After a success the connection is in the job's database; otherwise it is unknown.
  bool selected_db() const;

 private:
  std::string request_;
  size_t header_ = 0;    // the AUTH and SELECT replies expected before the RESTOREs'
  size_t expected_ = 0;  // every reply expected
  bool auth_ = false, select_ = false;
  std::vector<std::string> lines_;
  std::string partial_;  // a reply line not yet ended
};

// The replies MIGRATE gives for a connection that failed.
namespace migrate_errors {
inline constexpr std::string_view connecting = "IOERR error or timeout connecting to the client";
inline constexpr std::string_view writing = "IOERR error or timeout writing to target instance";
inline constexpr std::string_view reading = "IOERR error or timeout reading to target instance";
}  // namespace migrate_errors

}  // namespace credis
