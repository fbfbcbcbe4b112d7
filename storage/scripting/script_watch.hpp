// What connections see of a script the keyspace is running (Redis's curr_run_ctx, as far as
// other clients look at it). Past busy-reply-threshold the script's hook lets the event loop
// run the other connections (process_events, Redis's processEventsWhileBlocked): they answer
// BUSY themselves and may ask for the script to be killed (SCRIPT KILL, FUNCTION KILL). The
// one state the keyspace and the connections share without a message: a busy keyspace reads
// none until the script ends.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <string_view>

namespace credis {

class script_watch {
 public:
  enum class kill_result { killed, not_busy, unkillable_wrote, unkillable_master, wrong_kind };

  // The keyspace, around one script run.
  void started(int64_t now_ms, bool is_eval, bool from_master) {
    is_eval_.store(is_eval, std::memory_order_relaxed);
    from_master_.store(from_master, std::memory_order_relaxed);
    wrote_.store(false, std::memory_order_relaxed);
    kill_.store(false, std::memory_order_relaxed);
    start_ms_.store(now_ms, std::memory_order_relaxed);
    state_.store(running_state, std::memory_order_release);
  }
  // The count hook found it running past the threshold: clients get BUSY from now on.
  void timed_out() { state_.store(timed_out_state, std::memory_order_release); }
  void wrote() { wrote_.store(true, std::memory_order_relaxed); }
  void ended() { state_.store(idle, std::memory_order_release); }
  bool kill_requested() const { return kill_.load(std::memory_order_acquire); }
  int64_t start_ms() const { return start_ms_.load(std::memory_order_relaxed); }

  // A connection: is the keyspace stuck in a script that passed the threshold?
  bool busy() const { return state_.load(std::memory_order_acquire) == timed_out_state; }
  bool busy_with_eval() const { return is_eval_.load(std::memory_order_relaxed); }
  // SHUTDOWN NOSAVE: the script stops whatever it did.
  void kill_for_shutdown() { kill_.store(true, std::memory_order_release); }
  // SCRIPT KILL (`eval`) or FUNCTION KILL, with Redis's refusals (scriptKill).
  kill_result kill(bool eval) {
    if (state_.load(std::memory_order_acquire) == idle)
      return kill_result::not_busy;
    if (from_master_.load(std::memory_order_relaxed))
      return kill_result::unkillable_master;
    if (wrote_.load(std::memory_order_relaxed))
      return kill_result::unkillable_wrote;
    if (eval != is_eval_.load(std::memory_order_relaxed))
      return kill_result::wrong_kind;
    kill_.store(true, std::memory_order_release);
    return kill_result::killed;
  }

 
  // What FUNCTION STATS tells while a function is busy, set by the keyspace at its start; the
  // views point into the running command, read only while it runs (from process_events).
  struct running_function {
    std::string_view name;
    std::span<const std::string_view> command;
    int64_t libraries = 0, functions = 0;
  } running;

  // Runs the other clients' events once, from inside the script (set by the actor layer);
  // false when it cannot now.
  std::function<bool()> process_events;

 private:
  enum run_state : uint8_t { idle, running_state, timed_out_state };
  std::atomic<uint8_t> state_{idle};
  std::atomic<bool> is_eval_{true}, from_master_{false}, wrote_{false}, kill_{false};
  std::atomic<int64_t> start_ms_{0};
};

// Redis's replies while a script is busy, and to SCRIPT KILL / FUNCTION KILL.
namespace script_errors {
inline constexpr std::string_view busy_eval =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view busy_function =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view not_busy = "NOTBUSY No scripts in execution right now.";
inline constexpr std::string_view unkillable_wrote =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
    "NOSAVE command.";
inline constexpr std::string_view unkillable_master =
    "UNKILLABLE The busy script was sent by a master instance in the context of replication and "
    "cannot be killed.";
}  // namespace script_errors

}  // namespace credis
