#include "storage/stream.hpp"

#include <charconv>

namespace credis {

namespace {

using lp_it = listpack::iterator;

// An integer entry of a node (Redis's lpGetInteger: a number, or digits stored as a string).
bool read_int(element e, int64_t& v) {
  if (e.is_int()) {
    v = e.as_int();
    return true;
  }
  std::string_view s = e.view();
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

int64_t int_at(lp_it p) {
  int64_t v = 0;
  read_int(*p, v);
  return v;
}

std::string int_text(int64_t v) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// The master entry of a node: where its fields are and where the entries start.
struct node_head {
  int64_t live = 0, deleted = 0, master_fields = 0;
  lp_it master_start, first_entry;

  explicit node_head(const listpack& lp) {
    lp_it p = lp.begin();
    live = int_at(p++);
    deleted = int_at(p++);
    master_fields = int_at(p++);
    master_start = p;
    for (int64_t i = 0; i < master_fields; ++i)
      ++p;
    first_entry = ++p;  // past the 0 terminator
  }
};

// One entry of a node, decoded from its flags on.
struct node_entry {
  lp_it flags_pos;
  int64_t flags = 0;
  stream_id id;
  int64_t fields = 0;
  lp_it body;  // the first field (the first value for SAMEFIELDS)
  lp_it next;  // past its lp-count

  bool deleted() const { return flags & stream_entry_deleted; }
  bool same_fields() const { return flags & stream_entry_samefields; }
};

node_entry read_entry(lp_it p, stream_id master, const node_head& h) {
  node_entry e;
  e.flags_pos = p;
  e.flags = int_at(p++);
  e.id.ms = master.ms + static_cast<uint64_t>(int_at(p++));
  e.id.seq = master.seq + static_cast<uint64_t>(int_at(p++));
  if (e.same_fields()) {
    e.fields = h.master_fields;
  } else {
    e.fields = int_at(p++);
  }
  e.body = p;
  const int64_t items = e.same_fields() ? e.fields : 2 * e.fields;
  for (int64_t i = 0; i < items; ++i)
    ++p;
  e.next = ++p;
  return e;
}

void fill(stream_value::entry& out, const node_entry& e, const node_head& h) {
  out.id = e.id;
  out.fields_values.clear();
  lp_it p = e.body, m = h.master_start;
  for (int64_t i = 0; i < e.fields; ++i) {
    if (e.same_fields())
      out.fields_values.push_back(*m++);
    else
      out.fields_values.push_back(*p++);
    out.fields_values.push_back(*p++);
  }
}

// The entries of a node, in order (deleted ones too).
std::vector<node_entry> node_entries(const listpack& lp, stream_id master) {
  node_head h(lp);
  std::vector<node_entry> all;
  all.reserve(static_cast<size_t>(h.live + h.deleted));
  for (lp_it p = h.first_entry; p != lp.end();) {
    all.push_back(read_entry(p, master, h));
    p = all.back().next;
  }
  return all;
}

// Sets the node's live and deleted counts.
void set_counts(listpack& lp, int64_t live, int64_t deleted) {
  lp_it p = lp.replace(lp.begin(), int_text(live));
  lp.replace(++p, int_text(deleted));
}

}  // namespace

// ---- groups

stream_consumer* stream_group::find_consumer(std::string_view name) {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : &it->second;
}

stream_consumer& stream_group::consumer(std::string_view name, int64_t now, bool& created) {
  auto it = consumers.find(name);
  created = it == consumers.end();
  if (created) {
    it = consumers.emplace(std::string(name), stream_consumer{}).first;
    it->second.name = std::string(name);
    it->second.seen_time = now;
  }
  return it->second;
}

size_t stream_group::delete_consumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end())
    return 0;
  size_t n = it->second.pending.size();
  for (stream_id id : it->second.pending)
    pel.erase(id);
  consumers.erase(it);
  return n;
}

bool stream_group::acknowledge(stream_id id) {
  auto it = pel.find(id);
  if (it == pel.end())
    return false;
  if (it->second.consumer)
    it->second.consumer->pending.erase(id);
  pel.erase(it);
  return true;
}

pending_entry& stream_group::deliver(stream_id id, stream_consumer& c, int64_t now) {
  auto [it, inserted] = pel.try_emplace(id);
  if (!inserted && it->second.consumer)
    it->second.consumer->pending.erase(id);
  it->second = {now, 1, &c};
  c.pending.insert(id);
  return it->second;
}

void stream_group::move_to(std::map<stream_id, pending_entry>::iterator it, stream_consumer& c) {
  if (it->second.consumer == &c)
    return;
  if (it->second.consumer)
    it->second.consumer->pending.erase(it->first);
  it->second.consumer = &c;
  c.pending.insert(it->first);
}

stream_group* stream_value::find_group(std::string_view name) {
  auto it = groups.find(name);
  return it == groups.end() ? nullptr : &it->second;
}

// ---- entries

void stream_value::append(stream_id id, std::span<const std::string_view> fv) {
  const int64_t nfields = static_cast<int64_t>(fv.size() / 2);
  size_t total = 0;
  for (auto s : fv)
    total += s.size();

  listpack* lp = nullptr;
  stream_id master = id;
  if (!nodes_.empty()) {
    auto last = std::prev(nodes_.end());
    size_t max_bytes = limits::stream_node_bytes;
    if (max_bytes == 0 || max_bytes > (size_t{1} << 30))
      max_bytes = size_t{1} << 30;
    bool full = last->second.bytes() + total >= max_bytes;
    if (!full && limits::stream_node_entries) {
      node_head h(last->second);
      full = static_cast<size_t>(h.live + h.deleted) >= limits::stream_node_entries;
    }
    if (!full) {
      lp = &last->second;
      master = last->first;
    }
  }

  int64_t flags = 0;
  if (!lp) {
    lp = &nodes_.emplace(id, listpack()).first->second;
    lp->push_back("1");
    lp->push_back("0");
    lp->push_back(int_text(nfields));
    for (int64_t i = 0; i < nfields; ++i)
      lp->push_back(fv[2 * i]);
    lp->push_back("0");
    flags = stream_entry_samefields;
  } else {
    node_head h(*lp);
    if (h.master_fields == nfields) {
      lp_it m = h.master_start;
      int64_t i = 0;
      for (; i < nfields; ++i, ++m)
        if (!(*m == fv[2 * i]))
          break;
      if (i == nfields)
        flags = stream_entry_samefields;
    }
    lp->replace(lp->begin(), int_text(h.live + 1));
  }

  lp->push_back(int_text(flags));
  lp->push_back(int_text(static_cast<int64_t>(id.ms - master.ms)));
  lp->push_back(int_text(static_cast<int64_t>(id.seq - master.seq)));
  const bool same = flags & stream_entry_samefields;
  if (!same)
    lp->push_back(int_text(nfields));
  for (int64_t i = 0; i < nfields; ++i) {
    if (!same)
      lp->push_back(fv[2 * i]);
    lp->push_back(fv[2 * i + 1]);
  }
  lp->push_back(int_text(same ? nfields + 3 : 2 * nfields + 4));

  ++length;
  ++entries_added;
  last_id = id;
  if (length == 1)
    first_id = id;
}

bool stream_value::remove(stream_id id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin())
    return false;
  --it;
  listpack& lp = it->second;
  node_head h(lp);
  for (lp_it p = h.first_entry; p != lp.end();) {
    node_entry e = read_entry(p, it->first, h);
    if (e.id > id)
      return false;
    if (e.id == id) {
      if (e.deleted())
        return false;
      if (h.live == 1) {
        nodes_.erase(it);
      } else {
        lp.replace(e.flags_pos, int_text(e.flags | stream_entry_deleted));
        set_counts(lp, h.live - 1, h.deleted + 1);
      }
      --length;
      return true;
    }
    p = e.next;
  }
  return false;
}

bool stream_value::contains(stream_id id) const {
  bool found = false;
  for_each(id, id, false, [&](const entry&) { return !(found = true); });
  return found;
}

// Redis's streamTrim: whole nodes from the oldest while all of a node goes, then (unless
// approximate) entries of the next one marked deleted. `maxlen` when `by_length`, else `minid`.
int64_t stream_value::trim(bool by_length, uint64_t maxlen, stream_id minid, bool approx,
                           int64_t limit) {
  int64_t removed = 0;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (by_length && length <= maxlen)
      break;
    listpack& lp = it->second;
    node_head h(lp);
    if (limit && removed + h.live > limit)
      break;
    bool whole;
    if (by_length) {
      whole = length - static_cast<uint64_t>(h.live) >= maxlen;
    } else {
      std::vector<node_entry> all = node_entries(lp, it->first);
      whole = all.empty() || all.back().id < minid;
    }
    if (whole) {
      length -= static_cast<uint64_t>(h.live);
      removed += h.live;
      it = nodes_.erase(it);
      continue;
    }
    if (approx)
      break;
    int64_t marked = 0;
    for (lp_it p = h.first_entry; p != lp.end();) {
      node_entry e = read_entry(p, it->first, h);
      if (by_length ? length <= maxlen : e.id >= minid)
        break;
      if (!e.deleted()) {
        // Same-size replacement (1 or 3 as flags: 0 or 2 plus 1), so later positions hold.
        lp_it f = lp.replace(e.flags_pos, int_text(e.flags | stream_entry_deleted));
        e = read_entry(f, it->first, h);
        ++marked;
        --length;
      }
      p = e.next;
    }
    removed += marked;
    set_counts(lp, h.live - marked, h.deleted + marked);
    break;
  }
  if (length == 0)
    first_id = {};
  else if (removed)
    first_id = edge_id(true, true);
  return removed;
}

stream_id stream_value::edge_id(bool first, bool skip_deleted) const {
  // As streamGetEdgeID when there is no such entry: the maximum ID as the first, 0-0 as the
  // last (XADD/XTRIM propagate an approximate MINID trim as MINID = <first ID with tombstones>,
  // so a trim that removed every node must replicate as the maximum ID, not 0-0).
  stream_id found = first ? stream_id::max() : stream_id{};
  walk(stream_id{}, stream_id::max(), !first, !skip_deleted, [&](const entry& e) {
    found = e.id;
    return false;
  });
  return found;
}

void stream_value::for_each(stream_id start, stream_id end, bool rev,
                            const std::function<bool(const entry&)>& visit) const {
  walk(start, end, rev, false, visit);
}

void stream_value::walk(stream_id start, stream_id end, bool rev, bool with_deleted,
                        const std::function<bool(const entry&)>& visit) const {
  if (nodes_.empty() || start > end)
    return;
  entry out;
  // The node holding `from` (the last one whose master ID is not above it).
  auto holding = [&](stream_id from) {
    auto it = nodes_.upper_bound(from);
    return it == nodes_.begin() ? it : std::prev(it);
  };
  if (!rev) {
    for (auto it = holding(start); it != nodes_.end(); ++it) {
      if (it->first > end)
        return;
      node_head h(it->second);
      for (lp_it p = h.first_entry; p != it->second.end();) {
        node_entry e = read_entry(p, it->first, h);
        p = e.next;
        if (e.id < start || (e.deleted() && !with_deleted))
          continue;
        if (e.id > end)
          return;
        fill(out, e, h);
        if (!visit(out))
          return;
      }
    }
    return;
  }
  for (auto it = std::next(holding(end));;) {
    if (it == nodes_.begin())
      return;
    --it;
    node_head h(it->second);
    std::vector<node_entry> all = node_entries(it->second, it->first);
    for (auto e = all.rbegin(); e != all.rend(); ++e) {
      if (e->id > end || (e->deleted() && !with_deleted))
        continue;
      if (e->id < start)
        return;
      fill(out, *e, h);
      if (!visit(out))
        return;
    }
  }
}

// ---- consumer group counters (Redis 7.0's lag bookkeeping)

int64_t stream_value::estimate_entries_read(stream_id id) const {
  if (!entries_added)
    return 0;
  if (!length && id <= last_id)
    return static_cast<int64_t>(entries_added);
  if (id == last_id)
    return static_cast<int64_t>(entries_added);
  if (id > last_id)
    return entries_read_unknown;
  if (max_deleted_id.is_zero() || max_deleted_id < first_id) {
    if (id < first_id)
      return static_cast<int64_t>(entries_added - length);
    if (id == first_id)
      return static_cast<int64_t>(entries_added - length + 1);
  }
  return entries_read_unknown;
}

bool stream_value::range_has_tombstones(stream_id start, stream_id end) const {
  if (!length || max_deleted_id.is_zero())
    return false;
  if (first_id > max_deleted_id)
    return false;
  return start <= max_deleted_id && max_deleted_id <= end;
}

std::optional<int64_t> stream_value::group_lag(const stream_group& g) const {
  if (!entries_added)
    return 0;
  if (g.entries_read != entries_read_unknown &&
      !range_has_tombstones(g.last_id, stream_id::max()))
    return static_cast<int64_t>(entries_added) - g.entries_read;
  int64_t read = estimate_entries_read(g.last_id);
  if (read == entries_read_unknown)
    return std::nullopt;
  return static_cast<int64_t>(entries_added) - read;
}

// ---- copies, memory, loading checks

stream_value stream_value::clone() const {
  stream_value c;
  c.length = length;
  c.last_id = last_id;
  c.first_id = first_id;
  c.max_deleted_id = max_deleted_id;
  c.entries_added = entries_added;
  c.nodes_ = nodes_;
  for (const auto& [name, g] : groups) {
    stream_group& n = c.groups[name];
    n.last_id = g.last_id;
    n.entries_read = g.entries_read;
    n.pel = g.pel;
    for (auto& [pid, pe] : n.pel)
      pe.consumer = nullptr;
    for (const auto& [cname, con] : g.consumers) {
      stream_consumer& nc = n.consumers[cname];
      nc = con;
      for (stream_id pid : nc.pending)
        n.pel[pid].consumer = &nc;
    }
  }
  return c;
}

size_t stream_value::memory_usage() const {
  size_t n = sizeof(stream_value);
  for (const auto& [id, lp] : nodes_)
    n += lp.bytes() + 64;  // the listpack, and its tree node
  for (const auto& [name, g] : groups) {
    n += sizeof(stream_group) + name.size() + 64;
    n += g.pel.size() * (sizeof(pending_entry) + 64);
    for (const auto& [cname, c] : g.consumers)
      n += sizeof(stream_consumer) + cname.size() * 2 + c.pending.size() * 48 + 64;
  }
  return n;
}

bool valid_stream_node(const listpack& lp, stream_id master, uint64_t& live, stream_id& last) {
  lp_it p = lp.begin(), end = lp.end();
  int64_t count, deleted, master_fields, zero;
  auto next_int = [&](int64_t& v) { return p != end && read_int(*p++, v); };
  auto skip = [&](int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      if (p == end)
        return false;
      ++p;
    }
    return true;
  };
  if (!next_int(count) || !next_int(deleted) || !next_int(master_fields) || count < 0 ||
      deleted < 0 || master_fields < 0 || !skip(master_fields) || !next_int(zero) || zero != 0)
    return false;
  if (count + deleted == 0)
    return false;
  int64_t seen_live = 0;
  for (int64_t n = count + deleted; n > 0; --n) {
    int64_t flags, ms, seq, fields = master_fields, extra = 3, lp_count;
    if (!next_int(flags) || !next_int(ms) || !next_int(seq))
      return false;
    if (!(flags & stream_entry_samefields)) {
      if (!next_int(fields) || fields < 0 || !skip(fields))
        return false;
      extra += fields + 1;
    }
    if (!skip(fields) || !next_int(lp_count) || lp_count != fields + extra)
      return false;
    if (!(flags & stream_entry_deleted))
      ++seen_live;
    last = {master.ms + static_cast<uint64_t>(ms), master.seq + static_cast<uint64_t>(seq)};
  }
  if (p != end || seen_live != count)
    return false;
  live = static_cast<uint64_t>(count);
  return true;
}

}  // namespace credis
