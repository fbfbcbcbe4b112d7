// The flags a script declares (Redis 7.0's scripts_flags_def): on an EVAL script's shebang line
// (`#!lua flags=no-writes,allow-stale`) or a function's registration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace credis {

enum script_flag : uint32_t {
  script_no_writes = 1u << 0,
  script_allow_oom = 1u << 1,
  script_allow_stale = 1u << 2,
  script_no_cluster = 1u << 3,
  script_allow_cross_slot = 1u << 4,
  // An EVAL script without a shebang: Redis 6's rules (it may write, and is checked per call).
  script_eval_compat = 1u << 5,
};

// The flag a name declares, or 0 for an unknown name.
uint32_t script_flag_named(std::string_view name);
// The names of `flags`, in Redis's order (FUNCTION LIST).
std::vector<std::string_view> script_flag_names(uint32_t flags);

struct shebang {
  uint32_t flags = script_eval_compat;
  size_t length = 0;  // the bytes of the shebang line, without its newline
};

// The shebang of an EVAL body: none leaves it in compat mode; otherwise an error in Redis's
// words ("Unexpected engine in script shebang: python", ...) or its flags.
bool parse_shebang(std::string_view body, shebang& out, std::string& error);

}  // namespace credis
