// Case handling for command names and options, which Redis matches case-insensitively.
#pragma once

#include <string>
#include <string_view>

namespace credis {

// ASCII lower case, what std::tolower does in the "C" locale the server runs in, without its
// locale lookup: every request's name and options go through it.
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// True when `a` equals `lower` ignoring case; `lower` must already be lower case.
inline bool iequals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != lower[i])
      return false;
  return true;
}

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = ascii_lower(c);
  return out;
}

}  // namespace credis
