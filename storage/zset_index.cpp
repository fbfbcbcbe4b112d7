#include "storage/zset_index.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <utility>

namespace credis {

namespace {

using node = zset_index::node;

node* make_node(int height, double score, std::string_view member) {
  const size_t bytes = sizeof(node) + sizeof(node::link) * static_cast<size_t>(height) + member.size();
  void* p = std::malloc(bytes);
  if (!p)
    throw std::bad_alloc();
  node* n = new (p) node{score, nullptr, static_cast<uint32_t>(member.size()),
                         static_cast<uint8_t>(height)};
  for (int i = 0; i < height; ++i)
    n->links()[i] = {nullptr, 0};
  if (!member.empty())
    std::memcpy(const_cast<char*>(n->bytes()), member.data(), member.size());
  return n;
}

void free_node(const node* n) { std::free(const_cast<node*>(n)); }

// Each level holds a quarter of the nodes of the one below, as in Redis's skip list: about 1.33
// links per node.
int random_height() {
  static thread_local std::minstd_rand bits{std::random_device{}()};
  int height = 1;
  while (height < 32 && (bits() & 3) == 0)
    ++height;
  return height;
}

// (score, member) order; members of equal score compare as bytes.
bool before(const node* n, double score, std::string_view member) {
  return n->score < score || (n->score == score && zset_index::member(n) < member);
}

}  // namespace

zset_index::iterator& zset_index::iterator::operator++() {
  n_ = n_->links()[0].next;
  return *this;
}

zset_index::iterator& zset_index::iterator::operator--() {
  n_ = n_ ? n_->back : owner_->last();
  return *this;
}

zset_index::zset_index() : head_(make_node(max_height, 0, {})) {}

zset_index::zset_index(const zset_index& o) : zset_index() {
  members_.reserve(o.size());
  for (const node* n : o)
    insert(member(n), n->score);
}

zset_index::zset_index(zset_index&& o) noexcept : zset_index() { swap(o); }

zset_index& zset_index::operator=(zset_index o) noexcept {
  swap(o);
  return *this;
}

void zset_index::swap(zset_index& o) noexcept {
  std::swap(head_, o.head_);
  std::swap(tail_, o.tail_);
  std::swap(height_, o.height_);
  members_.swap(o.members_);
}

zset_index::~zset_index() {
  for (const node* n = first(); n;) {
    const node* next = n->links()[0].next;
    free_node(n);
    n = next;
  }
  free_node(head_);
}

const zset_index::node* zset_index::first() const { return head_->links()[0].next; }

const zset_index::node* zset_index::find(std::string_view member) const {
  return members_.find(member);
}

void zset_index::insert(std::string_view member, double score) {
  node* n = make_node(random_height(), score, member);
  try {
    members_.insert(n, members_.hash_of(member));
  } catch (...) {
    free_node(n);
    throw;
  }
  link(n);
}

void zset_index::update(const node* n, double score) {
  node* x = const_cast<node*>(n);
  const node* next = x->links()[0].next;
  // Still between its neighbours: the score changes in place.
  if ((!x->back || before(x->back, score, member(x))) &&
      (!next || !before(next, score, member(x)))) {
    x->score = score;
    return;
  }
  unlink(x);
  x->score = score;
  link(x);
}

void zset_index::erase(const node* n) {
  unlink(const_cast<node*>(n));
  members_.erase(n);
  free_node(n);
}

void zset_index::find_path(double score, std::string_view member, node** path,
                           size_t* ranks) const {
  node* x = head_;
  size_t rank = 0;
  for (int level = height_ - 1; level >= 0; --level) {
    for (node* next = x->links()[level].next; next && before(next, score, member);
         next = x->links()[level].next) {
      rank += x->links()[level].span;
      x = next;
    }
    path[level] = x;
    if (ranks)
      ranks[level] = rank;
  }
}

void zset_index::link(node* n) {
  node* path[max_height];
  size_t ranks[max_height];
  find_path(n->score, member(n), path, ranks);
  for (; height_ < n->height; ++height_) {
    path[height_] = head_;
    ranks[height_] = 0;
    head_->links()[height_].span = size() - 1;  // (n is in members_ already)
  }
  for (int level = 0; level < n->height; ++level) {
    node::link& prev = path[level]->links()[level];
    const size_t passed = ranks[0] - ranks[level];  // nodes between path[level] and n's place
    n->links()[level] = {prev.next, prev.span - passed};
    prev = {n, passed + 1};
  }
  for (int level = n->height; level < height_; ++level)
    ++path[level]->links()[level].span;
  n->back = path[0] == head_ ? nullptr : path[0];
  if (node* next = n->links()[0].next)
    next->back = n;
  else
    tail_ = n;
}

void zset_index::unlink(node* n) {
  node* path[max_height];
  find_path(n->score, member(n), path, nullptr);
  for (int level = 0; level < height_; ++level) {
    node::link& prev = path[level]->links()[level];
    if (prev.next == n)
      prev = {n->links()[level].next, prev.span + n->links()[level].span - 1};
    else
      --prev.span;
  }
  if (node* next = n->links()[0].next)
    next->back = n->back;
  else
    tail_ = n->back;
  while (height_ > 1 && !head_->links()[height_ - 1].next)
    --height_;
}

size_t zset_index::rank(const node* n) const {
  return count_before([&](double s, std::string_view m) { return s < n->score || (s == n->score && m < member(n)); });
}

zset_index::iterator zset_index::at(size_t rank) const {
  const node* x = head_;
  size_t passed = 0;  // x's rank + 1
  for (int level = height_ - 1; level >= 0; --level) {
    while (x->links()[level].next && passed + x->links()[level].span <= rank + 1) {
      passed += x->links()[level].span;
      x = x->links()[level].next;
    }
    if (passed == rank + 1)
      return {x, this};
  }
  return end();
}

}  // namespace credis
