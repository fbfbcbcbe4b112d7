// FUNCTION's libraries (Redis's functions.c): each a named piece of Lua code whose loading
// registers functions, kept with the dataset (RDB, FUNCTION DUMP/RESTORE) and called by FCALL.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/scripting/lua_engine.hpp"

namespace credis {

struct function_library {
  std::string name;
  std::string code;  // as FUNCTION LOAD got it, shebang line included
  std::vector<registered_function> functions;
};

class function_libraries {
 public:
  function_libraries();

  // FUNCTION LOAD [REPLACE]: the library's name, or empty with Redis's error in `error`.
  // Library code running longer than `timeout_ms` (0: no limit) is stopped.
  std::string load(std::string_view code, bool replace, int64_t timeout_ms, std::string& error);
  // FUNCTION DELETE: false when there is no such library.
  bool remove(std::string_view name);
  // FUNCTION FLUSH, and FUNCTION RESTORE FLUSH.
  void flush();

  struct function_ref {
    const registered_function* function;
    const function_library* library;
  };
  // FCALL: the function of that name (in any case, as Redis); null function when none.
  function_ref find_function(std::string_view name) const;

  // By name, in order (FUNCTION LIST, DUMP, RDB).
  const std::map<std::string, function_library, std::less<>>& libraries() const {
    return libraries_;
  }
  size_t function_count() const;
  lua_engine& engine() { return *engine_; }

 private:
  void release(function_library& library);
  void rebuild_index();

  std::unique_ptr<lua_engine> engine_;
  std::map<std::string, function_library, std::less<>> libraries_;
  std::unordered_map<std::string, function_ref> by_name_;  // lower-case name -> libraries_
};

// A library's name from its shebang ("#!lua name=mylib"), with Redis's errors.
bool library_metadata(std::string_view code, std::string& name, std::string& error);

}  // namespace credis
