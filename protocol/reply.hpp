// RESP2 reply encoding: every function appends one reply (or an array header) to `out`, so a
// whole batch of replies accumulates in one buffer that goes out in one write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace credis::reply {

void simple(std::string& out, std::string_view s);       // +s
void error(std::string& out, std::string_view msg);      // -msg (msg includes "ERR ..." prefix)
void integer(std::string& out, int64_t v);               // :v
void bulk(std::string& out, std::string_view s);         // $len s
void bulk_header(std::string& out, size_t len);          // $len, for data sent apart
void null_bulk(std::string& out);                        // $-1
void array_header(std::string& out, int64_t n);          // *n
void null_array(std::string& out);                       // *-1
void ok(std::string& out);                               // +OK
void bulk_double(std::string& out, double v);            // $len "%.17g" (inf, -inf): Redis's addReplyDouble

}  // namespace credis::reply
