// redis.conf's syntax, read as redis-server reads it: one directive per line, '#' comments,
// words split as sdssplitargs does (double quotes with \n \r \t \b \a \\ \" \xHH escapes,
// single quotes with \'), `include <path or glob>` read in place. The command line's options
// become lines of the same text (`--port 7000` is `port "7000"`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/server_state.hpp"

namespace credis {

// A line without the blanks around it (spaces, tabs, a '\r' before its '\n').
std::string_view trim_config_line(std::string_view line);

// The words of one line; false on unbalanced quotes.
bool split_config_line(std::string_view line, std::vector<std::string>& words);

// redis-server's command line after the config file (`--name value ...`) as config lines.
std::string options_as_config_text(const std::vector<std::string>& args);

struct config_error {
  std::string file;  // the file the line is in; empty for the command line
  int line = 0;
  std::string line_text;
  std::string message;
};

// Redis's report of a bad line ("*** FATAL CONFIG FILE ERROR ***", the line, why).
std::string render_config_error(const config_error& error);

class config_loader {
 public:
  explicit config_loader(server_config& config) : config_(config) {}

  // Applies each line in turn; false at the first that fails (see error()).
  bool apply_text(std::string_view text, const std::string& file = {});
  // Reads and applies a file (a glob with '*', '?' or '[' reads every match, in order).
  bool apply_file(const std::string& path);

  const config_error& error() const { return error_; }

 private:
  bool apply_words(std::vector<std::string>& words);

  server_config& config_;
  config_error error_;
  int depth_ = 0;
  bool save_seen_ = false;  // later `save` lines add to the first one's points
};

}  // namespace credis
