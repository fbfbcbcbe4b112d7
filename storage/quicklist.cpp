#include "storage/quicklist.hpp"

#include <iterator>
#include <string>

#include "storage/aggregates.hpp"

namespace credis {

quicklist::iterator& quicklist::iterator::operator++() {
  const auto& nodes = owner_->nodes_;
  if (++pos_ == nodes[node_].end())
    *this = owner_->at_node_start(node_ + 1);
  return *this;
}

quicklist::iterator& quicklist::iterator::operator--() {
  const auto& nodes = owner_->nodes_;
  if (node_ == nodes.size() || pos_ == nodes[node_].begin()) {
    --node_;
    pos_ = nodes[node_].end();
  }
  --pos_;
  return *this;
}

quicklist::iterator quicklist::at(size_t index) const {
  if (index >= size_)
    return end();
  // The counts sit together (no node header to load per step), walked from the nearer end.
  size_t n = 0;
  if (index < size_ / 2) {
    for (; index >= counts_[n]; ++n)
      index -= counts_[n];
  } else {
    size_t from_end = size_ - index;  // >= 1
    for (n = counts_.size() - 1; from_end > counts_[n]; --n)
      from_end -= counts_[n];
    index = counts_[n] - from_end;
  }
  // Within the node, from its nearer end too.
  const auto count = counts_[n];
  listpack::iterator pos;
  if (index < count / 2) {
    pos = nodes_[n].begin();
    std::advance(pos, static_cast<std::ptrdiff_t>(index));
  } else {
    pos = nodes_[n].end();
    std::advance(pos, -static_cast<std::ptrdiff_t>(count - index));
  }
  return iterator(this, n, pos);
}

size_t quicklist::split(size_t n, listpack::iterator pos) {
  listpack left, right;
  bool before = true;
  for (auto it = nodes_[n].begin(); it != nodes_[n].end(); ++it) {
    before = before && it != pos;
    element e = *it;
    (before ? left : right).push_back(e.view());
  }
  counts_[n] = static_cast<uint32_t>(left.size());
  nodes_[n] = std::move(left);
  counts_.insert(counts_.begin() + static_cast<std::ptrdiff_t>(n) + 1,
                 static_cast<uint32_t>(right.size()));
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(n) + 1, std::move(right));
  return n + 1;
}

void quicklist::reserve_full_node(size_t n) {
  nodes_[n].reserve_bytes(limits::list_bytes - nodes_[n].bytes());
}

quicklist::iterator quicklist::insert(iterator pos, std::string_view s) {
  // A view of an element of a node this insertion may change (the one at `pos`, the one
  // before): copied first, since that node's buffer may move.
  for (size_t k = pos.node_ > 0 ? pos.node_ - 1 : 0; k <= pos.node_ && k < nodes_.size(); ++k) {
    if (nodes_[k].owns(s)) {
      const std::string copy(s);
      return insert(pos, copy);
    }
  }
  const size_t need = listpack::entry_size(s);
  auto fits = [&](size_t n) { return nodes_[n].bytes() + need <= limits::list_bytes; };
  size_t n = pos.node_;
  listpack::iterator at = pos.pos_;
  if (n == nodes_.size()) {  // at the end: the last node's end
    if (n > 0 && fits(n - 1)) {
      --n;
      at = nodes_[n].end();
    } else {
      nodes_.emplace_back();
      counts_.push_back(0);
      if (n > 0)
        reserve_full_node(n);
      at = nodes_[n].end();
    }
  } else if (!fits(n)) {
    if (at == nodes_[n].begin() && n > 0 && fits(n - 1)) {
      --n;  // before a full node's first element: after the previous node's last
      at = nodes_[n].end();
    } else if (at == nodes_[n].begin()) {
      nodes_.emplace(nodes_.begin() + static_cast<std::ptrdiff_t>(n));
      counts_.insert(counts_.begin() + static_cast<std::ptrdiff_t>(n), 0);
      if (n == 0)
        reserve_full_node(n);
      at = nodes_[n].end();
    } else {
      // In the middle of a full node: it splits there, and `s` ends the first half or
      // starts the second.
      const size_t second = split(n, at);
      if (fits(n)) {
        at = nodes_[n].end();
      } else {
        n = second;
        at = nodes_[n].begin();
      }
    }
  }
  auto it = nodes_[n].insert(at, s);
  ++counts_[n];
  ++size_;
  return iterator(this, n, it);
}

quicklist::iterator quicklist::erase(iterator pos) {
  listpack& node = nodes_[pos.node_];
  auto next = node.erase(pos.pos_);
  --counts_[pos.node_];
  --size_;
  if (node.empty()) {
    nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(pos.node_));
    counts_.erase(counts_.begin() + static_cast<std::ptrdiff_t>(pos.node_));
    return at_node_start(pos.node_);
  }
  if (next == node.end())
    return at_node_start(pos.node_ + 1);
  return iterator(this, pos.node_, next);
}

}  // namespace credis
