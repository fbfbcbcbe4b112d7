// Long doubles as Redis reads and writes them in INCRBYFLOAT and HINCRBYFLOAT.
#pragma once

#include <string>
#include <string_view>

namespace credis {

// A string as Redis reads a long double (string2ld): all of it, no leading space, no NaN,
// no overflow.
bool parse_long_double(std::string_view s, long double& out);

// As Redis writes a float result for people (ld2string, LD_STR_HUMAN): 17 decimals, trailing
// zeros and a bare point dropped, never "-0".
std::string format_long_double(long double v);

}  // namespace credis
