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

std::string oom_score_adjuster::apply(const oom_score_setting& setting, bool replica) {
  const std::string failure = "Failed to set current oom_score_adj. Check server logs.";
  int score = 0;
  if (setting.mode != oom_score_mode::no) {
    if (!base_) {
      std::ifstream in(path_);
      int current = 0;
      if (!(in >> current)) {
        spdlog::warn("Unable to read oom_score_adj: {}", std::strerror(errno));
        return failure;
      }
      base_ = current;
    }
    score = setting.values[replica ? 1 : 0];
    if (setting.mode == oom_score_mode::relative)
      score += *base_;
    score = std::clamp(score, -1000, 1000);
  } else if (base_) {
    score = *base_;  // back to the score the process had before
    base_.reset();
  } else {
    return {};
  }
  std::ofstream out(path_);
  out << score << '\n';
  out.flush();
  if (!out) {
    spdlog::warn("Unable to write oom_score_adj: {}", std::strerror(errno));
    return failure;
  }
  return {};
}

}  // namespace credis
