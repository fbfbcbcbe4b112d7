#include "protocol/reply.hpp"

#include <cmath>
#include <cstdio>

#include "protocol/integers.hpp"

namespace credis::reply {

namespace {

void header(std::string& out, char type, int64_t n) {
  out.push_back(type);
  append_int64(out, n);
  out.append("\r\n", 2);
}

}  // namespace

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

void null_bulk(std::string& out) { out.append("$-1\r\n", 5); }

void array_header(std::string& out, int64_t n) { header(out, '*', n); }

void null_array(std::string& out) { out.append("*-1\r\n", 5); }

void ok(std::string& out) { out.append("+OK\r\n", 5); }

void bulk_double(std::string& out, double v) {
  char buf[64];
  int n;
  if (std::isinf(v))
    n = std::snprintf(buf, sizeof(buf), "%s", v > 0 ? "inf" : "-inf");
  else
    n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  bulk(out, std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace credis::reply
