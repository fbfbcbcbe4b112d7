// Case handling for command names and options, which Redis matches case-insensitively.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace credis {

// True when `a` equals `lower` ignoring case; `lower` must already be lower case.
inline bool iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i])
      return false;
  return true;
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace credis
