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
  // Libraries from an RDB or a DUMP payload, one after the other without a time limit (they
  // were accepted once already); false with the first failure's error, those before it
  // loaded.
  bool load_all(const std::vector<std::string>& codes, bool replace, std::string& error);
  // FUNCTION RESTORE APPEND/REPLACE (Redis's libraryJoin): `incoming`'s libraries join these;
  // a library of the same name is an error, or replaced with `replace`; a function name
  // taken by a library that stays is an error. All or nothing: on an error nothing changed.
  bool join(function_libraries&& incoming, bool replace, std::string& error);
  // Every library's code, by name (RDB, FUNCTION DUMP).
  std::vector<std::string> codes() const;

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
  // What INFO's used_memory_functions counts: the libraries' code and names kept.
  size_t memory() const;
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
