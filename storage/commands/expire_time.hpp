// Turning a command's time argument into an absolute deadline, with Redis's checks.
#pragma once

#include <string_view>

#include "storage/commands/command.hpp"

namespace credis {

enum class time_unit { seconds, milliseconds };

// Parses `arg` (relative to ctx.now unless `absolute`) into an absolute deadline in ms.
// On failure appends Redis's error reply ("not an integer", or "invalid expire time in '<cmd>'
// command") and returns false. `positive_only` rejects values <= 0, as SET and SETEX do.
bool parse_deadline(exec_context& ctx, std::string_view arg, time_unit unit, bool absolute,
                    bool positive_only, std::string_view command_name, unix_ms& deadline);

}  // namespace credis
