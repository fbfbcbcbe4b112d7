// Glob-style matching with Redis's semantics (util.c stringmatchlen), used by KEYS, SCAN MATCH
// and CONFIG GET: '*' any run, '?' any byte, '[abc]', '[^a]', '[a-z]' classes, '\x' escapes.
#pragma once

#include <string_view>

namespace credis {

// True when `pattern` has a character glob_match treats specially ('*', '?', '[').
inline bool has_glob_chars(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace credis
