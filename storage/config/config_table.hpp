// The server's parameters as redis.conf, the command line and CONFIG GET/SET name them: one
// declaration each (Redis's config.c table), so the three read and write them alike.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/config/config_apply.hpp"
#include "storage/server_state.hpp"

namespace credis {

enum config_flags : unsigned {
  config_immutable = 1,   // set at start-up only: CONFIG SET refuses it
  config_multi_word = 2,  // several words on a config line ("save 900 1"), one CONFIG SET value
  config_memory = 4,      // a size in bytes: CONFIG REWRITE writes it as 1gb, 64mb, 16kb
  config_text = 8,        // a free string: CONFIG REWRITE quotes it
  // Redis changes it at run time, credis only at start-up: CONFIG SET takes its current value
  // alone (changing nothing), and says so for another.
  config_restart_only = 16,
  config_hidden = 32,  // CONFIG GET shows it when named, not for a pattern (Redis's test knobs)
};

struct config_parameter {
  std::string_view name;
  unsigned flags = 0;
  std::function<std::string(const server_config&)> get;
  // Takes the value, or says why not in Redis's words (left unchanged then).
  std::function<std::string(server_config&, std::string_view)> set;
  std::string_view alias = {};
  // The default, for a parameter held outside server_config (server_config{} has the others').
  std::string_view held_default = {};
  // What a new value changes outside the configuration once CONFIG SET has taken every value.
  config_effect effect = config_effect::none;
};

std::span<const config_parameter> config_parameters();

// Its value when nothing set it.
std::string default_value(const config_parameter& p);

// By name or alias, any case; null when unknown.
const config_parameter* find_config_parameter(std::string_view name);

// Why the configuration asks for a feature credis does not have (appendonly yes, ...), or
// empty. Checked once every line is read, so that an option can undo a file's line.
std::string unsupported_setting(const server_config& config);
// The same for one parameter (CONFIG SET): why its value cannot be had, or empty.
std::string unsupported_value(std::string_view name, const server_config& config);

// A multi-word value's words ("900 1 300 10"), split at spaces.
std::vector<std::string_view> words_of(std::string_view text);

// A `save` value: "" or pairs of "<seconds> <changes>"; gives it with single spaces.
bool parse_save_points(std::string_view value, std::string& normalised);

// A `replicaof` value: "<host> <port>".
bool parse_replicaof(std::string_view value, std::string& host, uint16_t& port);

// A client-output-buffer-limit value ("normal 0 0 0 replica 256mb 64mb 60 ..."): the classes
// named are changed, the others kept. False on a malformed value.
bool parse_output_buffer_limits(std::string_view text, output_buffer_limits& limits);
std::string render_output_buffer_limits(const output_buffer_limits& limits);

}  // namespace credis
