// oom-score-adj and oom-score-adj-values: the score the kernel's OOM killer gives this process
// (Redis's setOOMScoreAdj), written to /proc/self/oom_score_adj.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace credis {

enum class oom_score_mode { no, relative, absolute };

// The values for a master, a replica and a background child, in [-2000, 2000].
using oom_score_values = std::array<int, 3>;

struct oom_score_setting {
  oom_score_mode mode = oom_score_mode::no;
  oom_score_values values = {0, 200, 800};
  bool operator==(const oom_score_setting&) const = default;
};

std::optional<oom_score_mode> parse_oom_score_mode(std::string_view text);
std::string_view oom_score_mode_name(oom_score_mode mode);  // "relative" reads back as "yes"

// Three integers in [-2000, 2000]; the error text as Redis gives it, or empty.
std::string parse_oom_score_values(std::string_view text, oom_score_values& values);
std::string format_oom_score_values(const oom_score_values& values);

// Writes the process's score. Before its first change it reads the score the process had,
// which a relative setting adds to and which `no` puts back.
class oom_score_adjuster {
 public:
  explicit oom_score_adjuster(std::string path = "/proc/self/oom_score_adj")
      : path_(std::move(path)) {}

  // The score for a master, or a replica, under `setting`; why it could not be written (the
  // text CONFIG SET gives, the system's reason logged), or empty.
  std::string apply(const oom_score_setting& setting, bool replica);

 private:
  std::string path_;
  std::optional<int> base_;  // the score before this server changed it, while it has
};

}  // namespace credis
