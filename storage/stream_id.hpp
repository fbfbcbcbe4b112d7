// A stream entry's ID, <ms>-<seq>: two unsigned 64-bit numbers, ordered as a pair.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace credis {

struct stream_id {
  uint64_t ms = 0, seq = 0;

  auto operator<=>(const stream_id&) const = default;
  static constexpr stream_id max() { return {UINT64_MAX, UINT64_MAX}; }
  bool is_zero() const { return ms == 0 && seq == 0; }
  // The next ID; false (and 0-0) past the last possible one.
  bool increment();
  // The previous ID; false (and the last possible one) before 0-0.
  bool decrement();
  std::string str() const;
  void append_to(std::string& out) const;
};

// Parses an ID as Redis's streamGenericParseIDOrReply: "<ms>-<seq>", or "<ms>" with
// `missing_seq` as its sequence; "-" and "+" (0-0 and the maximum) unless `strict`; and, when
// `seq_given` is not null, "<ms>-*", which sets it false (true otherwise).
bool parse_stream_id(std::string_view s, stream_id& id, uint64_t missing_seq, bool strict,
                     bool* seq_given = nullptr);

}  // namespace credis
