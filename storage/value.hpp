// The value stored under a key: a string, list, set, hash or sorted set.
//
// Strings are held inline because they are by far the most common type and the hot path of
// GET/SET; the aggregate types live behind a pointer so an entry stays small.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

namespace credis {

using list_value = std::deque<std::string>;
using set_value = std::unordered_set<std::string>;
using hash_value = std::unordered_map<std::string, std::string>;

// A sorted set: member -> score, plus the (score, member) order Redis iterates in.
class zset_value {
 public:
  // Inserts or updates; returns true when the member is new.
  bool insert(std::string member, double score);
  bool erase(const std::string& member);
  size_t size() const { return scores_.size(); }
  const std::set<std::pair<double, std::string>>& ordered() const { return ordered_; }
  const std::unordered_map<std::string, double>& scores() const { return scores_; }

 private:
  std::unordered_map<std::string, double> scores_;
  std::set<std::pair<double, std::string>> ordered_;
};

enum class value_type : uint8_t { string, list, set, hash, zset };

// Name as TYPE reports it.
std::string_view type_name(value_type t);

class value {
 public:
  value() : v_(std::string{}) {}
  explicit value(std::string s) : v_(std::move(s)) {}
  explicit value(list_value l) : v_(std::make_unique<list_value>(std::move(l))) {}
  explicit value(set_value s) : v_(std::make_unique<set_value>(std::move(s))) {}
  explicit value(hash_value h) : v_(std::make_unique<hash_value>(std::move(h))) {}
  explicit value(zset_value z) : v_(std::make_unique<zset_value>(std::move(z))) {}

  value(value&&) noexcept = default;
  value& operator=(value&&) noexcept = default;

  value_type type() const { return static_cast<value_type>(v_.index()); }

  std::string& str() { return std::get<std::string>(v_); }
  const std::string& str() const { return std::get<std::string>(v_); }
  list_value& list() { return *std::get<1>(v_); }
  const list_value& list() const { return *std::get<1>(v_); }
  set_value& set() { return *std::get<2>(v_); }
  const set_value& set() const { return *std::get<2>(v_); }
  hash_value& hash() { return *std::get<3>(v_); }
  const hash_value& hash() const { return *std::get<3>(v_); }
  zset_value& zset() { return *std::get<4>(v_); }
  const zset_value& zset() const { return *std::get<4>(v_); }

  // A deep copy (values are move-only so that copies are always deliberate).
  value clone() const;

 private:
  std::variant<std::string, std::unique_ptr<list_value>, std::unique_ptr<set_value>,
               std::unique_ptr<hash_value>, std::unique_ptr<zset_value>>
      v_;
};

}  // namespace credis
