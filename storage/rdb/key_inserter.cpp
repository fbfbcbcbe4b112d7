#include "storage/rdb/key_inserter.hpp"

#include <utility>

#include "storage/access_clock.hpp"

namespace credis {

namespace {

// Keys per batch: enough that handing one over costs little per key.
constexpr size_t batch_records = 512;
// Batches decoded ahead of the thread at most: bounds the memory they hold.
constexpr size_t max_queued = 4;
// How many keys ahead a batch's table slots are prefetched.
constexpr size_t prefetch_distance = 8;

}  // namespace

key_inserter::key_inserter(keyspace& ks, unix_ms now, bool threaded) : ks_(ks), now_(now) {
  filling_.records.reserve(batch_records);
  if (threaded)
    thread_ = std::thread([this] { work(); });
}

key_inserter::~key_inserter() {
  if (!thread_.joinable())
    return;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    queue_.clear();  // a load that failed: nothing more is wanted
  }
  ready_.notify_one();
  thread_.join();
}

void key_inserter::reserve(int db, size_t n) {
  filling_.records.push_back({true, db, 0, n, value(), no_expiry, -1, -1, 0, 0});
}

void key_inserter::put(int db, std::string_view key, value v, unix_ms deadline, int64_t idle,
                       int64_t frequency, size_t type_at) {
  filling_.records.push_back({false, db, filling_.bytes.size(), key.size(), std::move(v), deadline,
                              idle, frequency, type_at, 0});
  filling_.bytes.append(key);
  if (filling_.records.size() >= batch_records)
    submit();
}

bool key_inserter::failed() const { return failed_.load(std::memory_order_relaxed); }

std::optional<key_inserter::duplicate> key_inserter::finish() {
  submit();
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    ready_.notify_one();
    thread_.join();
  }
  if (error_)
    std::rethrow_exception(error_);
  return duplicate_;
}

void key_inserter::submit() {
  if (filling_.records.empty())
    return;
  if (!thread_.joinable()) {
    apply(filling_);
    filling_.clear();
    return;
  }
  batch next;
  {
    std::unique_lock lock(mu_);
    drained_.wait(lock, [&] { return queue_.size() < max_queued; });
    queue_.push_back(std::move(filling_));
    if (!spare_.empty()) {
      next = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  ready_.notify_one();
  filling_ = std::move(next);
  filling_.records.reserve(batch_records);
}

void key_inserter::work() {
  for (;;) {
    batch b;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty())
        return;
      b = std::move(queue_.front());
      queue_.pop_front();
    }
    drained_.notify_one();
    try {
      apply(b);
    } catch (...) {
      error_ = std::current_exception();
      failed_ = true;
    }
    b.clear();
    std::lock_guard lock(mu_);
    spare_.push_back(std::move(b));
  }
}

void key_inserter::apply(batch& b) {
  if (failed())
    return;  // nothing after a duplicate is put
  auto key_of = [&](const record& r) {
    return std::string_view(b.bytes).substr(r.key_at, r.key_len);
  };
  auto prefetch = [&](size_t i) {
    record& r = b.records[i];
    if (!r.is_reserve)
      r.hash = ks_.db(r.db).prefetch(key_of(r));
  };
  const size_t n = b.records.size();
  for (size_t i = 0; i < n && i < prefetch_distance; ++i)
    prefetch(i);
  const bool lfu = access_tracking().lfu;
  for (size_t i = 0; i < n; ++i) {
    if (i + prefetch_distance < n)
      prefetch(i + prefetch_distance);
    record& r = b.records[i];
    database& db = ks_.db(r.db);
    if (r.is_reserve) {
      db.reserve(db.size() + r.key_len);
      continue;
    }
    const size_t before = db.size();
    entry& e = db.put(key_of(r), r.hash, std::move(r.val), r.deadline);
    if (db.size() == before) {
      duplicate_ = duplicate{r.type_at, std::string(key_of(r).substr(0, 64))};
      failed_ = true;
      return;
    }
    // As Redis's objectSetLRUOrLFU: each kind of stamp counts under its own policy only.
    if (lfu ? r.frequency >= 0 : r.idle >= 0)
      e.val.set_access(r.frequency >= 0 && lfu
                           ? access_for_frequency(static_cast<uint32_t>(r.frequency), now_)
                           : access_for_idle(r.idle, now_));
  }
}

}  // namespace credis
