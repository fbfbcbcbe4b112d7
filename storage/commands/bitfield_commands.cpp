// BITFIELD and BITFIELD_RO (Redis's bitops.c): integers of 1 to 64 bits (unsigned up to 63) at
// any bit offset of a string, read, set or incremented, with WRAP, SAT or FAIL on overflow.
// Bit 0 is the most significant bit of the first byte, as for SETBIT.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

enum class field_op : uint8_t { get, set, incrby };
enum class overflow : uint8_t { wrap, sat, fail };

struct field_request {
  field_op op;
  overflow on_overflow;
  bool is_signed;
  unsigned bits;
  uint64_t offset;
  int64_t value;  // SET's value, INCRBY's increment
};

// "i<bits>" (1..64) or "u<bits>" (1..63).
bool parse_field_type(exec_context& ctx, std::string_view arg, bool& is_signed, unsigned& bits) {
  int64_t n = 0;
  const bool ok = arg.size() >= 2 && (arg[0] == 'i' || arg[0] == 'u') &&
                  parse_int64(arg.substr(1), n) && n >= 1 && n <= (arg[0] == 'i' ? 64 : 63);
  if (!ok) {
    reply::error(ctx.out, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is "
                          "not supported but i64 is.");
    return false;
  }
  is_signed = arg[0] == 'i';
  bits = static_cast<unsigned>(n);
  return true;
}

// A bit offset, or "#n": the n-th field of this width.
bool parse_field_offset(exec_context& ctx, std::string_view arg, unsigned bits, uint64_t& offset) {
  const bool by_field = !arg.empty() && arg[0] == '#';
  int64_t n = 0;
  __int128 bit = 0;
  const bool ok = parse_int64(by_field ? arg.substr(1) : arg, n);
  if (ok)
    bit = by_field ? static_cast<__int128>(n) * bits : n;
  if (!ok || bit < 0 || (bit >> 3) >= static_cast<__int128>(ctx.server.config.proto_max_bulk_len)) {
    reply::error(ctx.out, "ERR bit offset is not an integer or out of range");
    return false;
  }
  offset = static_cast<uint64_t>(bit);
  return true;
}

uint64_t read_field(std::string_view s, uint64_t offset, unsigned bits) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bits; ++i) {
    const uint64_t bit = offset + i;
    const uint64_t byte = bit >> 3;
    const unsigned on = byte < s.size() ? (static_cast<uint8_t>(s[byte]) >> (7 - (bit & 7))) & 1 : 0;
    v = (v << 1) | on;
  }
  return v;
}

void write_field(char* s, uint64_t offset, unsigned bits, uint64_t v) {
  for (unsigned i = 0; i < bits; ++i) {
    const uint64_t bit = offset + i;
    auto& byte = reinterpret_cast<uint8_t&>(s[bit >> 3]);
    const auto mask = static_cast<uint8_t>(1u << (7 - (bit & 7)));
    byte = (v >> (bits - 1 - i)) & 1 ? (byte | mask) : (byte & ~mask);
  }
}

// The low `bits` bits of v, as the field's type reads them.
__int128 field_value(uint64_t v, bool is_signed, unsigned bits) {
  if (bits < 64)
    v &= (uint64_t{1} << bits) - 1;
  if (is_signed && (v >> (bits - 1)) & 1)
    return static_cast<__int128>(v) - (static_cast<__int128>(1) << bits);
  return v;
}

// What a field of this type holds for the wanted value `want`: none (FAIL) when it does not
// fit and overflow is FAIL; the low bits (WRAP) or the nearest limit (SAT) otherwise.
std::optional<__int128> fit(__int128 want, const field_request& r) {
  const __int128 max = r.is_signed ? (static_cast<__int128>(1) << (r.bits - 1)) - 1
                                   : (static_cast<__int128>(1) << r.bits) - 1;
  const __int128 min = r.is_signed ? -max - 1 : 0;
  if (want >= min && want <= max)
    return want;
  switch (r.on_overflow) {
    case overflow::fail: return std::nullopt;
    case overflow::sat: return want > max ? max : min;
    case overflow::wrap: break;
  }
  return field_value(static_cast<uint64_t>(want), r.is_signed, r.bits);
}

void bitfield_generic(exec_context& ctx, arg_list argv, bool read_only_command) {
  std::vector<field_request> requests;
  overflow on_overflow = overflow::wrap;
  bool writes = false;
  uint64_t last_written_bit = 0;
  for (size_t j = 2; j < argv.size(); ++j) {
    const size_t left = argv.size() - j - 1;
    const std::string_view word = argv[j];
    field_request r{};
    if (iequals(word, "get") && left >= 2) {
      r.op = field_op::get;
    } else if (iequals(word, "set") && left >= 3) {
      r.op = field_op::set;
    } else if (iequals(word, "incrby") && left >= 3) {
      r.op = field_op::incrby;
    } else if (iequals(word, "overflow") && left >= 1) {
      const std::string_view how = argv[++j];
      if (iequals(how, "wrap"))
        on_overflow = overflow::wrap;
      else if (iequals(how, "sat"))
        on_overflow = overflow::sat;
      else if (iequals(how, "fail"))
        on_overflow = overflow::fail;
      else {
        reply::error(ctx.out, "ERR Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
    if (!parse_field_type(ctx, argv[j + 1], r.is_signed, r.bits) ||
        !parse_field_offset(ctx, argv[j + 2], r.bits, r.offset))
      return;
    if (r.op != field_op::get) {
      writes = true;
      last_written_bit = std::max(last_written_bit, r.offset + r.bits - 1);
      if (!parse_integer_arg(ctx, argv[j + 3], r.value))
        return;
    }
    r.on_overflow = on_overflow;
    requests.push_back(r);
    j += r.op == field_op::get ? 2 : 3;
  }
  if (writes && read_only_command) {
    reply::error(ctx.out, "ERR BITFIELD_RO only supports the GET subcommand");
    return;
  }
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  bool grown = false;  // made or lengthened: every write counts as a change then
  if (writes) {
    const size_t need = static_cast<size_t>(last_written_bit >> 3) + 1;
    grown = !e || e->val.str().size() < need;
    if (!e)
      e = &ctx.db().put(argv[1], value(), no_expiry);
    e->val.writable_str(need);
  }
  reply::array_header(ctx.out, static_cast<int64_t>(requests.size()));
  int64_t changes = 0;
  for (const field_request& r : requests) {
    const std::string_view s = e ? e->val.str() : std::string_view();
    const __int128 old = field_value(read_field(s, r.offset, r.bits), r.is_signed, r.bits);
    if (r.op == field_op::get) {
      reply::integer(ctx.out, static_cast<int64_t>(old));
      continue;
    }
    // SET takes its value as the field's type would: an unsigned field sees a negative value
    // as the 64-bit unsigned number it is, as Redis does.
    const __int128 want = r.op == field_op::incrby ? old + r.value
                          : r.is_signed            ? static_cast<__int128>(r.value)
                                                   : static_cast<__int128>(static_cast<uint64_t>(r.value));
    const std::optional<__int128> stored = fit(want, r);
    if (!stored) {
      reply::null_bulk(ctx.out);
      continue;
    }
    reply::integer(ctx.out, static_cast<int64_t>(r.op == field_op::incrby ? *stored : old));
    write_field(e->val.writable_str(0), r.offset, r.bits, static_cast<uint64_t>(*stored));
    changes += grown || *stored != old;
  }
  mark_dirty(ctx, changes);
}

void bitfield_command(exec_context& ctx, arg_list argv) { bitfield_generic(ctx, argv, false); }
void bitfield_ro_command(exec_context& ctx, arg_list argv) { bitfield_generic(ctx, argv, true); }

// Only GET and OVERFLOW read-only; anything else (a syntax error too) may write.
uint16_t bitfield_key_flags(arg_list argv) {
  for (size_t i = 2; i < argv.size(); ++i) {
    const size_t rest = argv.size() - i - 1;
    if (iequals(argv[i], "get") && rest >= 2)
      i += 2;
    else if (iequals(argv[i], "overflow") && rest >= 1)
      i += 1;
    else
      return kf::rw | kf::access | kf::update;
  }
  return kf::ro | kf::access;
}

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec bitfield_keys[] = {
    with_flags_of(with_notes(keys_at(kf::rw | kf::update | kf::access | kf::variable_flags, 1),
                             "This command allows both access and modification of the key"),
                  bitfield_key_flags),
};

const command_spec specs[] = {
    with_key_specs(
        with_event(
            {"bitfield", -2, cmd_write | cmd_denyoom, bitfield_command, nullptr, 1, 1, 1, kf::none,
             "Perform arbitrary bitfield integer operations on strings", "bitmap", "3.2.0"},
            {ev::string, "setbit"}),
        bitfield_keys),
    {"bitfield_ro", -2, cmd_readonly | cmd_fast, bitfield_ro_command, nullptr, 1, 1, 1,
     kf::ro | kf::access,
     "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     "bitmap", "6.0.0"},
};

}  // namespace

std::span<const command_spec> bitfield_commands() { return specs; }

}  // namespace credis
