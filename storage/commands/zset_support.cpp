#include "storage/commands/zset_support.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace credis {

namespace {

// One score bound as Redis's zslParseRange reads it: strtod over the text after an optional
// "(", which must take all of it ("" is 0, leading space is allowed) and not give NaN.
bool parse_score_bound(std::string_view arg, double& value, bool& exclusive) {
  exclusive = !arg.empty() && arg[0] == '(';
  const std::string text(exclusive ? arg.substr(1) : arg);
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && !std::isnan(value);
}

bool parse_lex_bound(std::string_view arg, lex_bound& out) {
  if (arg == "+" || arg == "-") {
    out.kind = arg == "+" ? lex_bound::plus_infinity : lex_bound::minus_infinity;
    return true;
  }
  if (arg.empty() || (arg[0] != '(' && arg[0] != '['))
    return false;
  out = {lex_bound::text, arg.substr(1), arg[0] == '('};
  return true;
}

}  // namespace

bool parse_score_range(std::string_view min, std::string_view max, score_range& out) {
  return parse_score_bound(min, out.min, out.min_exclusive) &&
         parse_score_bound(max, out.max, out.max_exclusive);
}

bool parse_lex_range(std::string_view min, std::string_view max, lex_range& out) {
  return parse_lex_bound(min, out.min) && parse_lex_bound(max, out.max);
}

}  // namespace credis
