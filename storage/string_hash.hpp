// Hash and equality for standard containers keyed by strings, so that lookups take
// string_views without a copy.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "storage/keyed_hash.hpp"

namespace credis {

struct string_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return keyed_hash(s); }
};

using string_set = std::unordered_set<std::string, string_hash, std::equal_to<>>;

}  // namespace credis
