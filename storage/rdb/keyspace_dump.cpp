#include "storage/rdb/keyspace_dump.hpp"

#include <algorithm>
#include <cstring>

namespace credis {

std::string to_hex(std::string_view s) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

namespace {

std::string join(std::vector<std::string> parts, bool sort) {
  if (sort)
    std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i)
      out.push_back(',');
    out += parts[i];
  }
  return out;
}

std::string render(const value& v) {
  std::vector<std::string> parts;
  switch (v.type()) {
    case value_type::string: return to_hex(v.str());
    case value_type::list:
      for (const element& e : v.list())
        parts.push_back(to_hex(e.view()));
      return join(std::move(parts), false);
    case value_type::set:
      for (const element& m : v.set())
        parts.push_back(to_hex(m.view()));
      return join(std::move(parts), true);
    case value_type::hash:
      for (const auto& [f, val] : v.hash())
        parts.push_back(to_hex(f.view()) + "=" + to_hex(val.view()));
      return join(std::move(parts), true);
    case value_type::zset:
      for (const zset_entry& e : v.zset()) {
        char bits[8];
        std::memcpy(bits, &e.score, 8);  // little-endian hosts only, like the fixtures
        parts.push_back(to_hex(e.member.view()) + "=" + to_hex(std::string_view(bits, 8)));
      }
      return join(std::move(parts), true);
    case value_type::stream: {
      // Entries in order, then the scalars and the groups (the test fixtures' shape).
      v.stream().for_each({}, stream_id::max(), false, [&](const stream_value::entry& e) {
        std::string item = e.id.str() + ":";
        for (const element& x : e.fields_values)
          item += to_hex(x.view()) + ",";
        parts.push_back(std::move(item));
        return true;
      });
      const stream_value& s = v.stream();
      parts.push_back("last=" + s.last_id.str() + " first=" + s.first_id.str() +
                      " maxdel=" + s.max_deleted_id.str() +
                      " added=" + std::to_string(s.entries_added));
      for (const auto& [name, g] : s.groups) {
        std::string item = "group " + to_hex(name) + " " + g.last_id.str() + " " +
                           std::to_string(g.entries_read);
        for (const auto& [id, pe] : g.pel)
          item += " " + id.str() + "@" + (pe.consumer ? to_hex(pe.consumer->name) : "?") + "#" +
                  std::to_string(pe.delivery_count) + "t" + std::to_string(pe.delivery_time);
        for (const auto& [cname, c] : g.consumers)
          item += " consumer " + to_hex(cname) + " seen " + std::to_string(c.seen_time);
        parts.push_back(std::move(item));
      }
      return join(std::move(parts), false);
    }
  }
  return {};
}

}  // namespace

std::vector<std::string> dump_keyspace(const keyspace& ks) {
  std::vector<std::string> lines;
  for (int i = 0; i < keyspace::db_count; ++i) {
    for (const auto& [key, ent] : ks.db(i).entries()) {
      std::string line = std::to_string(i) + "\t" + std::string(type_name(ent.val.type())) + "\t" +
                         to_hex(key) + "\t" +
                         std::to_string(ent.expire_at() == no_expiry ? -1 : ent.expire_at()) +
                         "\t" + render(ent.val);
      lines.push_back(std::move(line));
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace credis
