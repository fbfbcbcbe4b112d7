// Everything the keyspace keeps for scripts: EVAL's cache, FUNCTION's libraries, and what the
// connections see of a script that runs long.
#pragma once

#include <memory>

#include "storage/scripting/function_libraries.hpp"
#include "storage/scripting/script_cache.hpp"
#include "storage/scripting/script_watch.hpp"

namespace credis {

struct scripting {
  script_cache scripts;
  function_libraries functions;
  std::shared_ptr<script_watch> watch = std::make_shared<script_watch>();
};

// The libraries a snapshot includes: none where there is no scripting (unit tests).
inline const function_libraries* functions_of(const scripting* s) {
  return s ? &s->functions : nullptr;
}

}  // namespace credis
