// Glob-style matching with Redis's semantics (util.c stringmatchlen), used by KEYS, SCAN MATCH
// and CONFIG GET: '*' any run, '?' any byte, '[abc]', '[^a]', '[a-z]' classes, '\x' escapes.
#pragma once

#include <string_view>

namespace credis {

bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace credis
