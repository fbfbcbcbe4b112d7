#include "storage/rdb/packed_encoders.hpp"

#include <algorithm>

#include "storage/aggregates.hpp"

namespace credis::rdb {

namespace {

void put_le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

void listpack_builder::clear() {
  out_.assign(listpack::header_size, '\0');
  count_ = 0;
}

void listpack_builder::add(std::string_view s) {
  int64_t v;
  if (!parse_canonical_int(s, v)) {
    const size_t at = out_.size();
    out_.resize(at + listpack::entry_size(s.size()));
    listpack::write_entry(reinterpret_cast<uint8_t*>(out_.data() + at), s);
    ++count_;
    return;
  }
  // Integer encodings, as lpEncodeIntegerGetType picks them.
  const size_t start = out_.size();
  if (v >= 0 && v <= 127) {
    out_.push_back(static_cast<char>(v));  // 0xxxxxxx
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;  // 13-bit two's complement
    out_.push_back(static_cast<char>(0xC0 | (u >> 8)));
    out_.push_back(static_cast<char>(u));
  } else {
    int width;
    uint8_t tag;
    if (v >= INT16_MIN && v <= INT16_MAX)
      width = 2, tag = 0xF1;
    else if (v >= -8388608 && v <= 8388607)
      width = 3, tag = 0xF2;
    else if (v >= INT32_MIN && v <= INT32_MAX)
      width = 4, tag = 0xF3;
    else
      width = 8, tag = 0xF4;
    out_.push_back(static_cast<char>(tag));
    put_le(out_, static_cast<uint64_t>(v), width);
  }
  uint8_t back[5];
  const size_t n = listpack::write_backlen(back, out_.size() - start);
  out_.append(reinterpret_cast<const char*>(back), n);
  ++count_;
}

std::string_view listpack_builder::finish() {
  out_.push_back(static_cast<char>(0xFF));
  const uint64_t total = out_.size();
  const uint64_t count = count_ <= listpack::max_count ? count_ : 0xFFFF;
  for (int i = 0; i < 4; ++i)
    out_[i] = static_cast<char>(total >> (8 * i));
  out_[4] = static_cast<char>(count);
  out_[5] = static_cast<char>(count >> 8);
  return out_;
}

std::string_view redis_listpack(const listpack& lp, std::string& scratch) {
  if (std::none_of(lp.begin(), lp.end(),
                   [](std::string_view s) { return is_canonical_int(s); }))
    return lp.data();
  listpack_builder b(scratch);
  for (std::string_view s : lp)
    b.add(s);
  return b.finish();
}

std::string_view build_intset(std::vector<int64_t>& values, std::string& out) {
  std::sort(values.begin(), values.end());
  int width = 2;
  for (int64_t v : {values.empty() ? 0 : values.front(), values.empty() ? 0 : values.back()}) {
    if (v < INT32_MIN || v > INT32_MAX)
      width = 8;
    else if ((v < INT16_MIN || v > INT16_MAX) && width < 4)
      width = 4;
  }
  out.clear();
  put_le(out, static_cast<uint64_t>(width), 4);
  put_le(out, values.size(), 4);
  for (int64_t v : values)
    put_le(out, static_cast<uint64_t>(v), width);
  return out;
}

}  // namespace credis::rdb
