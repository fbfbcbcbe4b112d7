#include "actors/spinning_multiplexer.hpp"

#include "actors/direct_scribe.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/logger.hpp>
#include <spdlog/spdlog.h>

namespace credis {

spinning_multiplexer::spinning_multiplexer(caf::actor_system* sys)
    : default_multiplexer(sys),
      busy_poll_(caf::get_or(sys->config(), busy_poll_setting, int64_t{0})),
      sender_(caf::get_or(sys->config(), io_uring_setting, true)) {
  if (sender_.uses_ring())
    spdlog::info("Replies are sent through io_uring, up to {} connections' per system call",
                 sends_per_call);
  else if (!sender_.why_no_ring().empty())
    spdlog::warn("io_uring is not available ({}): replies are sent with a send() each",
                 sender_.why_no_ring());
  else
    spdlog::info("io-uring no: replies are sent with a send() each");
}

caf::io::scribe_ptr spinning_multiplexer::new_scribe(caf::io::network::native_socket fd) {
  caf::io::network::keepalive(fd, true);  // as CAF's own
  return caf::make_counted<direct_scribe>(*this, fd);
}

spinning_multiplexer* spinning_multiplexer::of(caf::actor_system& sys) {
  return dynamic_cast<spinning_multiplexer*>(&sys.middleman().backend());
}

void spinning_multiplexer::exec_later(caf::resumable* ptr) {
  auto kind = ptr->subtype();
  if ((kind == caf::resumable::io_actor || kind == caf::resumable::function_object) &&
      std::this_thread::get_id() == thread_id()) {
    posted_.emplace_back(ptr, false);  // takes over the reference the caller gave
    return;
  }
  default_multiplexer::exec_later(ptr);
}

bool spinning_multiplexer::run_posted() {
  if (posted_.empty())
    return false;
  std::vector<caf::intrusive_ptr<caf::resumable>> batch;
  while (!posted_.empty()) {
    batch.swap(posted_);
    for (auto& ptr : batch)
      resume(std::move(ptr));
    batch.clear();
    handle_internal_events();
  }
  end_round();
  return true;
}

void spinning_multiplexer::end_round() {
  while (!round_sends_.empty() || !after_round_.empty()) {
    send_round_output();
    auto due = std::move(after_round_);
    after_round_.clear();
    for (auto& fn : due)
      fn();
    handle_internal_events();
  }
}

void spinning_multiplexer::send_round_output() {
  if (round_sends_.empty())
    return;
  // A broker's `sent` may run a script that handles events (process_events_nested), which
  // ends in here again: this call's list is its own.
  std::vector<round_send> sending;
  sending.swap(round_sends_);
  round_sends_.swap(spare_sends_);
  send_items_.clear();
  for (auto& s : sending) {
    if (s.owner->getf(caf::abstract_actor::is_terminated_flag))
      continue;  // closed since: nothing more goes to its socket
    auto item = s.how->front(s.owner);
    if (item.fd >= 0) {
      s.item = send_items_.size();
      send_items_.push_back(item);
    }
  }
  sender_.send_all(send_items_);
  for (auto& s : sending)
    s.sent = s.item == no_item ? 0 : send_items_[s.item].sent;
  // Every broker that asked hears back, with 0 when its output went another way since; one
  // may ask for the next round again, which goes to round_sends_.
  for (auto& s : sending) {
    if (!s.owner->getf(caf::abstract_actor::is_terminated_flag))
      s.how->sent(s.owner, s.sent);
  }
  sending.clear();
  if (spare_sends_.capacity() < sending.capacity())
    spare_sends_.swap(sending);
}

// One round of CAF's loop, then what was left for its end.
bool spinning_multiplexer::poll_round(bool block) {
  if (run_posted())
    return true;
  in_poll_ = true;
  bool ready = poll_once(block);
  in_poll_ = false;
  end_round();
  return ready;
}

bool spinning_multiplexer::process_events_nested() {
  if (in_poll_ || std::this_thread::get_id() != thread_id())
    return false;
  run_posted();
  in_poll_ = true;
  poll_once(false);
  in_poll_ = false;
  end_round();
  return true;
}

namespace {

thread_local spinning_multiplexer* loop_of_this_thread = nullptr;

// What a sleep in epoll_wait and the wake-up after it are taken to cost the thread in CPU. Tried
// on this project's 2-core VM with 0, 5, 10, 15 and 25 (50 clients at 45k PING/s, open loop;
// redis-benchmark -c 50 GET): 10 keeps the -c 50 throughput that spinning buys (1.10 of Redis;
// 0.96 without) and spins less under a steady open load (2.40 s of CPU for 180k requests at 10,
// 3.10 s at 15, 2.41 s never spinning; Redis 2.21 s).
constexpr std::chrono::microseconds wake_cost{10};

}  // namespace

void spinning_multiplexer::note_input() {
  auto* loop = loop_of_this_thread;
  if (loop != nullptr && loop->input_at_ == clock::time_point{})
    loop->input_at_ = clock::now();
}

void spinning_multiplexer::run() {
  loop_of_this_thread = this;
  spin_policy policy(wake_cost, adaptive_longest);
  // CAF's own loop ends once the last socket (its wake-up pipe, closed at shutdown) is gone.
  while (num_socket_handlers() > 0) {
    // CAF calls its logger around every actor it resumes or enqueues to (thread_local_aid: a
    // locked, hashed map lookup, ~1,000 instructions per request) whatever its log level. We log
    // with spdlog, so this thread has none; every spawn (a new connection) installs it again.
    caf::logger::set_current_actor_system(nullptr);
    // Posted work first, then sockets; a blocking poll returns at once if one is ready.
    if (run_posted())
      continue;
    const bool on = enabled_.load(std::memory_order_relaxed);
    const auto spin = !on                      ? clock::duration::zero()
                      : busy_poll_.count() > 0 ? clock::duration(busy_poll_)
                                               : clock::duration(policy.length());
    const auto idle_since = clock::now();
    input_at_ = {};
    bool ready = false;
    if (spin > clock::duration::zero()) {
      for (auto until = idle_since + spin; !ready && clock::now() < until;)
        ready = poll_round(false);
    }
    if (!ready)
      poll_round(true);
    // Input handlers note when they ran. A round without input (CAF sending replies it queued
    // a round earlier, a timer, a message from another thread) is dated by its end: such rounds
    // come back to back when the loop is busy, where spinning pays. Counting only input rounds
    // was tried: -c 50 -P 1 SET/PING fell from 1.00-1.06 to 0.92-1.03 of Redis (3 rounds each).
    const auto found = input_at_ != clock::time_point{} ? input_at_ : clock::now();
    policy.record_gap(found - idle_since);
  }
  round_sends_.clear();  // (the brokers are gone: nothing more is sent)
  loop_of_this_thread = nullptr;
}

}  // namespace credis
