// A big list as Redis 7.0 keeps one: a sequence of listpack nodes of at most
// limits::list_bytes each (list-max-listpack-size -2), so an element costs its listpack entry
// and not a node or a string of its own. A position is found by walking the nodes' counts
// (about 500 short elements to a node), then within one node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/element.hpp"
#include "storage/listpack.hpp"

namespace credis {

class quicklist {
 public:
  class iterator : public element_iterator<iterator> {
   public:
    using element_iterator::operator++;
    using element_iterator::operator--;

    iterator() = default;
    element operator*() const { return *pos_; }
    iterator& operator++();
    iterator& operator--();
    bool operator==(const iterator& o) const { return node_ == o.node_ && pos_ == o.pos_; }

   private:
    friend class quicklist;
    iterator(const quicklist* owner, size_t node, listpack::iterator pos)
        : owner_(owner), node_(node), pos_(pos) {}
    const quicklist* owner_ = nullptr;
    size_t node_ = 0;  // nodes_.size() at the end
    listpack::iterator pos_;
  };
  using const_iterator = iterator;

  quicklist() = default;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  iterator begin() const { return nodes_.empty() ? end() : iterator(this, 0, nodes_[0].begin()); }
  iterator end() const { return iterator(this, nodes_.size(), {}); }
  iterator cbegin() const { return begin(); }
  iterator cend() const { return end(); }

  // The element at `index` (< size()).
  iterator at(size_t index) const;
  // Inserts before `pos`; returns the new element's position.
  iterator insert(iterator pos, std::string_view s);
  // Returns the position after the removed element.
  iterator erase(iterator pos);
  void push_back(std::string_view s) { insert(end(), s); }
  // A whole node at the end, as an RDB file has it (not empty; a node over the byte limit is
  // split by the first insertion into it).
  void append_node(listpack node) {
    size_ += node.size();
    counts_.push_back(static_cast<uint32_t>(node.size()));
    nodes_.push_back(std::move(node));
  }

  const std::vector<listpack>& nodes() const { return nodes_; }

 private:
  iterator at_node_start(size_t node) const {
    return node < nodes_.size() ? iterator(this, node, nodes_[node].begin()) : end();
  }
  // Gives node `n`, new beside a full one at an end of the list, the block a full node has: a
  // list growing at that end fills it, with no copy through each size class on the way.
  void reserve_full_node(size_t n);
  // Splits node `n` before `pos` into two nodes; returns the second's index.
  size_t split(size_t n, listpack::iterator pos);

  std::vector<listpack> nodes_;  // none empty
  std::vector<uint32_t> counts_;  // each node's element count, for at()
  size_t size_ = 0;
};

}  // namespace credis
