#include "storage/scripting/function_libraries.hpp"

#include <algorithm>
#include <cctype>
#include <strings.h>

#include "storage/config/config_file.hpp"

namespace credis {

namespace {

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Redis's function names dict compares without case (functionDictType).
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::string_view bad_name =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
    "least one character long";

}  // namespace

bool library_metadata(std::string_view code, std::string& name, std::string& error) {
  if (!code.starts_with("#!")) {
    error = "ERR Missing library metadata";
    return false;
  }
  const size_t end = code.find('\n');
  if (end == std::string_view::npos) {
    error = "ERR Invalid library metadata";
    return false;
  }
  std::vector<std::string> parts;
  if (!split_config_line(code.substr(0, end), parts) || parts.empty()) {
    error = "ERR Invalid library metadata";
    return false;
  }
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (strncasecmp(parts[i].c_str(), "name=", 5) != 0) {
      error = "ERR Invalid metadata value given: " + parts[i];
      return false;
    }
    if (named) {
      error = "ERR Invalid metadata value, name argument was given multiple times";
      return false;
    }
    name = parts[i].substr(5);
    named = true;
  }
  if (!named) {
    error = "ERR Library name was not given";
    return false;
  }
  // Then the name, then the engine, whose name is not case-sensitive (functionsCreateWith-
  // LibraryCtx; the engines dict compares without case).
  if (!valid_name(name)) {
    error = bad_name;
    return false;
  }
  if (strcasecmp(parts[0].c_str(), "#!lua") != 0) {
    error = "ERR Engine '" + parts[0].substr(2) + "' not found";
    return false;
  }
  return true;
}

function_libraries::function_libraries()
    : engine_(std::make_unique<lua_engine>(lua_engine::kind::function)) {}

std::string function_libraries::load(std::string_view code, bool replace, int64_t timeout_ms,
                                     std::string& error) {
  std::string name;
  if (!library_metadata(code, name, error))
    return {};
  const auto old = libraries_.find(name);
  if (old != libraries_.end() && !replace) {
    error = "ERR Library '" + name + "' already exists";
    return {};
  }
  function_library fresh{name, std::string(code), {}};
  // The code after the shebang, its newline kept so that line numbers stay right.
  error = engine_->load_library(code.substr(code.find('\n')), timeout_ms, fresh.functions);
  if (!error.empty())
    return {};
  if (fresh.functions.empty()) {
    error = "ERR No functions registered";
    return {};
  }
  for (const auto& f : fresh.functions) {
    const function_ref other = find_function(f.name);
    if (other.function && other.library->name != name) {
      error = "ERR Function " + f.name + " already exists";
      release(fresh);
      return {};
    }
  }
  if (old != libraries_.end()) {
    release(old->second);
    old->second = std::move(fresh);
  } else {
    libraries_.emplace(name, std::move(fresh));
  }
  rebuild_index();
  return name;
}

void function_libraries::release(function_library& library) {
  for (const auto& f : library.functions)
    engine_->release(f.ref);
  library.functions.clear();
}

bool function_libraries::remove(std::string_view name) {
  const auto it = libraries_.find(name);
  if (it == libraries_.end())
    return false;
  release(it->second);
  libraries_.erase(it);
  rebuild_index();
  return true;
}

void function_libraries::flush() {
  libraries_.clear();
  by_name_.clear();
  engine_ = std::make_unique<lua_engine>(lua_engine::kind::function);
}

bool function_libraries::load_all(const std::vector<std::string>& codes, bool replace,
                                  std::string& error) {
  for (const std::string& code : codes)
    if (load(code, replace, 0, error).empty())
      return false;
  return true;
}

bool function_libraries::join(function_libraries&& incoming, bool replace, std::string& error) {
  for (const auto& [name, lib] : incoming.libraries_) {
    if (!replace && libraries_.contains(name)) {
      error = "ERR Library " + name + " already exists";
      return false;
    }
  }
  for (const auto& [name, lib] : incoming.libraries_) {
    for (const auto& f : lib.functions) {
      const function_ref mine = find_function(f.name);
      if (mine.function && !incoming.libraries_.contains(mine.library->name)) {
        error = "ERR Function " + f.name + " already exists";
        return false;
      }
    }
  }
  // A Lua function cannot move from one interpreter to another: the libraries that stay are
  // loaded again next to the incoming ones, which then take the place of these.
  for (const auto& [name, lib] : libraries_)
    if (!incoming.libraries_.contains(name) && incoming.load(lib.code, false, 0, error).empty())
      return false;
  *this = std::move(incoming);
  return true;
}

std::vector<std::string> function_libraries::codes() const {
  std::vector<std::string> out;
  out.reserve(libraries_.size());
  for (const auto& [name, lib] : libraries_)
    out.push_back(lib.code);
  return out;
}

void function_libraries::rebuild_index() {
  by_name_.clear();
  for (const auto& [lib_name, lib] : libraries_)
    for (const auto& f : lib.functions)
      by_name_.emplace(lower(f.name), function_ref{&f, &lib});
}

function_libraries::function_ref function_libraries::find_function(std::string_view name) const {
  const auto it = by_name_.find(lower(name));
  return it == by_name_.end() ? function_ref{nullptr, nullptr} : it->second;
}

size_t function_libraries::memory() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_) {
    n += name.size() + lib.code.size();
    for (const auto& f : lib.functions)
      n += sizeof f + f.name.size() + f.description.size();
  }
  return n;
}

size_t function_libraries::function_count() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_)
    n += lib.functions.size();
  return n;
}

}  // namespace credis
