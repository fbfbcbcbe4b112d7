#include "storage/database.hpp"

#include "storage/access_clock.hpp"

namespace credis {

entry* database::find(std::string_view key, unix_ms now) {
  entry* e = peek(key, now);
  if (e)
    e->val.set_access(lfu_ ? touched_access(e->val.access(), access_time_) : lru_clock_);
  return e;
}

entry* database::peek(std::string_view key, unix_ms now) {
  entry_node* n = table_.find(key);
  if (!n)
    return nullptr;
  if (is_expired(n->e.expire_at(), now)) {
    if (!keep_expired_)
      erase_expired(n);
    return nullptr;
  }
  return &n->e;
}

entry* database::find_raw(std::string_view key) {
  entry_node* n = table_.find(key);
  return n ? &n->e : nullptr;
}

entry& database::put(std::string_view key, size_t hash, value v, unix_ms expire_at) {
  const size_t before = table_.size();
  entry_node* n = table_.find_or_insert(key, hash, expire_at != no_expiry);
  n->e.val = std::move(v);  // (keeps the key's access bits)
  // An overwritten key keeps its LFU counter, as Redis's dbOverwrite.
  if (!lfu_)
    n->e.val.set_access(lru_clock_);
  else if (table_.size() != before)
    n->e.val.set_access(fresh_access(access_time_));
  return set_deadline(n, expire_at)->e;
}

entry& database::set_expire(entry& e, unix_ms expire_at) {
  return set_deadline(entry_node::of(&e), expire_at)->e;
}

void database::erase(entry& e) { erase_node(entry_node::of(&e)); }

bool database::erase(std::string_view key) {
  entry_node* n = table_.find(key);
  if (!n)
    return false;
  erase_node(n);
  return true;
}

void database::clear() {
  table_.clear();
  std::vector<deadline_item>().swap(heap_);
}

void database::erase_expired(entry_node* node) {
  if (listener_)
    listener_->key_expired(index_, node->key());
  erase_node(node);
}

void database::erase_node(entry_node* node) {
  heap_remove(node);
  table_.erase(node);
}

entry_node* database::set_deadline(entry_node* node, unix_ms at) {
  if (at == no_expiry) {
    // A node keeps its block once it had a deadline: a key given a TTL is likely to get one
    // again, and moving it back would cost a reallocation each time.
    if (node->has_deadline_block()) {
      heap_remove(node);
      node->deadline().at = no_expiry;
    }
    return node;
  }
  if (!node->has_deadline_block())
    node = table_.add_deadline_block(node);
  deadline_block& d = node->deadline();
  d.at = at;
  deadlines_set_.fetch_add(1, std::memory_order_relaxed);
  if (d.heap_index == deadline_block::not_in_heap) {
    heap_.push_back({at, node});
    heap_sift_up(heap_.size() - 1);
  } else {
    heap_[d.heap_index].at = at;
    heap_fix(d.heap_index);
  }
  return node;
}

size_t database::expire_due(unix_ms now, size_t budget) {
  size_t removed = 0;
  while (!heap_.empty() && removed < budget && is_expired(heap_.front().at, now)) {
    entry_node* node = heap_.front().node;
    table_.prefetch_slot(node);  // its miss overlaps the heap's sift-down
    erase_expired(node);
    ++removed;
  }
  return removed;
}

int64_t database::avg_ttl(unix_ms now) const {
  int64_t sum = 0, n = 0;
  for (const auto& item : heap_) {
    if (item.at > now) {
      sum += item.at - now;
      ++n;
    }
  }
  return n == 0 ? 0 : sum / n;
}

void database::heap_place(size_t i, deadline_item item) {
  heap_[i] = item;
  item.node->deadline().heap_index = static_cast<uint32_t>(i);
}

namespace {

// A 4-ary heap: half the levels of a binary one, so a pop rewrites the heap slot of half as
// many scattered nodes; the children's deadlines sit side by side in the array.
constexpr size_t heap_arity = 4;

}  // namespace

void database::heap_sift_up(size_t i) {
  deadline_item item = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / heap_arity;
    if (heap_[parent].at <= item.at)
      break;
    heap_place(i, heap_[parent]);
    i = parent;
  }
  heap_place(i, item);
}

void database::heap_sift_down(size_t i) {
  deadline_item item = heap_[i];
  size_t n = heap_.size();
  for (;;) {
    size_t first = heap_arity * i + 1;
    if (first >= n)
      break;
    size_t child = first;
    for (size_t c = first + 1; c < first + heap_arity && c < n; ++c)
      if (heap_[c].at < heap_[child].at)
        child = c;
    if (item.at <= heap_[child].at)
      break;
    heap_place(i, heap_[child]);
    i = child;
  }
  heap_place(i, item);
}

void database::heap_remove(entry_node* node) {
  if (!node->has_deadline_block() || node->deadline().heap_index == deadline_block::not_in_heap)
    return;
  const size_t i = node->deadline().heap_index;
  node->deadline().heap_index = deadline_block::not_in_heap;
  deadline_item last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size())
    return;
  heap_place(i, last);
  heap_fix(i);
}

void database::heap_fix(size_t i) {
  // The item at `i` moves up or down, whichever its new deadline calls for.
  entry_node* node = heap_[i].node;
  heap_sift_up(i);
  heap_sift_down(node->deadline().heap_index);
}

}  // namespace credis
