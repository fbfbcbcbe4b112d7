// The command line, parsed with Boost.Program_options into the server's configuration using
// redis-server's own flag names.
#pragma once

#include <string>

#include "storage/server_state.hpp"

namespace credis {

struct parsed_options {
  bool ok = false;
  bool help = false;
  std::string message;  // the help text, or why the command line was rejected
  server_config config;
};

parsed_options parse_options(int argc, char** argv);

// Checks a `save` value: "" or pairs of "<seconds> <changes>"; returns it normalised.
bool parse_save_points(const std::string& value, std::string& normalised);

}  // namespace credis
