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

// The scores of oom-score-adj-values, by the process they are for.
enum class oom_class { master = 0, replica = 1, background_child = 2 };
inline oom_class server_oom_class(bool replica) {
  return replica ? oom_class::replica : oom_class::master;
}

// Writes the process's score. Before its first change it reads the score the process had,
// which a relative setting adds to and which `no` puts back. `proc` is where /proc is.
class oom_score_adjuster {
 public:
  explicit oom_score_adjuster(std::string proc = "/proc") : proc_(std::move(proc)) {}

  // This process's score, as a master's or a replica's, under `setting`; why it could not be
  // written (the text CONFIG SET gives, the system's reason logged), or empty.
  std::string apply(const oom_score_setting& setting, oom_class role);

  // The score of a child this process forked (a save, a replica's sync), as Redis's children
  // set theirs; nothing under `no`, the child having this process's.
  std::string apply_to_child(const oom_score_setting& setting, int pid);

 private:
  std::optional<int> score_for(const oom_score_setting& setting, oom_class role);
  std::string write(const std::string& path, int score);

  std::string proc_;
  std::optional<int> base_;  // the score before this server changed it, while it has
};

}  // namespace credis
