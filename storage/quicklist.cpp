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
  size_t n = 0;
  for (; n < nodes_.size() && index >= nodes_[n].size(); ++n)
    index -= nodes_[n].size();
  if (n == nodes_.size())
    return end();
  auto pos = nodes_[n].begin();
  std::advance(pos, static_cast<std::ptrdiff_t>(index));
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
  nodes_[n] = std::move(left);
  nodes_.insert(nodes_.begin() + static_cast<std::ptrdiff_t>(n) + 1, std::move(right));
  return n + 1;
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
      at = nodes_[n].end();
    }
  } else if (!fits(n)) {
    if (at == nodes_[n].begin() && n > 0 && fits(n - 1)) {
      --n;  // before a full node's first element: after the previous node's last
      at = nodes_[n].end();
    } else if (at == nodes_[n].begin()) {
      nodes_.emplace(nodes_.begin() + static_cast<std::ptrdiff_t>(n));
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
  ++size_;
  return iterator(this, n, it);
}

quicklist::iterator quicklist::erase(iterator pos) {
  listpack& node = nodes_[pos.node_];
  auto next = node.erase(pos.pos_);
  --size_;
  if (node.empty()) {
    nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(pos.node_));
    return at_node_start(pos.node_);
  }
  if (next == node.end())
    return at_node_start(pos.node_ + 1);
  return iterator(this, pos.node_, next);
}

}  // namespace credis
