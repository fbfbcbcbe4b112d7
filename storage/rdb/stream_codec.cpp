#include "storage/rdb/stream_codec.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "storage/little_endian.hpp"
#include "storage/rdb/rdb_format.hpp"

namespace credis::rdb {

namespace {

constexpr size_t raw_id_size = 16;

// A stream ID as rax keys and PEL entries hold it: ms then seq, big-endian, so that byte
// order is ID order.
std::string raw_id(stream_id id) {
  std::string out(raw_id_size, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
  return out;
}

stream_id parse_raw_id(std::string_view raw) {
  stream_id id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(raw[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(raw[8 + i]);
  }
  return id;
}

std::string millisecond_time(int64_t t) {
  uint8_t b[8];
  store_le(b, static_cast<uint64_t>(t), 8);
  return std::string(reinterpret_cast<const char*>(b), 8);
}

class stream_reader {
 public:
  stream_reader(uint8_t type, rdb_value_input& in) : type_(type), in_(in), c_(in.cursor()) {}

  stream_value read() {
    read_nodes();
    read_scalars();
    for (uint64_t n = in_.length(); n > 0; --n)
      read_group();
    return std::move(s_);
  }

 private:
  bool has_7_0_counters() const { return type_ >= type_stream_listpacks_2; }

  [[noreturn]] void corrupt(size_t at, const std::string& what) const {
    c_.fail_at(at, "corrupt stream: " + what);
  }

  stream_id read_id() { return {in_.length(), in_.length()}; }

  void read_nodes() {
    for (uint64_t n = in_.length(); n > 0; --n) {
      const size_t key_at = c_.offset();
      const std::string key = in_.string();
      if (key.size() != raw_id_size)
        corrupt(key_at, "node key entry is not the size of a stream ID (" +
                            std::to_string(key.size()) + " bytes)");
      const stream_id master = parse_raw_id(key);
      const size_t node_at = c_.offset();
      listpack lp = in_.listpack_string();
      // Redis removes a node when its last entry goes, so it never writes an empty one.
      if (lp.empty())
        corrupt(node_at, "empty listpack inside stream");
      uint64_t live = 0;
      stream_id last;
      if (!valid_stream_node(lp, master, live, last))
        corrupt(node_at, "node " + master.str() + " is not a valid stream listpack");
      if (s_.nodes().count(master))
        corrupt(key_at, "listpack re-added with existing key " + master.str());
      s_.adopt_node(master, std::move(lp));
      live_entries_ += live;
      newest_entry_ = std::max(newest_entry_, last);
    }
  }

  void read_scalars() {
    const size_t at = c_.offset();
    s_.length = in_.length();
    s_.last_id = read_id();
    if (has_7_0_counters()) {
      s_.first_id = read_id();
      s_.max_deleted_id = read_id();
      s_.entries_added = in_.length();
    } else {
      // As Redis migrates a 5.0/6.x stream: no tombstones known, every entry counted as added
      // once, and the first ID that of the first live entry (the maximum ID when none is).
      s_.max_deleted_id = {};
      s_.entries_added = s_.length;
      s_.first_id = stream_id::max();
      s_.for_each({}, stream_id::max(), false, [&](const stream_value::entry& e) {
        s_.first_id = e.id;
        return false;
      });
    }
    // Stricter than Redis (which only refuses a length without nodes): the commands rely on
    // the length matching the nodes and on new IDs going after every entry.
    if (s_.length != live_entries_)
      corrupt(at, "length " + std::to_string(s_.length) + " but the nodes hold " +
                      std::to_string(live_entries_) + " entries");
    if (!s_.nodes().empty() && s_.last_id < newest_entry_)
      corrupt(at, "last ID " + s_.last_id.str() + " is below its last entry " +
                      newest_entry_.str());
  }

  void read_group() {
    const size_t at = c_.offset();
    std::string name = in_.string();
    const stream_id last = read_id();
    const int64_t entries_read = has_7_0_counters()
                                     ? static_cast<int64_t>(in_.length())
                                     : s_.estimate_entries_read(last);
    auto [it, added] = s_.groups.try_emplace(std::move(name));
    if (!added)
      corrupt(at, "duplicated consumer group name \"" + it->first.substr(0, 64) + "\"");
    stream_group& g = it->second;
    g.last_id = last;
    g.entries_read = entries_read;
    read_group_pel(g);
    for (uint64_t n = in_.length(); n > 0; --n)
      read_consumer(g);
    // Redis checks this only under deep sanitization; credis always does, as its commands
    // expect every pending entry to have an owner.
    for (const auto& [id, pe] : g.pel)
      if (!pe.consumer)
        corrupt(at, "PEL entry " + id.str() + " of group \"" + it->first.substr(0, 64) +
                        "\" without consumer");
  }

  // The group's PEL with the delivery data; owners come with the consumers.
  void read_group_pel(stream_group& g) {
    for (uint64_t n = in_.length(); n > 0; --n) {
      const size_t at = c_.offset();
      const stream_id id = parse_raw_id(c_.take(raw_id_size));
      pending_entry pe;
      pe.delivery_time = static_cast<int64_t>(c_.le(8));
      pe.delivery_count = in_.length();
      if (!g.pel.try_emplace(id, pe).second)
        corrupt(at, "duplicated global PEL entry " + id.str());
    }
  }

  void read_consumer(stream_group& g) {
    const size_t at = c_.offset();
    std::string name = in_.string();
    auto [it, added] = g.consumers.try_emplace(name);
    if (!added)
      corrupt(at, "duplicate stream consumer \"" + name.substr(0, 64) + "\"");
    stream_consumer& c = it->second;
    c.name = std::move(name);
    c.seen_time = static_cast<int64_t>(c_.le(8));
    if (type_ >= type_stream_listpacks_3)
      c_.le(8);  // active time (7.2): not kept
    for (uint64_t n = in_.length(); n > 0; --n) {
      const size_t id_at = c_.offset();
      const stream_id id = parse_raw_id(c_.take(raw_id_size));
      auto pe = g.pel.find(id);
      if (pe == g.pel.end())
        corrupt(id_at, "consumer entry " + id.str() + " not found in group global PEL");
      if (pe->second.consumer == &c)
        corrupt(id_at, "duplicated consumer PEL entry " + id.str());
      // Redis would let the later consumer take it and leave it in both consumers' PELs.
      if (pe->second.consumer)
        corrupt(id_at, "PEL entry " + id.str() + " owned by two consumers");
      pe->second.consumer = &c;
      c.pending.insert(id);
    }
  }

  uint8_t type_;
  rdb_value_input& in_;
  byte_cursor& c_;
  stream_value s_;
  uint64_t live_entries_ = 0;
  stream_id newest_entry_;  // the highest ID in any node, deleted entries included
};

}  // namespace

stream_value read_stream(uint8_t type, rdb_value_input& in) {
  return stream_reader(type, in).read();
}

void write_stream(const stream_value& s, rdb_value_output& out) {
  out.length(s.nodes().size());
  for (const auto& [master, lp] : s.nodes()) {
    out.string(raw_id(master));
    out.string(lp.data());
  }
  auto id = [&](stream_id v) {
    out.length(v.ms);
    out.length(v.seq);
  };
  out.length(s.length);
  id(s.last_id);
  id(s.first_id);
  id(s.max_deleted_id);
  out.length(s.entries_added);
  out.length(s.groups.size());
  for (const auto& [name, g] : s.groups) {
    out.string(name);
    id(g.last_id);
    // entries_read_unknown (-1) goes out as Redis's rdbSaveLen of a long long -1 does.
    out.length(static_cast<uint64_t>(g.entries_read));
    out.length(g.pel.size());
    for (const auto& [pid, pe] : g.pel) {
      out.raw(raw_id(pid));
      out.raw(millisecond_time(pe.delivery_time));
      out.length(pe.delivery_count);
    }
    out.length(g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      out.string(cname);
      out.raw(millisecond_time(c.seen_time));
      out.length(c.pending.size());
      for (stream_id pid : c.pending)
        out.raw(raw_id(pid));
    }
  }
}

}  // namespace credis::rdb
