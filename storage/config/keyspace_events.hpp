// notify-keyspace-events: Redis's event class letters (notify.c) as flags and back, in Redis's
// order ("KA" reads back as "AK").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace credis {

namespace keyspace_events {
inline constexpr int keyspace = 1 << 0;   // K
inline constexpr int keyevent = 1 << 1;   // E
inline constexpr int generic = 1 << 2;    // g
inline constexpr int string = 1 << 3;     // $
inline constexpr int list = 1 << 4;       // l
inline constexpr int set = 1 << 5;        // s
inline constexpr int hash = 1 << 6;       // h
inline constexpr int zset = 1 << 7;       // z
inline constexpr int expired = 1 << 8;    // x
inline constexpr int evicted = 1 << 9;    // e
inline constexpr int stream = 1 << 10;    // t
inline constexpr int key_miss = 1 << 11;  // m (not part of A)
inline constexpr int module = 1 << 13;    // d
inline constexpr int new_key = 1 << 14;   // n (not part of A)
inline constexpr int all =
    generic | string | list | set | hash | zset | expired | evicted | stream | module;
}  // namespace keyspace_events

// The flags of a class string; nullopt for a letter Redis does not know.
std::optional<int> parse_keyspace_events(std::string_view classes);
std::string format_keyspace_events(int flags);

}  // namespace credis
