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
  timer_.arm_next();
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
  timer_.arm_next();
  in_poll_ = true;
  poll_once(false);
  in_poll_ = false;
  end_round();
  return true;
}

void spinning_multiplexer::run() {
  // CAF's own loop ends once the last socket (its wake-up pipe, closed at shutdown) is gone;
  // the timer's fd is no socket.
  while (num_socket_handlers() > (timer_.in_loop() ? 1u : 0u)) {
    // CAF calls its logger around every actor it resumes or enqueues to (thread_local_aid: a
    // locked, hashed map lookup, ~1,000 instructions per request) whatever its log level. We log
    // with spdlog, so this thread has none; every spawn (a new connection) installs it again.
    caf::logger::set_current_actor_system(nullptr);
    // Posted work first, then sockets; a blocking poll returns at once if one is ready.
    if (run_posted())
      continue;
    bool ready = false;
    if (busy_poll_.count() > 0 && enabled_.load(std::memory_order_relaxed)) {
      for (auto until = clock::now() + busy_poll_; !ready && clock::now() < until;)
        ready = poll_round(false);
    }
    if (!ready)
      poll_round(true);
  }
  round_sends_.clear();  // (the brokers are gone: nothing more is sent)
  timer_.drop_all();
}

}  // namespace credis
