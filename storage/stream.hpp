// The stream type: entries (an ID and field-value pairs) in ID order, and consumer groups.
//
// Stored as Redis 7.0 stores it, byte for byte: nodes of up to stream-node-max-entries entries
// (or stream-node-max-bytes), each a listpack in Redis's stream layout, keyed by its master ID
// (the first entry's ID, which the others are delta-encoded against):
//   master entry: count, deleted, num-fields, field..., 0
//   each entry:   flags, ms-delta, seq-delta, [num-fields, field, value... | value...], lp-count
// (SAMEFIELDS entries leave out the fields when they are the master entry's). XDEL marks an
// entry deleted in place, and a node goes when its last live entry does. RDB files carry these
// listpacks as they are.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/element.hpp"
#include "storage/listpack.hpp"
#include "storage/stream_id.hpp"

namespace credis {

// Redis 7.0's stream-node-max-bytes / stream-node-max-entries (CONFIG SET changes them).
namespace limits {
inline std::atomic<size_t> stream_node_bytes = 4096, stream_node_entries = 100;
}  // namespace limits

// An entry's flags in its node.
enum stream_entry_flag : int64_t { stream_entry_deleted = 1, stream_entry_samefields = 2 };

struct stream_consumer;

// A delivered entry not yet acknowledged (Redis's streamNACK).
struct pending_entry {
  int64_t delivery_time = 0;  // unix ms
  uint64_t delivery_count = 1;
  stream_consumer* consumer = nullptr;
};

struct stream_consumer {
  std::string name;
  int64_t seen_time = 0;
  std::set<stream_id> pending;  // its entries of the group's PEL
};

// Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is not known.
inline constexpr int64_t entries_read_unknown = -1;

struct stream_group {
  stream_id last_id;
  int64_t entries_read = entries_read_unknown;
  std::map<stream_id, pending_entry> pel;
  // By name, in byte order (as Redis's rax); the map keeps the consumers where PEL entries
  // point at them.
  std::map<std::string, stream_consumer, std::less<>> consumers;

  stream_consumer* find_consumer(std::string_view name);
  // The consumer `name`, created (seen now) when missing; `created` says which.
  stream_consumer& consumer(std::string_view name, int64_t now, bool& created);
  // Removes the consumer and its entries of the PEL; returns how many it had.
  size_t delete_consumer(std::string_view name);
  // Drops `id` from the PEL (and its consumer's); false when it was not pending.
  bool acknowledge(stream_id id);
  // Makes `id`, pending or not, pending for `c` (delivered now, once), as a delivery does.
  pending_entry& deliver(stream_id id, stream_consumer& c, int64_t now);
  // Gives the pending `id` to `c`.
  void move_to(std::map<stream_id, pending_entry>::iterator it, stream_consumer& c);
};

class stream_value {
 public:
  stream_value() = default;
  stream_value(stream_value&&) noexcept = default;
  stream_value& operator=(stream_value&&) noexcept = default;
  stream_value(const stream_value&) = delete;
  stream_value& operator=(const stream_value&) = delete;

  stream_value clone() const;

  uint64_t length = 0;
  stream_id last_id, first_id, max_deleted_id;
  uint64_t entries_added = 0;

  // Appends an entry with `id`, which must be above last_id; `fields_values` alternates
  // field and value. Updates length, last_id, first_id and entries_added.
  void append(stream_id id, std::span<const std::string_view> fields_values);
  // Marks `id` deleted; false when it is not a live entry. Does not touch first_id or
  // max_deleted_id (XDEL does).
  bool remove(stream_id id);
  bool contains(stream_id id) const;

  // Trimming, as Redis's streamTrim: entries below `minid`, or past the newest `maxlen`.
  // `approx` removes whole nodes only; `limit` (0: none) caps the entries removed. Returns how
  // many went, and sets first_id again.
  int64_t trim_to_length(uint64_t maxlen, bool approx, int64_t limit) {
    return trim(true, maxlen, {}, approx, limit);
  }
  int64_t trim_below(stream_id minid, bool approx, int64_t limit) {
    return trim(false, 0, minid, approx, limit);
  }

  // The first or last entry's ID; tombstones (deleted entries) count when `skip_deleted` is
  // false. With no such entry, as Redis's streamGetEdgeID: the maximum ID as the first, 0-0 as
  // the last.
  stream_id edge_id(bool first, bool skip_deleted) const;
  // Recomputes first_id from the entries (0-0 when empty).
  void reset_first_id() { first_id = length ? edge_id(true, true) : stream_id{}; }

  // The nodes, keyed by master ID: what RDB files hold.
  const std::map<stream_id, listpack>& nodes() const { return nodes_; }
  // Loading: takes a node over as it is (the caller checked it) with `live` live entries.
  void adopt_node(stream_id master, listpack lp) { nodes_.emplace(master, std::move(lp)); }

  // Consumer groups, by name in byte order.
  std::map<std::string, stream_group, std::less<>> groups;
  stream_group* find_group(std::string_view name);

  // Redis's streamEstimateDistanceFromFirstEverEntry: the read counter of `id`, or
  // entries_read_unknown.
  int64_t estimate_entries_read(stream_id id) const;
  // Whether a deleted entry lies in [start, end] (conservatively, from max_deleted_id).
  bool range_has_tombstones(stream_id start, stream_id end) const;
  // The group's lag (entries not yet delivered; negative after ENTRIESREAD past the end), or
  // nothing when it cannot be told.
  std::optional<int64_t> group_lag(const stream_group& g) const;

  // Bytes held, roughly as Redis's MEMORY USAGE counts them.
  size_t memory_usage() const;

  // One entry as iteration hands it out: views into the stream, valid until it changes.
  struct entry {
    stream_id id;
    std::vector<element> fields_values;  // field, value, field, value...
  };

  // Walks the live entries with IDs in [start, end], ascending (descending with `rev`),
  // while `visit` returns true.
  void for_each(stream_id start, stream_id end, bool rev,
                const std::function<bool(const entry&)>& visit) const;

 private:
  int64_t trim(bool by_length, uint64_t maxlen, stream_id minid, bool approx, int64_t limit);
  void walk(stream_id start, stream_id end, bool rev, bool with_deleted,
            const std::function<bool(const entry&)>& visit) const;

  std::map<stream_id, listpack> nodes_;
};

// Checks a node read from a file (Redis's streamValidateListpackIntegrity, deep); false when
// its layout is not a stream node's. Counts its live entries and gives its last entry's ID.
bool valid_stream_node(const listpack& lp, stream_id master, uint64_t& live, stream_id& last);

}  // namespace credis
