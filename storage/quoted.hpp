// A byte string in double quotes with C escapes (\n, \", \x01...), as Redis's sdscatrepr
// writes it: MONITOR's lines, and config file words that a config parser reads back whole.
#pragma once

#include <string>
#include <string_view>

namespace credis {

std::string quoted_repr(std::string_view word);

}  // namespace credis
