#include "storage/config/oom_score.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#include "protocol/integers.hpp"
#include "storage/commands/text.hpp"
#include "storage/config/config_table.hpp"

namespace credis {

std::optional<oom_score_mode> parse_oom_score_mode(std::string_view text) {
  if (iequals(text, "no"))
    return oom_score_mode::no;
  if (iequals(text, "yes") || iequals(text, "relative"))
    return oom_score_mode::relative;
  if (iequals(text, "absolute"))
    return oom_score_mode::absolute;
  return std::nullopt;
}

std::string_view oom_score_mode_name(oom_score_mode mode) {
  switch (mode) {
    case oom_score_mode::relative:
      return "yes";
    case oom_score_mode::absolute:
      return "absolute";
    default:
      return "no";
  }
}

std::string parse_oom_score_values(std::string_view text, oom_score_values& values) {
  auto words = words_of(text);
  if (words.size() != values.size())
    return "wrong number of arguments";
  oom_score_values parsed{};
  for (size_t i = 0; i < words.size(); ++i) {
    int64_t n = 0;
    if (!parse_int64(words[i], n) || n < -2000 || n > 2000)
      return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    parsed[i] = static_cast<int>(n);
  }
  // As Redis: kept, though a process without privileges may not be able to lower its score.
  if (parsed[1] < parsed[0] || parsed[2] < parsed[1])
    spdlog::warn(
        "The oom-score-adj-values configuration may not work for non-privileged "
        "processes! Please consult the documentation.");
  values = parsed;
  return {};
}

std::string format_oom_score_values(const oom_score_values& values) {
  return std::to_string(values[0]) + " " + std::to_string(values[1]) + " " +
         std::to_string(values[2]);
}

namespace {
constexpr std::string_view write_failure =
    "Failed to set current oom_score_adj. Check server logs.";
}  // namespace

// The score `setting` gives `role`, reading the base on the first change; none when the base
// cannot be read.
std::optional<int> oom_score_adjuster::score_for(const oom_score_setting& setting, oom_class role) {
  if (!base_) {
    std::ifstream in(proc_ + "/self/oom_score_adj");
    int current = 0;
    if (!(in >> current)) {
      spdlog::warn("Unable to read oom_score_adj: {}", std::strerror(errno));
      return std::nullopt;
    }
    base_ = current;
  }
  int score = setting.values[static_cast<int>(role)];
  if (setting.mode == oom_score_mode::relative)
    score += *base_;
  return std::clamp(score, -1000, 1000);
}

std::string oom_score_adjuster::write(const std::string& path, int score) {
  std::ofstream out(path);
  out << score << '\n';
  out.flush();
  if (!out) {
    spdlog::warn("Unable to write oom_score_adj: {}", std::strerror(errno));
    return std::string(write_failure);
  }
  return {};
}

std::string oom_score_adjuster::apply(const oom_score_setting& setting, oom_class role) {
  const std::string self = proc_ + "/self/oom_score_adj";
  if (setting.mode == oom_score_mode::no) {
    if (!base_)
      return {};
    const int original = *base_;  // back to the score the process had before
    base_.reset();
    return write(self, original);
  }
  auto score = score_for(setting, role);
  return score ? write(self, *score) : std::string(write_failure);
}

std::string oom_score_adjuster::apply_to_child(const oom_score_setting& setting, int pid) {
  if (setting.mode == oom_score_mode::no)
    return {};
  auto score = score_for(setting, oom_class::background_child);
  if (!score)
    return std::string(write_failure);
  return write(proc_ + "/" + std::to_string(pid) + "/oom_score_adj", *score);
}

}  // namespace credis
