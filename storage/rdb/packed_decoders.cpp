#include "storage/rdb/packed_decoders.hpp"

#include <charconv>
#include <cstring>

#include "storage/listpack.hpp"
#include "storage/little_endian.hpp"

namespace credis::rdb {

namespace {

std::string hex_byte(uint8_t b) {
  static const char digits[] = "0123456789abcdef";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

}  // namespace

std::string_view packed_item::view(char (&buf)[24]) const {
  if (!is_int)
    return str;
  auto r = std::to_chars(buf, buf + sizeof buf, num);
  return {buf, static_cast<size_t>(r.ptr - buf)};
}

// ---- listpack, fast path ----------------------------------------------------------------------

bool scan_listpack(std::string_view blob, std::vector<packed_item>& out) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < 7 || blob.back() != static_cast<char>(0xFF))
    return false;
  if (load_le(p, 4) != blob.size())
    return false;
  const size_t declared = p[4] | (p[5] << 8);
  const uint8_t* const end = p + blob.size() - 1;  // the end marker
  out.clear();
  packed_item item;
  for (p += listpack::header_size; p < end;) {
    const uint8_t b = *p;
    const size_t room = static_cast<size_t>(end - p);
    size_t head, len = 0;
    item.is_int = true;
    if (b < 0x80) {
      head = 1, item.num = b;
    } else if (b < 0xC0) {
      head = 1, len = b & 0x3F, item.is_int = false;
    } else if (b < 0xE0) {
      if (room < 2)
        return false;
      head = 2, item.num = sign_extend((static_cast<uint64_t>(b & 0x1F) << 8) | p[1], 13);
    } else if (b < 0xF0) {
      if (room < 2)
        return false;
      head = 2, len = (static_cast<size_t>(b & 0x0F) << 8) | p[1], item.is_int = false;
    } else if (b <= 0xF4) {
      static constexpr int widths[] = {4, 2, 3, 4, 8};  // F0: string length; F1-F4: integers
      const int w = widths[b - 0xF0];
      if (room < static_cast<size_t>(1 + w))
        return false;
      head = 1 + static_cast<size_t>(w);
      if (b == 0xF0)
        len = load_le(p + 1, 4), item.is_int = false;
      else
        item.num = sign_extend(load_le(p + 1, w), 8 * w);
    } else {
      return false;
    }
    const size_t entry = head + len;
    size_t back = 1;
    if (entry <= 127) {  // one back-length byte: the entry's size
      if (room < entry + 1 || p[entry] != entry)
        return false;
    } else {
      uint8_t expect[5];
      back = listpack::write_backlen(expect, entry);
      if (room < entry + back || std::memcmp(p + entry, expect, back) != 0)
        return false;
    }
    if (!item.is_int)
      item.str = std::string_view(reinterpret_cast<const char*>(p + head), len);
    out.push_back(item);
    p += entry + back;
  }
  return declared == 0xFFFF || declared == out.size();
}

// ---- ziplist -------------------------------------------------------------------------------
// <zlbytes u32><zltail u32><zllen u16> entries... <0xFF>
// entry: <prevlen: 1 byte, or 0xFE + u32> <encoding> <data>

ziplist_reader::ziplist_reader(std::string_view blob, size_t base, bool exact)
    : c_(blob.substr(0, blob.empty() ? 0 : blob.size() - 1), base, "ziplist", exact),
      base_(base) {
  if (blob.size() < 11)
    c_.fail("corrupt ziplist: " + std::to_string(blob.size()) + " bytes is too short");
  uint32_t bytes = static_cast<uint32_t>(c_.le(4));
  if (bytes != blob.size())
    c_.fail("corrupt ziplist: header says " + std::to_string(bytes) + " bytes, it has " +
            std::to_string(blob.size()));
  tail_ = static_cast<uint32_t>(c_.le(4));
  header_count_ = static_cast<uint16_t>(c_.le(2));
  if (static_cast<uint8_t>(blob.back()) != 0xFF)
    c_.fail_at(base + blob.size() - 1, "corrupt ziplist: no end marker");
  last_entry_ = 10;
}

bool ziplist_reader::next(packed_item& out) {
  if (c_.at_end()) {
    if (header_count_ != 0xFFFF && header_count_ != count_)
      c_.fail("corrupt ziplist: header says " + std::to_string(header_count_) + " entries, found " +
              std::to_string(count_));
    if (tail_ != last_entry_)
      c_.fail("corrupt ziplist: tail offset " + std::to_string(tail_) + " is not the last entry (" +
              std::to_string(last_entry_) + ")");
    return false;
  }
  const size_t start = c_.offset();
  uint8_t b = c_.u8();
  if (b == 0xFF)
    c_.fail_at(start, "corrupt ziplist: end marker before the end");
  uint64_t prevlen = b;
  if (b == 0xFE)
    prevlen = c_.le(4);
  if (prevlen != prev_size_)
    c_.fail_at(start, "corrupt ziplist: entry says the previous one has " +
                          std::to_string(prevlen) + " bytes, it has " + std::to_string(prev_size_));
  const size_t enc_at = c_.offset();
  uint8_t enc = c_.u8();
  out.is_int = false;
  switch (enc >> 6) {
    case 0: out.str = c_.take(enc & 0x3F); break;
    case 1: out.str = c_.take((uint64_t{enc & 0x3Fu} << 8) | c_.u8()); break;
    case 2: out.str = c_.take(c_.be(4)); break;
    default:
      out.is_int = true;
      switch (enc) {
        case 0xC0: out.num = sign_extend(c_.le(2), 16); break;
        case 0xD0: out.num = sign_extend(c_.le(4), 32); break;
        case 0xE0: out.num = static_cast<int64_t>(c_.le(8)); break;
        case 0xF0: out.num = sign_extend(c_.le(3), 24); break;
        case 0xFE: out.num = sign_extend(c_.le(1), 8); break;
        default:
          if (enc >= 0xF1 && enc <= 0xFD) {
            out.num = (enc & 0x0F) - 1;
            break;
          }
          c_.fail_at(enc_at, "corrupt ziplist: unknown entry encoding " + hex_byte(enc));
      }
  }
  ++count_;
  prev_size_ = c_.offset() - start;
  last_entry_ = start - base_;
  return true;
}

// ---- listpack ------------------------------------------------------------------------------
// <total bytes u32><count u16> entries... <0xFF>;  entry: <encoding+data><backlen>

listpack_reader::listpack_reader(std::string_view blob, size_t base, bool exact)
    : c_(blob.substr(0, blob.empty() ? 0 : blob.size() - 1), base, "listpack", exact) {
  if (blob.size() < 7)
    c_.fail("corrupt listpack: " + std::to_string(blob.size()) + " bytes is too short");
  uint32_t bytes = static_cast<uint32_t>(c_.le(4));
  if (bytes != blob.size())
    c_.fail("corrupt listpack: header says " + std::to_string(bytes) + " bytes, it has " +
            std::to_string(blob.size()));
  header_count_ = static_cast<uint16_t>(c_.le(2));
  if (static_cast<uint8_t>(blob.back()) != 0xFF)
    c_.fail_at(base + blob.size() - 1, "corrupt listpack: no end marker");
}

bool listpack_reader::next(packed_item& out) {
  if (c_.at_end()) {
    if (header_count_ != 0xFFFF && header_count_ != count_)
      c_.fail("corrupt listpack: header says " + std::to_string(header_count_) +
              " entries, found " + std::to_string(count_));
    return false;
  }
  const size_t start = c_.offset();
  const uint8_t b = c_.u8();
  out.is_int = false;
  if ((b & 0x80) == 0) {  // 0xxxxxxx: 7-bit unsigned
    out.is_int = true;
    out.num = b & 0x7F;
  } else if ((b & 0xC0) == 0x80) {  // 10xxxxxx: string up to 63 bytes
    out.str = c_.take(b & 0x3F);
  } else if ((b & 0xE0) == 0xC0) {  // 110xxxxx yyyyyyyy: 13-bit signed
    out.is_int = true;
    out.num = sign_extend((uint64_t{b & 0x1Fu} << 8) | c_.u8(), 13);
  } else if ((b & 0xF0) == 0xE0) {  // 1110xxxx yyyyyyyy: string up to 4095 bytes
    out.str = c_.take((uint64_t{b & 0x0Fu} << 8) | c_.u8());
  } else {
    switch (b) {
      case 0xF0: out.str = c_.take(c_.le(4)); break;
      case 0xF1: out.is_int = true; out.num = sign_extend(c_.le(2), 16); break;
      case 0xF2: out.is_int = true; out.num = sign_extend(c_.le(3), 24); break;
      case 0xF3: out.is_int = true; out.num = sign_extend(c_.le(4), 32); break;
      case 0xF4: out.is_int = true; out.num = static_cast<int64_t>(c_.le(8)); break;
      case 0xFF: c_.fail_at(start, "corrupt listpack: end marker before the end");
      default: c_.fail_at(start, "corrupt listpack: unknown entry encoding " + hex_byte(b));
    }
  }
  uint8_t expect[5];
  size_t n = listpack::write_backlen(expect, c_.offset() - start);
  const size_t back_at = c_.offset();
  const std::string_view back = c_.take(n);
  for (size_t i = 0; i < n; ++i)  // (1 or 2 bytes: a loop beats a memcmp call)
    if (static_cast<uint8_t>(back[i]) != expect[i])
      c_.fail_at(back_at, "corrupt listpack: entry's back-length does not match its size");
  ++count_;
  return true;
}

// ---- intset --------------------------------------------------------------------------------
// <width u32: 2, 4 or 8><length u32> then `length` little-endian integers, ascending.

namespace {

template <unsigned width>
int64_t intset_member(const uint8_t* p) {
  return sign_extend(load_le(p, width), 8 * width);
}

template <unsigned width>
bool ascending(const uint8_t* p, size_t n) {
  for (size_t i = 1; i < n; ++i, p += width)
    if (intset_member<width>(p + width) <= intset_member<width>(p))
      return false;
  return true;
}

}  // namespace

bool scan_intset(std::string_view blob, size_t& count) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < 8)
    return false;
  const uint32_t width = static_cast<uint32_t>(load_le(p, 4));  // header fields are unsigned
  const uint32_t n = static_cast<uint32_t>(load_le(p + 4, 4));
  if (uint64_t{width} * n != blob.size() - 8)
    return false;
  count = n;
  switch (width) {
    case 2: return ascending<2>(p + 8, n);
    case 4: return ascending<4>(p + 8, n);
    case 8: return ascending<8>(p + 8, n);
    default: return false;
  }
}

intset_reader::intset_reader(std::string_view blob, size_t base, bool exact)
    : c_(blob, base, "intset", exact) {
  if (blob.size() < 8)
    c_.fail("corrupt intset: " + std::to_string(blob.size()) + " bytes is too short");
  width_ = static_cast<uint32_t>(c_.le(4));
  length_ = static_cast<uint32_t>(c_.le(4));
  if (width_ != 2 && width_ != 4 && width_ != 8)
    c_.fail("corrupt intset: bad integer width " + std::to_string(width_));
  if (uint64_t{width_} * length_ != c_.remaining())
    c_.fail("corrupt intset: " + std::to_string(length_) + " integers of " +
            std::to_string(width_) + " bytes do not fill its " + std::to_string(blob.size()) +
            " bytes");
}

bool intset_reader::next(int64_t& out) {
  if (read_ == length_)
    return false;
  const size_t at = c_.offset();
  out = sign_extend(c_.le(width_), width_ * 8);
  if (read_ > 0 && out <= prev_)
    c_.fail_at(at, "corrupt intset: integers not in ascending order");
  prev_ = out;
  ++read_;
  return true;
}

// ---- zipmap --------------------------------------------------------------------------------
// <count u8 (254 = unknown)> { <len><key><len><free u8><value><free bytes> }... <0xFF>
// len: one byte < 254, or 254 + u32.

zipmap_reader::zipmap_reader(std::string_view blob, size_t base, bool exact)
    : c_(blob, base, "zipmap", exact) {
  if (blob.size() < 2)
    c_.fail("corrupt zipmap: " + std::to_string(blob.size()) + " bytes is too short");
  header_count_ = c_.u8();
}

uint64_t zipmap_reader::read_len() {
  uint8_t b = c_.u8();
  return b < 254 ? b : c_.le(4);
}

bool zipmap_reader::next(std::string_view& key, std::string_view& val) {
  const size_t start = c_.offset();
  if (c_.peek() == 0xFF) {
    c_.skip(1);
    if (!c_.at_end())
      c_.fail_at(start, "corrupt zipmap: end marker before the end");
    if (header_count_ < 254 && header_count_ != count_)
      c_.fail("corrupt zipmap: header says " + std::to_string(header_count_) + " pairs, found " +
              std::to_string(count_));
    return false;
  }
  key = c_.take(read_len());
  if (c_.peek() == 0xFF)
    c_.fail("corrupt zipmap: key without a value");
  uint64_t vlen = read_len();
  uint8_t free = c_.u8();
  val = c_.take(vlen);
  c_.skip(free);
  ++count_;
  return true;
}

}  // namespace credis::rdb
