#include "actors/loop_timer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/message_id.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include "actors/spinning_multiplexer.hpp"

namespace credis {

loop_timer::loop_timer(caf::io::network::default_multiplexer& loop)
    : event_handler(loop, caf::io::network::invalid_native_socket) {
  // Not through the base's constructor, which would set socket options on it.
  fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

void loop_timer::schedule(clock::time_point when, const caf::strong_actor_ptr& dest,
                          caf::message msg, clock::duration early) {
  entry e{when, next_order_++, when - early, caf::weak_actor_ptr{dest.get()}, std::move(msg)};
  if (early > clock::duration::zero()) {
    flexible_.push_back(std::move(e));
  } else {
    heap_.push_back(std::move(e));
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  if (!added_) {
    added_ = true;
    backend().add(caf::io::network::operation::read, fd_, this);
  }
}

void loop_timer::arm_next() {
  auto next = heap_.empty() ? clock::time_point::max() : heap_.front().when;
  for (auto& e : flexible_)
    next = std::min(next, e.when);
  if (next < armed_for_)
    arm(next);
}

void loop_timer::arm(clock::time_point when) {
  armed_for_ = when;
  // steady_clock is CLOCK_MONOTONIC; an absolute time already past fires at once. All zeros
  // would disarm instead, hence at least one nanosecond.
  auto ns = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count());
  itimerspec spec{};
  spec.it_value.tv_sec = ns / 1'000'000'000;
  spec.it_value.tv_nsec = ns % 1'000'000'000;
  ::timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void loop_timer::handle_event(caf::io::network::operation op) {
  if (op != caf::io::network::operation::read)
    return;
  uint64_t expirations;
  while (::read(fd_, &expirations, sizeof expirations) < 0 && errno == EINTR) {
  }
  armed_for_ = clock::time_point::max();
  auto now = clock::now();
  // Taken off the heap before any is delivered: a broker that runs at once (CAF may resume it
  // inside enqueue) can schedule the next one.
  std::vector<entry> due;
  while (!heap_.empty() && heap_.front().when <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    due.push_back(std::move(heap_.back()));
    heap_.pop_back();
  }
  for (size_t i = 0; i < flexible_.size();) {
    if (flexible_[i].earliest <= now) {
      due.push_back(std::move(flexible_[i]));
      flexible_[i] = std::move(flexible_.back());
      flexible_.pop_back();
    } else {
      ++i;
    }
  }
  // The next deadline is armed before the loop sleeps (arm_next): what these messages
  // schedule comes first, and the timer is set once.
  for (auto& e : due) {
    if (auto dest = e.dest.lock())
      dest->enqueue(nullptr, caf::make_message_id(), std::move(e.msg), &backend());
  }
}

bool send_later_on_loop(caf::actor_system& sys, const caf::strong_actor_ptr& dest,
                        std::chrono::milliseconds delay, caf::message msg,
                        std::chrono::milliseconds early) {
  auto* loop = spinning_multiplexer::of(sys);
  if (loop == nullptr || std::this_thread::get_id() != loop->thread_id())
    return false;
  return loop->send_later(dest, delay, std::move(msg), early);
}

}  // namespace credis
