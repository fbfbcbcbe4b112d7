// Shared by the libFuzzer targets: how an input's first bytes say where to split the rest, and
// a failed check that libFuzzer reports as a crash (with the input that caused it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace credis::fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::abort();
}

#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::credis::fuzz::check_failed(__FILE__, __LINE__, #cond))

// Inputs are: <flags> <n> <n chunk-size bytes> <the bytes to feed>. Each chunk-size byte v gives
// v + 1 bytes (1..128) when v < 0x80, else (v - 0x7F) KB (1..128 KB); the sizes are used in
// turn, cyclically. After max_chunks chunks the rest goes in one piece, which bounds the work per
// input (every chunk re-parses from the start of the pending command).
// With flags 0xF0..0xFF (the low 4 bits stay the targets' own) the bytes to feed are expanded
// first: 0xF5 <c> <k> stands for the byte c repeated (k + 1) * 256 times, so that a small input
// reaches the 64 KB limits of the protocol (at most max_expanded bytes in all; past that an
// escape stands for nothing). Only 1 input in 16 is expanded: big inputs are slow.
struct split_input {
  uint8_t flags = 0;
  std::vector<size_t> sizes;
  std::string_view bytes;
  static constexpr size_t max_chunks = 64;
  static constexpr uint8_t expand_flags = 0xF0;
  static constexpr char escape = '\xF5';
  static constexpr size_t max_expanded = 80 * 1024;  // past the 64 KB limits; the scan of each byte is costly here

  // False when the input is too short to hold the header.
  bool parse(const uint8_t* data, size_t size) {
    if (size < 2)
      return false;
    flags = data[0];
    size_t n = (data[1] & 7u) + 1;
    if (size < 2 + n)
      return false;
    for (size_t i = 0; i < n; ++i) {
      uint8_t v = data[2 + i];
      sizes.push_back(v < 0x80 ? size_t{v} + 1 : size_t{v - 0x7Fu} * 1024);
    }
    bytes = std::string_view(reinterpret_cast<const char*>(data) + 2 + n, size - 2 - n);
    if ((flags & expand_flags) == expand_flags)
      expand();
    return true;
  }

  void expand() {
    std::string_view in = bytes;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] != escape || i + 2 >= in.size()) {
        expanded_.push_back(in[i]);
        continue;
      }
      size_t n = (static_cast<uint8_t>(in[i + 2]) + size_t{1}) * 256;
      if (expanded_.size() + n <= max_expanded)
        expanded_.append(n, in[i + 1]);
      i += 2;
    }
    bytes = expanded_;
  }

  // The chunks, in order; their concatenation is `bytes`.
  std::vector<std::string_view> chunks() const {
    std::vector<std::string_view> out;
    std::string_view rest = bytes;
    for (size_t i = 0; !rest.empty(); ++i) {
      size_t n = i + 1 >= max_chunks ? rest.size() : sizes[i % sizes.size()];
      if (n > rest.size())
        n = rest.size();
      out.push_back(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    return out;
  }

 private:
  std::string expanded_;
};

// A heap copy of exactly `s.size()` bytes, so that ASan sees any read past the end (a
// std::string's spare capacity would hide it) and any use of a view into an older copy.
struct exact_buffer {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  exact_buffer() = default;
  explicit exact_buffer(std::string_view s) : data(new char[s.size() ? s.size() : 1]), size(s.size()) {
    if (size)
      std::memcpy(data.get(), s.data(), size);
  }
  std::string_view view() const { return {data.get(), size}; }
};

}  // namespace credis::fuzz
