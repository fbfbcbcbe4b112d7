#include "storage/database.hpp"

namespace credis {

entry* database::find(std::string_view key, unix_ms now) {
  auto it = map_.find(key);
  if (it == map_.end())
    return nullptr;
  if (is_expired(it->second.expire_at, now)) {
    erase_it(it);
    return nullptr;
  }
  return &it->second;
}

entry* database::find_raw(std::string_view key) {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

entry& database::put(std::string_view key, value v, unix_ms expire_at) {
  auto it = map_.find(key);
  if (it == map_.end())
    it = map_.emplace(std::string(key), entry{}).first;
  track_deadline(key, it->second.expire_at, expire_at);
  it->second.val = std::move(v);
  it->second.expire_at = expire_at;
  return it->second;
}

bool database::set_expire(std::string_view key, unix_ms expire_at) {
  auto it = map_.find(key);
  if (it == map_.end())
    return false;
  track_deadline(key, it->second.expire_at, expire_at);
  it->second.expire_at = expire_at;
  return true;
}

bool database::erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end())
    return false;
  erase_it(it);
  return true;
}

void database::clear() {
  map_.clear();
  expires_ = 0;
  deadlines_ = {};
}

void database::erase_it(map_type::iterator it) {
  if (it->second.expire_at != no_expiry)
    --expires_;
  map_.erase(it);
}

void database::track_deadline(std::string_view key, unix_ms old_at, unix_ms new_at) {
  if (old_at != no_expiry)
    --expires_;
  if (new_at == no_expiry)
    return;
  ++expires_;
  if (new_at == old_at)
    return;
  deadlines_.push({new_at, std::string(key)});
  // Keys that keep getting new deadlines leave stale items behind; rebuild before they dominate.
  if (deadlines_.size() > 2 * expires_ + 1024)
    rebuild_deadlines();
}

void database::rebuild_deadlines() {
  std::vector<deadline_item> items;
  items.reserve(expires_);
  for (const auto& [k, e] : map_)
    if (e.expire_at != no_expiry)
      items.push_back({e.expire_at, k});
  deadlines_ = decltype(deadlines_)(std::greater<>{}, std::move(items));
}

size_t database::expire_due(unix_ms now, size_t budget) {
  size_t removed = 0;
  while (!deadlines_.empty() && removed < budget) {
    const deadline_item& top = deadlines_.top();
    if (!is_expired(top.at, now))
      break;
    auto it = map_.find(top.key);
    // Only the deadline the key still has counts: a rewrite or PERSIST made this item stale.
    if (it != map_.end() && it->second.expire_at == top.at) {
      erase_it(it);
      ++removed;
    }
    deadlines_.pop();
  }
  return removed;
}

unix_ms database::next_deadline() const {
  return deadlines_.empty() ? no_expiry : deadlines_.top().at;
}

int64_t database::avg_ttl(unix_ms now) const {
  if (expires_ == 0)
    return 0;
  int64_t sum = 0;
  size_t n = 0;
  for (const auto& [k, e] : map_) {
    if (e.expire_at != no_expiry && e.expire_at > now) {
      sum += e.expire_at - now;
      ++n;
    }
  }
  return n == 0 ? 0 : sum / static_cast<int64_t>(n);
}

}  // namespace credis
