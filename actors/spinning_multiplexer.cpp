#include "actors/spinning_multiplexer.hpp"

#include <sys/resource.h>

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

namespace credis {

spinning_multiplexer::spinning_multiplexer(caf::actor_system* sys)
    : default_multiplexer(sys),
      busy_poll_(caf::get_or(sys->config(), busy_poll_setting, int64_t{0})) {}

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
  while (!after_round_.empty()) {
    auto due = std::move(after_round_);
    after_round_.clear();
    for (auto& fn : due)
      fn();
    handle_internal_events();
  }
}

// One round of CAF's loop, then what was left for its end.
bool spinning_multiplexer::poll_round(bool block) {
  if (run_posted())
    return true;
  bool ready = poll_once(block);
  end_round();
  return ready;
}

namespace {

// Times this thread gave up the CPU to wait: its epoll_wait slept (nothing else here blocks).
long voluntary_switches() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_nvcsw;
}

}  // namespace

void spinning_multiplexer::run() {
  using clock = std::chrono::steady_clock;
  constexpr int stop_after_long_gaps = 2;
  long switches = 0;
  // CAF's own loop ends once the last socket (its wake-up pipe, closed at shutdown) is gone.
  while (num_socket_handlers() > 0) {
    // Posted work first, then sockets; a blocking poll returns at once if one is ready, so
    // without a spin there is no poll that finds nothing.
    if (run_posted())
      continue;
    bool spin = enabled_.load(std::memory_order_relaxed) && busy_poll_.count() > 0 &&
                long_gaps_ < stop_after_long_gaps;
    if (spin) {
      bool ready = false;
      for (auto until = clock::now() + busy_poll_; !ready && clock::now() < until;)
        ready = poll_round(false);
      if (ready) {
        long_gaps_ = 0;
        continue;
      }
      poll_round(true);  // the spin ran out: nothing came within the window
      if (++long_gaps_ == stop_after_long_gaps)
        switches = voluntary_switches();
      continue;
    }
    // Not spinning: spin again once work comes back soon. Soon is a poll that did not sleep
    // (it found work at once: a busy server), or returned within the window (which also
    // counts the time the work took, so it errs towards not spinning).
    auto before = clock::now();
    poll_round(true);
    if (clock::now() - before < busy_poll_) {
      long_gaps_ = 0;
      continue;
    }
    // A long round: did the loop sleep at all since the last look? Asked of the kernel (a
    // system call) once in 8 long rounds, so a lightly loaded server does not pay it per request.
    if (++long_rounds_ % 8 != 0)
      continue;
    long now_switches = voluntary_switches();
    if (now_switches == switches)
      long_gaps_ = 0;
    switches = now_switches;
  }
}

}  // namespace credis
