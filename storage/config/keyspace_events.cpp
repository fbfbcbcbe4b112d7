#include "storage/config/keyspace_events.hpp"

namespace credis {

namespace {

namespace ev = keyspace_events;

// The letters in the order Redis prints them within A's part.
constexpr struct {
  char letter;
  int flag;
} class_letters[] = {{'g', ev::generic}, {'$', ev::string},  {'l', ev::list},
                     {'s', ev::set},     {'h', ev::hash},    {'z', ev::zset},
                     {'x', ev::expired}, {'e', ev::evicted}, {'t', ev::stream},
                     {'d', ev::module},  {'n', ev::new_key}};

}  // namespace

std::optional<int> parse_keyspace_events(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    int flag = 0;
    switch (c) {
      case 'A': flag = ev::all; break;
      case 'K': flag = ev::keyspace; break;
      case 'E': flag = ev::keyevent; break;
      case 'm': flag = ev::key_miss; break;
      default:
        for (const auto& l : class_letters)
          if (l.letter == c)
            flag = l.flag;
        if (flag == 0)
          return std::nullopt;
    }
    flags |= flag;
  }
  return flags;
}

std::string format_keyspace_events(int flags) {
  std::string out;
  if ((flags & ev::all) == ev::all) {
    out += 'A';  // and, as in Redis, no 'n' after it
  } else {
    for (const auto& l : class_letters)
      if (flags & l.flag)
        out += l.letter;
  }
  if (flags & ev::keyspace)
    out += 'K';
  if (flags & ev::keyevent)
    out += 'E';
  if (flags & ev::key_miss)
    out += 'm';
  return out;
}

}  // namespace credis
