#include "storage/aggregates.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "protocol/integers.hpp"

namespace credis {

bool parse_score(std::string_view s, double& out) {
  const char* end = s.data() + s.size();
  auto r = std::from_chars(s.data(), end, out);
  if (r.ec == std::errc{} && r.ptr == end)
    return true;
  // Forms strtod takes and from_chars does not ("+1", " 1", hex): rare, never written by Redis.
  if (s.empty() || s.size() > 256)
    return false;
  const std::string text(s);
  char* stop = nullptr;
  out = std::strtod(text.c_str(), &stop);
  return stop == text.c_str() + text.size();
}

size_t format_score(double score, char* buf) {
  auto text = [&](const char* s) {
    const size_t n = std::strlen(s);
    std::memcpy(buf, s, n);
    return n;
  };
  if (std::isnan(score))
    return text("nan");
  if (std::isinf(score))
    return text(score > 0 ? "inf" : "-inf");
  if (score == 0)
    return text(std::signbit(score) ? "-0" : "0");
  // An integer while a double holds it exactly (|x| < 2^52), else 17 significant digits.
  if (score > -4503599627370495.0 && score < 4503599627370496.0 &&
      score == static_cast<double>(static_cast<long long>(score)))
    return static_cast<size_t>(
        std::to_chars(buf, buf + 32, static_cast<long long>(score)).ptr - buf);
  return static_cast<size_t>(std::snprintf(buf, 32, "%.17g", score));
}

// ---- list --------------------------------------------------------------------------------------

list_value::list_value(std::initializer_list<std::string_view> items) {
  for (std::string_view s : items)
    push_back(s);
}

list_value::iterator list_value::insert(iterator pos, std::string_view s) {
  if (big())
    return iterator(big()->insert(pos.big_pos(), s));
  if (small_.bytes() + listpack::entry_size(s) <= limits::list_bytes)
    return iterator(small_.insert(pos.small_pos(), s));
  // Too big for one listpack from now on: it becomes the first node of a quicklist, which
  // splits it as it must. `s` may be one of the elements: copied before the move.
  if (small_.owns(s))
    return insert(pos, std::string(s));
  const auto index = static_cast<size_t>(std::distance(small_.begin(), pos.small_pos()));
  auto big = std::make_unique<big_type>();
  for (const element& e : small_)
    big->push_back(e.view());
  auto it = big->insert(big->at(index), s);
  small_.clear();
  become_big(std::move(big));
  return iterator(it);
}

list_value::iterator list_value::at(size_t index) const {
  if (big())
    return iterator(big()->at(index));
  auto it = small_.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(index));
  return iterator(it);
}

list_value::iterator list_value::erase(iterator pos) {
  if (big())
    return iterator(big()->erase(pos.big_pos()));
  return iterator(small_.erase(pos.small_pos()));
}

bool list_value::operator==(const list_value& o) const {
  return size() == o.size() && std::equal(begin(), end(), o.begin());
}

// ---- set ---------------------------------------------------------------------------------------

bool small_set::contains(std::string_view m) const {
  if (!strings_.empty())
    return strings_.find(m) != strings_.end();
  int64_t v;
  return parse_int64(m, v) && ints_.contains(v);
}

bool small_set::add(std::string_view m) {
  int64_t v;
  const bool is_int = parse_int64(m, v);
  const bool fits_listpack = size() < limits::set_entries && m.size() <= limits::set_value;
  if (!strings_.empty()) {
    if (!fits_listpack)
      return false;
    strings_.push_back(m);
    return true;
  }
  if (is_int)
    return ints_.size() < limits::set_int_entries && ints_.insert(v);
  if (!fits_listpack)
    return false;
  listpack lp;  // a member that is no integer: the intset becomes a listpack
  for (const element& e : ints_)
    lp.push_back(e.view());
  lp.push_back(m);
  strings_ = std::move(lp);
  ints_.clear();
  return true;
}

bool small_set::erase(std::string_view m) {
  if (strings_.empty()) {
    int64_t v;
    return parse_int64(m, v) && ints_.erase(v);
  }
  auto it = strings_.find(m);
  if (it == strings_.end())
    return false;
  strings_.erase(it);
  return true;
}

set_value::set_value(std::initializer_list<std::string_view> members) {
  for (std::string_view m : members)
    insert(m);
}

bool set_value::contains(std::string_view member) const {
  return big() ? big()->contains(member) : small_.contains(member);
}

bool set_value::insert(std::string_view member) {
  if (big())
    return big()->insert(member);
  if (small_.contains(member))
    return false;
  if (small_.add(member))
    return true;
  auto big = std::make_unique<big_type>();
  big->reserve(small_.size() + 1);
  for (const element& m : small_)
    big->insert(m.view());
  big->insert(member);  // (before the small set goes: `member` could point into it)
  small_.clear();
  become_big(std::move(big));
  return true;
}

bool set_value::erase(std::string_view member) {
  return big() ? big()->erase(member) : small_.erase(member);
}

// ---- hash --------------------------------------------------------------------------------------

hash_value::hash_value(std::initializer_list<pair> pairs) {
  for (const auto& [f, v] : pairs)
    insert_or_assign(f, v);
}

std::optional<element> hash_value::get(std::string_view field) const {
  if (big()) {
    const field_table::node* n = big()->find(field);
    if (!n)
      return std::nullopt;
    return element(field_table::second(n));
  }
  auto it = small_.find(field, 2);
  if (it == small_.end())
    return std::nullopt;
  return *++it;
}

bool hash_value::insert_or_assign(std::string_view field, std::string_view val) {
  if (!big()) {
    if (small_.owns(field) || small_.owns(val))  // views into the listpack: copy them first
      return insert_or_assign(std::string(field), std::string(val));
    auto it = small_.find(field, 2);
    if (it != small_.end()) {
      if (fits_packed(val)) {
        small_.replace(++it, val);
        return false;
      }
    } else if (size() < limits::hash_entries && fits_packed(field) && fits_packed(val)) {
      small_.push_back(field);
      small_.push_back(val);
      return true;
    }
    make_big();
  }
  return big()->assign(field, val);
}

bool hash_value::insert(std::string_view field, std::string_view val) {
  return !contains(field) && insert_or_assign(field, val);
}

bool hash_value::erase(std::string_view field) {
  return big() ? big()->erase(field) : erase_packed(field, 2);
}

void hash_value::make_big() {
  auto big = std::make_unique<big_type>();
  big->reserve(size() + 1);
  for (const auto& [f, v] : *this)
    big->insert(f.view(), v.view());
  small_.clear();
  become_big(std::move(big));
}

// ---- sorted set --------------------------------------------------------------------------------

zset_entry zset_entries::from_small(listpack::iterator p) {
  zset_entry e{*p, 0};
  const element score = *++p;
  if (score.is_int())
    e.score = static_cast<double>(score.as_int());
  else
    parse_score(score.view(), e.score);  // checked when it was stored
  return e;
}

std::optional<double> zset_value::score(std::string_view member) const {
  if (big()) {
    const zset_index::node* n = big()->find(member);
    if (!n)
      return std::nullopt;
    return zset_index::score(n);
  }
  auto it = small_.find(member, 2);
  if (it == small_.end())
    return std::nullopt;
  return zset_entries::from_small(it).score;
}

bool zset_value::insert(std::string_view member, double score) {
  if (!big()) {
    if (small_.owns(member))
      return insert(std::string(member), score);
    auto it = small_.find(member, 2);
    const bool added = it == small_.end();
    if (!added) {
      if (zset_entries::from_small(it).score == score)
        return false;
      small_.erase(small_.erase(it));
    } else if (size() >= limits::zset_entries || member.size() > limits::zset_value) {
      make_big();
      return insert(member, score);
    }
    // Before the first pair that sorts after (score, member).
    auto pos = small_.begin();
    for (; pos != small_.end(); std::advance(pos, 2)) {
      const zset_entry e = zset_entries::from_small(pos);
      if (e.score > score || (e.score == score && e.member.view() > member))
        break;
    }
    char text[32];
    pos = small_.insert(pos, member);
    small_.insert(++pos, std::string_view(text, format_score(score, text)));
    return added;
  }
  if (const zset_index::node* n = big()->find(member)) {
    if (zset_index::score(n) != score)
      big()->update(n, score);
    return false;
  }
  big()->insert(member, score);
  return true;
}

bool zset_value::erase(std::string_view member) {
  if (big()) {
    const zset_index::node* n = big()->find(member);
    if (n)
      big()->erase(n);
    return n != nullptr;
  }
  return erase_packed(member, 2);
}

std::optional<size_t> zset_value::rank(std::string_view member) const {
  if (big()) {
    const zset_index::node* n = big()->find(member);
    if (!n)
      return std::nullopt;
    return big()->rank(n);
  }
  size_t r = 0;
  for (auto it = small_.begin(); it != small_.end(); std::advance(it, 2), ++r)
    if (*it == member)
      return r;
  return std::nullopt;
}

zset_value::iterator zset_value::at(size_t rank) const {
  if (big())
    return iterator(big()->at(rank));
  auto it = small_.begin();
  std::advance(it, 2 * rank);
  return iterator(it);
}

void zset_value::make_big() {
  auto big = std::make_unique<big_type>();
  for (const zset_entry& e : *this)
    big->insert(e.member.view(), e.score);
  small_.clear();
  become_big(std::move(big));
}

}  // namespace credis
