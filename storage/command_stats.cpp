#include "storage/command_stats.hpp"

namespace credis {

void command_stats::count_error(std::string_view reply) {
  if (!is_error(reply))
    return;
  ++total_errors_;
  // The code is the first word when a space ends it within 32 bytes, else ERR (Redis's
  // afterErrorReply).
  const size_t space = reply.substr(0, 32).find(' ');
  const std::string_view code =
      space == std::string_view::npos ? std::string_view("ERR") : reply.substr(1, space - 1);
  auto it = errors_.find(code);
  if (it == errors_.end())
    it = errors_.emplace(std::string(code), 0).first;
  ++it->second;
}

void command_stats::for_each_command(
    const std::function<void(size_t, const command_counters&)>& f) const {
  for (size_t i = 0; i < commands_.size(); ++i) {
    const command_counters& c = commands_[i];
    if (c.calls || c.rejected || c.failed)
      f(i, c);
  }
}

void command_stats::reset() {
  commands_.clear();
  errors_.clear();
  total_errors_ = 0;
}

}  // namespace credis
