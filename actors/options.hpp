// The command line, read as redis-server reads it: `credis-server [/path/to/redis.conf]
// [--name value ...]`, where every option is a config directive applied after the file's
// (storage/config). Boost.Program_options renders the --help text.
#pragma once

#include <string>

#include "storage/server_state.hpp"

namespace credis {

struct parsed_options {
  bool ok = false;
  bool help = false;  // --help or --version: print `message` and exit 0
  std::string message;  // the help text, or why the configuration was refused
  server_config config;
};

parsed_options parse_options(int argc, char** argv);

}  // namespace credis
