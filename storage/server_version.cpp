#include "storage/server_version.hpp"

#include <cstdint>
#include <cstdio>

#include "storage/memory_usage.hpp"

namespace credis {

std::string build_id() {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (std::string_view part : {redis_version, std::string_view(__VERSION__)})
    for (char c : part)
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char text[17];
  std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(h));
  return text;
}

std::string version_line() {
  return "Redis server v=" + std::string(redis_version) +
         " sha=00000000:0 malloc=" + std::string(allocator_name()) +
         " bits=64 build=" + build_id() + "\n";
}

}  // namespace credis
