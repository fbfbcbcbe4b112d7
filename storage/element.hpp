// One element of an aggregate, as the containers hand it out: a view of bytes the container
// holds, or an integer (the compact encodings keep canonical integers as numbers) with its
// decimal digits kept in here.
//
// view() and the conversion to string_view are for named elements only: the view may point
// into the element itself, so one taken from a temporary would dangle. Write
// `for (const element& e : set) reply(e.view());` or `element e = *it;`.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace credis {

class element {
 public:
  element() = default;
  element(std::string_view bytes) : p_(bytes.data()), n_(static_cast<uint32_t>(bytes.size())) {}
  explicit element(int64_t v) : num_(v), is_int_(true) {
    n_ = static_cast<uint32_t>(std::to_chars(digits_, digits_ + sizeof digits_, v).ptr - digits_);
  }

  std::string_view view() const& { return {is_int_ ? digits_ : p_, n_}; }
  std::string_view view() const&& = delete;
  operator std::string_view() const& { return view(); }
  operator std::string_view() const&& = delete;
  explicit operator std::string() const { return std::string(is_int_ ? digits_ : p_, n_); }
  std::string str() const { return std::string(*this); }

  size_t size() const { return n_; }
  // Stored as a number (then as_int() is it).
  bool is_int() const { return is_int_; }
  int64_t as_int() const { return num_; }

  friend bool operator==(const element& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const element& a, const element& b) { return a.view() == b.view(); }
  friend auto operator<=>(const element& a, const element& b) { return a.view() <=> b.view(); }

 private:
  const char* p_ = nullptr;
  int64_t num_ = 0;
  uint32_t n_ = 0;
  bool is_int_ = false;
  char digits_[20];  // "-9223372036854775808"
};

// The typedefs and postfix operators of a bidirectional iterator over elements (prvalues), for
// Derived, which defines operator*, prefix ++ and --, and == (and says
// `using element_iterator::operator++; using element_iterator::operator--;`).
template <class Derived>
struct element_iterator {
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = element;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = element;

  Derived operator++(int) {
    Derived t = self();
    ++self();
    return t;
  }
  Derived operator--(int) {
    Derived t = self();
    --self();
    return t;
  }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

}  // namespace credis
