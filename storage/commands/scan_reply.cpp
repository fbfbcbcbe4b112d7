#include "storage/commands/scan_reply.hpp"

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/text.hpp"
#include "storage/glob.hpp"

namespace credis {

bool parse_scan_cursor(std::string_view text, uint64_t& cursor) {
  size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    i = 1;
    if (text.size() == 1)
      return false;  // a sign without digits: strtoul parses nothing
  }
  uint64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9')
      return false;
    unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (v > (UINT64_MAX - digit) / 10)
      return false;  // ERANGE
    v = v * 10 + digit;
  }
  cursor = negative ? 0 - v : v;
  return true;
}

bool scan_options::matches(std::string_view name) const {
  return !pattern || glob_match(*pattern, name);
}

bool parse_scan_options(exec_context& ctx, arg_list argv, size_t first, bool with_type,
                        scan_options& out) {
  for (size_t i = first; i < argv.size(); i += 2) {
    if (i + 1 >= argv.size()) {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
    if (iequals(argv[i], "match")) {
      // As KEYS, "*" means everything, the empty name too, which the glob itself does not match.
      if (argv[i + 1] == "*")
        out.pattern.reset();
      else
        out.pattern = argv[i + 1];
    } else if (iequals(argv[i], "count")) {
      if (!parse_int64(argv[i + 1], out.count)) {
        reply::error(ctx.out, errors::not_integer);
        return false;
      }
      if (out.count < 1) {
        reply::error(ctx.out, errors::syntax);
        return false;
      }
    } else if (with_type && iequals(argv[i], "type")) {
      out.type = argv[i + 1];
    } else {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
  }
  return true;
}

void scan_reply::finish(std::string& out, uint64_t next_cursor) const {
  reply::array_header(out, 2);
  std::string next;
  append_uint64(next, next_cursor);  // a hash position: it may use all 64 bits
  reply::bulk(out, next);
  reply::array_header(out, n_);
  out.append(body_);
}

}  // namespace credis
