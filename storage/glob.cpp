#include "storage/glob.hpp"

#include <cctype>

namespace credis {

namespace {

char fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches the class starting after '[' at p[i]; advances i to the closing ']' (or the end of
// the pattern when unterminated, as Redis does) and returns whether `c` is in the class.
bool match_class(std::string_view p, size_t& i, char c, bool nocase) {
  bool negate = i < p.size() && p[i] == '^';
  if (negate)
    ++i;
  bool found = false;
  for (; i < p.size() && p[i] != ']'; ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      ++i;
      if (fold(p[i], nocase) == fold(c, nocase))
        found = true;
    } else if (i + 2 < p.size() && p[i + 1] == '-') {
      char lo = fold(p[i], nocase), hi = fold(p[i + 2], nocase), x = fold(c, nocase);
      if (lo > hi)
        std::swap(lo, hi);
      if (x >= lo && x <= hi)
        found = true;
      i += 2;
    } else if (fold(p[i], nocase) == fold(c, nocase)) {
      found = true;
    }
  }
  if (i >= p.size())
    i = p.size() - 1;  // unterminated class: the pattern ends here
  return negate ? !found : found;
}

// Matches the single-byte token at p[i] ('?', a class, an escape or a literal) against `c`;
// on success sets `next` to the index after the token.
bool match_token(std::string_view p, size_t i, char c, bool nocase, size_t& next) {
  bool ok;
  if (p[i] == '?') {
    ok = true;
  } else if (p[i] == '[') {
    ++i;
    ok = match_class(p, i, c, nocase);
  } else {
    if (p[i] == '\\' && i + 1 < p.size())
      ++i;
    ok = fold(p[i], nocase) == fold(c, nocase);
  }
  next = i + 1;
  return ok;
}

}  // namespace

// Iterative matching with backtracking to the last '*' only: O(len(p) * len(s)) at worst, so
// a hostile pattern such as "*a*a*a*a*b" cannot make KEYS exponential.
bool glob_match(std::string_view p, std::string_view s, bool nocase) {
  // Redis's stringmatchlen only enters its loop with bytes left to match, so an empty string
  // matches nothing but the empty pattern; KEYS * lists the empty key by a special case.
  if (s.empty())
    return p.empty();
  constexpr size_t none = std::string_view::npos;
  size_t i = 0, j = 0, star = none, star_j = 0;
  while (j < s.size()) {
    if (i < p.size() && p[i] == '*') {
      while (i + 1 < p.size() && p[i + 1] == '*')
        ++i;
      star = i++;
      star_j = j;
      continue;
    }
    size_t next = 0;
    if (i < p.size() && match_token(p, i, s[j], nocase, next)) {
      i = next;
      ++j;
      continue;
    }
    if (star == none)
      return false;
    i = star + 1;
    j = ++star_j;
  }
  while (i < p.size() && p[i] == '*')
    ++i;
  return i == p.size();
}

}  // namespace credis
