// Floats as Redis reads and writes them: long doubles in INCRBYFLOAT and HINCRBYFLOAT, doubles
// in the sorted set commands.
#pragma once

#include <string>
#include <string_view>

namespace credis {

// A string as Redis reads a long double (string2ld): all of it, no leading space, no NaN,
// no overflow.
bool parse_long_double(std::string_view s, long double& out);
// The same for a double (string2d): ZADD's scores, ZUNIONSTORE's weights.
bool parse_double(std::string_view s, double& out);

// As Redis writes a float result for people (ld2string, LD_STR_HUMAN): 17 decimals, trailing
// zeros and a bare point dropped, never "-0".
std::string format_long_double(long double v);

// "%f" without its trailing zeros and a bare point (Redis's trimDoubleString): 99.9, 50.
std::string format_trimmed_double(double v);

}  // namespace credis
