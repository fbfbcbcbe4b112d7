#include "protocol/reply.hpp"

#include <cmath>
#include <cstdio>

#include "protocol/integers.hpp"

namespace credis::reply {

namespace {

thread_local int current_protocol = 2;

bool resp3() { return current_protocol == 3; }

void header(std::string& out, char type, int64_t n) {
  out.push_back(type);
  append_int64(out, n);
  out.append("\r\n", 2);
}

}  // namespace

int protocol() { return current_protocol; }

protocol_scope::protocol_scope(int version) : saved_(current_protocol) {
  current_protocol = version;
}

protocol_scope::~protocol_scope() { current_protocol = saved_; }

void simple(std::string& out, std::string_view s) {
  out.push_back('+');
  out.append(s);
  out.append("\r\n", 2);
}

void error(std::string& out, std::string_view msg) {
  out.push_back('-');
  out.append(msg);
  out.append("\r\n", 2);
}

void integer(std::string& out, int64_t v) { header(out, ':', v); }

void bulk(std::string& out, std::string_view s) {
  header(out, '$', static_cast<int64_t>(s.size()));
  out.append(s);
  out.append("\r\n", 2);
}

void bulk_header(std::string& out, size_t len) {
  header(out, '$', static_cast<int64_t>(len));
}

std::string_view null_bulk_text() { return resp3() ? "_\r\n" : "$-1\r\n"; }

void null_bulk(std::string& out) { out.append(null_bulk_text()); }

void array_header(std::string& out, int64_t n) { header(out, '*', n); }

void null_array(std::string& out) { out.append(resp3() ? "_\r\n" : "*-1\r\n"); }

void map_header(std::string& out, int64_t pairs) {
  resp3() ? header(out, '%', pairs) : header(out, '*', 2 * pairs);
}

void set_header(std::string& out, int64_t n) { header(out, resp3() ? '~' : '*', n); }

void pairs_header(std::string& out, int64_t n) { header(out, '*', resp3() ? n : 2 * n); }

void pair_header(std::string& out) {
  if (resp3())
    out.append("*2\r\n", 4);
}

void push_header(std::string& out, int64_t n) { header(out, resp3() ? '>' : '*', n); }

void boolean(std::string& out, bool v) {
  if (resp3())
    out.append(v ? "#t\r\n" : "#f\r\n");
  else
    out.append(v ? ":1\r\n" : ":0\r\n");
}

void verbatim(std::string& out, std::string_view text) {
  if (!resp3()) {
    bulk(out, text);
    return;
  }
  header(out, '=', static_cast<int64_t>(text.size() + 4));
  out.append("txt:");
  out.append(text);
  out.append("\r\n", 2);
}

void ok(std::string& out) { out.append("+OK\r\n", 5); }

void bulk_double(std::string& out, double v) {
  char buf[64];
  int n;
  if (std::isinf(v))
    n = std::snprintf(buf, sizeof(buf), "%s", v > 0 ? "inf" : "-inf");
  else
    n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  const std::string_view text(buf, static_cast<size_t>(n));
  if (!resp3()) {
    bulk(out, text);
    return;
  }
  out.push_back(',');
  out.append(text);
  out.append("\r\n", 2);
}

void as_push(std::string& out, std::string_view frames) {
  size_t at = out.size();
  out.append(frames);
  // Each frame: "*N\r\n" then N items "$len\r\n<len bytes>\r\n" (or ":n\r\n").
  while (at < out.size() && out[at] == '*') {
    out[at] = '>';
    const size_t eol = out.find("\r\n", at);
    if (eol == std::string::npos)
      return;
    int64_t items = 0;
    if (!parse_int64(std::string_view(out).substr(at + 1, eol - at - 1), items))
      return;
    at = eol + 2;
    for (int64_t i = 0; i < items && at < out.size(); ++i) {
      const size_t line_end = out.find("\r\n", at);
      if (line_end == std::string::npos)
        return;
      int64_t len = 0;
      if (out[at] == '$' &&
          parse_int64(std::string_view(out).substr(at + 1, line_end - at - 1), len) && len >= 0)
        at = line_end + 2 + static_cast<size_t>(len) + 2;
      else
        at = line_end + 2;
    }
  }
}

}  // namespace credis::reply
