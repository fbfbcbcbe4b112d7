// EVAL's scripts (Redis's lua_scripts dict): each body compiled once, kept by its SHA1 until
// SCRIPT FLUSH, which starts a fresh interpreter.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/scripting/lua_engine.hpp"
#include "storage/scripting/script_flags.hpp"

namespace credis {

struct cached_script {
  std::string body;
  uint32_t flags = script_eval_compat;
  int ref = 0;  // the compiled function in the engine
};

class script_cache {
 public:
  script_cache();

  // EVAL and SCRIPT LOAD: the script for `body`, compiled if it is new; null with Redis's
  // error (a bad shebang, a syntax error) in `error`.
  const cached_script* add(std::string_view body, std::string& sha, std::string& error);
  // EVALSHA: by its SHA1 in either case; null when not cached.
  const cached_script* find(std::string_view sha) const;
  // SCRIPT FLUSH.
  void flush();

  lua_engine& engine() { return *engine_; }
  size_t size() const { return scripts_.size(); }
  // What INFO's used_memory_scripts_eval counts: the bodies and keys kept.
  size_t memory() const { return memory_; }

 private:
  std::unique_ptr<lua_engine> engine_;
  std::unordered_map<std::string, cached_script> scripts_;  // by lower-case SHA1
  size_t memory_ = 0;
};

}  // namespace credis
