#include "storage/value.hpp"

namespace credis {

bool zset_value::insert(std::string member, double score) {
  auto it = scores_.find(member);
  if (it != scores_.end()) {
    if (it->second == score)
      return false;
    ordered_.erase({it->second, member});
    it->second = score;
    ordered_.emplace(score, std::move(member));
    return false;
  }
  ordered_.emplace(score, member);
  scores_.emplace(std::move(member), score);
  return true;
}

bool zset_value::erase(const std::string& member) {
  auto it = scores_.find(member);
  if (it == scores_.end())
    return false;
  ordered_.erase({it->second, member});
  scores_.erase(it);
  return true;
}

std::string_view type_name(value_type t) {
  switch (t) {
    case value_type::string: return "string";
    case value_type::list: return "list";
    case value_type::set: return "set";
    case value_type::hash: return "hash";
    case value_type::zset: return "zset";
  }
  return "none";
}

value value::clone() const {
  switch (type()) {
    case value_type::string: return value(str());
    case value_type::list: return value(list());
    case value_type::set: return value(set());
    case value_type::hash: return value(hash());
    case value_type::zset: return value(zset());
  }
  return value();
}

}  // namespace credis
