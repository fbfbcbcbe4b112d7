#include "storage/scripting/script_cache.hpp"

#include <cctype>

namespace credis {

script_cache::script_cache() : engine_(std::make_unique<lua_engine>(lua_engine::kind::eval)) {}

const cached_script* script_cache::add(std::string_view body, std::string& sha,
                                       std::string& error) {
  sha = sha1_hex(body);
  if (auto it = scripts_.find(sha); it != scripts_.end())
    return &it->second;
  shebang header;
  if (!parse_shebang(body, header, error))
    return nullptr;
  const int ref = engine_->compile(body.substr(header.length), error);
  if (!ref)
    return nullptr;
  memory_ += sha.size() + body.size();
  return &scripts_.emplace(sha, cached_script{std::string(body), header.flags, ref}).first->second;
}

const cached_script* script_cache::find(std::string_view sha) const {
  if (sha.size() != 40)
    return nullptr;
  std::string key(sha);
  for (char& c : key)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = scripts_.find(key);
  return it == scripts_.end() ? nullptr : &it->second;
}

void script_cache::flush() {
  scripts_.clear();
  memory_ = 0;
  engine_ = std::make_unique<lua_engine>(lua_engine::kind::eval);
}

}  // namespace credis
