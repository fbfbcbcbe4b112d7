// Reply encoding, RESP2 or RESP3: every function appends one reply (or an aggregate's header)
// to `out`, so a whole batch of replies accumulates in one buffer that goes out in one write.
//
// The protocol is the client's (HELLO's protover), set for the thread by a protocol_scope
// around the code that replies to that client; the functions whose RESP3 form differs (null,
// map, set, double, boolean, push, verbatim) write it then, and commands write each reply
// once, for both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace credis::reply {

// The protocol replies are written in: 2 or 3.
int protocol();

// Sets the protocol for the replies written while it lives.
class protocol_scope {
 public:
  explicit protocol_scope(int version);
  ~protocol_scope();
  protocol_scope(const protocol_scope&) = delete;
  protocol_scope& operator=(const protocol_scope&) = delete;

 private:
  int saved_;
};

void simple(std::string& out, std::string_view s);       // +s
void error(std::string& out, std::string_view msg);      // -msg (msg includes "ERR ..." prefix)
void integer(std::string& out, int64_t v);               // :v
void bulk(std::string& out, std::string_view s);         // $len s
void bulk_header(std::string& out, size_t len);          // $len, for data sent apart
void array_header(std::string& out, int64_t n);          // *n
void ok(std::string& out);                               // +OK
void null_bulk(std::string& out);                        // $-1, RESP3 _
void null_array(std::string& out);                       // *-1, RESP3 _
// The bytes null_bulk() writes (for replies chosen before a command runs).
std::string_view null_bulk_text();
// A map of `pairs` key-value pairs: RESP2 a flat array of 2 * pairs, RESP3 %pairs.
void map_header(std::string& out, int64_t pairs);
// A set: RESP2 an array, RESP3 ~n.
void set_header(std::string& out, int64_t n);
// Out-of-band data (Pub/Sub): RESP2 an array, RESP3 >n.
void push_header(std::string& out, int64_t n);
// A double as Redis's addReplyDouble: RESP2 a bulk "%.17g" (inf, -inf), RESP3 ,%.17g.
void bulk_double(std::string& out, double v);
// `n` pairs (member and score, field and value): RESP2 one flat array of 2n, RESP3 an array
// of n arrays of two, each opened by pair_header().
void pairs_header(std::string& out, int64_t n);
void pair_header(std::string& out);
// RESP2 :1/:0, RESP3 #t/#f.
void boolean(std::string& out, bool v);
// Text for humans (INFO, CLIENT INFO): RESP2 a bulk, RESP3 =len txt:...
void verbatim(std::string& out, std::string_view text);

// Appends `frames` (arrays of bulk strings, such as Pub/Sub messages, one after another) with
// each top-level array made a RESP3 push (">" for "*").
void as_push(std::string& out, std::string_view frames);

}  // namespace credis::reply
