// Commands on the bits of a string (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP.
// Bit 0 is the most significant bit of the first byte.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/index_range.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

constexpr std::string_view bad_offset = "ERR bit offset is not an integer or out of range";

// A bit offset argument: not negative, and inside proto-max-bulk-len bytes.
bool parse_bit_offset(exec_context& ctx, std::string_view arg, uint64_t& offset) {
  int64_t v = 0;
  if (!parse_int64(arg, v) || v < 0 || (v >> 3) >= ctx.server.config.proto_max_bulk_len) {
    reply::error(ctx.out, bad_offset);
    return false;
  }
  offset = static_cast<uint64_t>(v);
  return true;
}

bool bit_at(std::string_view s, uint64_t bit) {
  uint64_t byte = bit >> 3;
  return byte < s.size() && (static_cast<uint8_t>(s[byte]) >> (7 - (bit & 7))) & 1;
}

// SETBIT key offset 0|1: replies the bit's previous value.
void setbit_command(exec_context& ctx, arg_list argv) {
  uint64_t offset = 0;
  if (!parse_bit_offset(ctx, argv[2], offset))
    return;
  int64_t on = 0;
  if (!parse_int64(argv[3], on) || (on & ~int64_t{1})) {
    reply::error(ctx.out, "ERR bit is not an integer or out of range");
    return;
  }
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  const size_t byte = offset >> 3;
  bool changed = !e || e->val.str().size() <= byte;  // created or grown
  if (!e)
    e = &ctx.db().put(argv[1], value(), no_expiry);
  bool old = bit_at(e->val.str(), offset);
  changed = changed || old != (on == 1);
  if (changed) {
    auto& b = reinterpret_cast<uint8_t&>(e->val.writable_str(byte + 1)[byte]);
    const auto mask = static_cast<uint8_t>(1u << (7 - (offset & 7)));
    b = on ? (b | mask) : (b & ~mask);
    mark_dirty(ctx);
  }
  reply::integer(ctx.out, old ? 1 : 0);
}

// GETBIT key offset: bits past the end are 0.
void getbit_command(exec_context& ctx, arg_list argv) {
  uint64_t offset = 0;
  if (!parse_bit_offset(ctx, argv[2], offset))
    return;
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (!wrong)
    reply::integer(ctx.out, e && bit_at(e->val.str(), offset) ? 1 : 0);
}

// A range of bits, inclusive, from BITCOUNT's and BITPOS's start/end arguments.
struct bit_range {
  uint64_t first = 0, last = 0;
  bool empty = false;
};

// Turns start and end (bytes, or bits with BIT; negative ones count from the end) into bits,
// clamped to the string of `len` bytes as Redis does.
bit_range clamp_range(int64_t start, int64_t end, bool in_bits, size_t len) {
  bit_range r;
  if (!clamp_index_range(start, end, static_cast<int64_t>(in_bits ? len * 8 : len))) {
    r.empty = true;
    return r;
  }
  r.first = static_cast<uint64_t>(in_bits ? start : start * 8);
  r.last = static_cast<uint64_t>(in_bits ? end : end * 8 + 7);
  return r;
}

// BYTE or BIT at `arg`: false, with a syntax error, for anything else.
bool parse_unit(exec_context& ctx, std::string_view arg, bool& in_bits) {
  if (iequals(arg, "bit"))
    in_bits = true;
  else if (iequals(arg, "byte"))
    in_bits = false;
  else {
    reply::error(ctx.out, errors::syntax);
    return false;
  }
  return true;
}

uint64_t count_ones(std::string_view s, bit_range r) {
  uint64_t n = 0;
  uint64_t bit = r.first;
  for (; bit <= r.last && (bit & 7); ++bit)  // the first byte's bits in range
    n += bit_at(s, bit);
  for (; bit + 7 <= r.last; bit += 8)
    n += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(s[bit >> 3])));
  for (; bit <= r.last; ++bit)
    n += bit_at(s, bit);
  return n;
}

// BITCOUNT key [start end [BYTE|BIT]]
void bitcount_command(exec_context& ctx, arg_list argv) {
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (wrong)
    return;
  if (!e) {
    reply::integer(ctx.out, 0);
    return;
  }
  std::string_view s = e->val.str();
  int64_t start = 0, end = -1;
  bool in_bits = false;
  if (argv.size() == 4 || argv.size() == 5) {
    if (!parse_int64(argv[2], start) || !parse_int64(argv[3], end)) {
      reply::error(ctx.out, errors::not_integer);
      return;
    }
    if (start < 0 && end < 0 && start > end) {
      reply::integer(ctx.out, 0);
      return;
    }
    if (argv.size() == 5 && !parse_unit(ctx, argv[4], in_bits))
      return;
  } else if (argv.size() != 2) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  bit_range r = clamp_range(start, end, in_bits, s.size());
  reply::integer(ctx.out, r.empty ? 0 : static_cast<int64_t>(count_ones(s, r)));
}

// The first bit equal to `want` in the range, or -1.
int64_t find_bit(std::string_view s, bit_range r, bool want) {
  const uint8_t skip = want ? 0x00 : 0xFF;  // bytes without such a bit
  for (uint64_t bit = r.first; bit <= r.last;) {
    if (!(bit & 7) && bit + 7 <= r.last && static_cast<uint8_t>(s[bit >> 3]) == skip) {
      bit += 8;
      continue;
    }
    if (bit_at(s, bit) == want)
      return static_cast<int64_t>(bit);
    ++bit;
  }
  return -1;
}

// BITPOS key 0|1 [start [end [BYTE|BIT]]]
void bitpos_command(exec_context& ctx, arg_list argv) {
  int64_t want = 0;
  if (!parse_integer_arg(ctx, argv[2], want))
    return;
  if (want != 0 && want != 1) {
    reply::error(ctx.out, "ERR The bit argument must be 1 or 0.");
    return;
  }
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (wrong)
    return;
  // A missing key is an endless run of 0 bits.
  if (!e) {
    reply::integer(ctx.out, want ? -1 : 0);
    return;
  }
  std::string_view s = e->val.str();
  int64_t start = 0, end = -1;
  bool in_bits = false, end_given = false;
  if (argv.size() >= 4 && argv.size() <= 6) {
    if (!parse_integer_arg(ctx, argv[3], start))
      return;
    if (argv.size() == 6 && !parse_unit(ctx, argv[5], in_bits))
      return;
    if (argv.size() >= 5) {
      if (!parse_integer_arg(ctx, argv[4], end))
        return;
      end_given = true;
    }
  } else if (argv.size() != 3) {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  bit_range r = clamp_range(start, end, in_bits, s.size());
  if (r.empty) {
    reply::integer(ctx.out, -1);
    return;
  }
  int64_t pos = find_bit(s, r, want == 1);
  // Looking for a 0 without an end given: the string continues with 0 bits past its end.
  if (pos < 0 && want == 0 && !end_given)
    pos = static_cast<int64_t>(r.last + 1);
  reply::integer(ctx.out, pos);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: the result is as long as the longest source (a
// missing key reads as empty, shorter ones as zero-padded); an empty one deletes destkey.
// Replies the result's length.
void bitop_command(exec_context& ctx, arg_list argv) {
  enum class op { and_, or_, xor_, not_ } kind;
  if (iequals(argv[1], "and"))
    kind = op::and_;
  else if (iequals(argv[1], "or"))
    kind = op::or_;
  else if (iequals(argv[1], "xor"))
    kind = op::xor_;
  else if (iequals(argv[1], "not"))
    kind = op::not_;
  else {
    reply::error(ctx.out, errors::syntax);
    return;
  }
  if (kind == op::not_ && argv.size() != 4) {
    reply::error(ctx.out, "ERR BITOP NOT must be called with a single source key.");
    return;
  }
  std::vector<std::string_view> sources;
  size_t longest = 0;
  for (size_t i = 3; i < argv.size(); ++i) {
    bool failed = false;
    entry* e = lookup_typed(ctx, argv[i], value_type::string, failed);
    if (failed)
      return;
    sources.push_back(e ? e->val.str() : std::string_view());
    longest = std::max(longest, sources.back().size());
  }
  std::string result(longest, '\0');
  for (size_t j = 0; j < longest; ++j) {
    auto byte_of = [&](std::string_view s) {
      return j < s.size() ? static_cast<uint8_t>(s[j]) : uint8_t{0};
    };
    uint8_t out = byte_of(sources[0]);
    for (size_t k = 1; k < sources.size(); ++k) {
      const uint8_t b = byte_of(sources[k]);
      out = kind == op::and_ ? out & b : kind == op::or_ ? out | b : out ^ b;
    }
    result[j] = static_cast<char>(kind == op::not_ ? ~out : out);
  }
  if (longest > 0) {
    ctx.db().put(argv[2], value(result), no_expiry);
    mark_dirty(ctx);
  } else if (ctx.db().erase(argv[2])) {
    mark_dirty(ctx);
  }
  reply::integer(ctx.out, static_cast<int64_t>(longest));
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec bitop_keys[] = {
    keys_at(kf::ow | kf::update, 2),
    keys_at(kf::ro | kf::access, 3, -1),
};

const command_spec specs[] = {
    with_event(
        {"setbit", 4, cmd_write | cmd_denyoom, setbit_command, nullptr, 1, 1, 1,
         kf::rw | kf::access | kf::update,
         "Sets or clears the bit at offset in the string value stored at key", "bitmap", "2.2.0"},
        {ev::string, "setbit"}),
    {"getbit", 3, cmd_readonly | cmd_fast, getbit_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Returns the bit value at offset in the string value stored at key", "bitmap", "2.2.0"},
    {"bitcount", -2, cmd_readonly, bitcount_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Count set bits in a string", "bitmap", "2.6.0"},
    {"bitpos", -3, cmd_readonly, bitpos_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Find first bit set or clear in a string", "bitmap", "2.8.7"},
    with_key_specs(
        with_event({"bitop", -4, cmd_write | cmd_denyoom, bitop_command, nullptr, 2, -1, 1,
                    kf::none, "Perform bitwise operations between strings", "bitmap", "2.6.0"},
                   {ev::string, "set", key_event::existing_key}),
        bitop_keys),
};

}  // namespace

std::span<const command_spec> bit_commands() { return specs; }

}  // namespace credis
