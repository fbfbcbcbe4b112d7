// The Redis version credis answers as (INFO, HELLO, RDB files, --version), in one place.
#pragma once

#include <string>
#include <string_view>

namespace credis {

inline constexpr std::string_view redis_version = "7.0.15";

// A build id as INFO's redis_build_id and --version print it (hex, from the version and the
// compiler: stable across builds of the same source with the same compiler).
std::string build_id();

// redis-server's --version line: "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0
// bits=64 build=<id>", which scripts and tools parse.
std::string version_line();

}  // namespace credis
