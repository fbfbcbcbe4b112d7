// libFuzzer target: the replica's side of the replication protocol (replication/master_link):
// the bytes are what a master sends (handshake replies, +FULLRESYNC or +CONTINUE, the $<len> or
// $EOF:<mark> snapshot, then the command stream), fed split at arbitrary points. Differential
// check: fed in one piece, the link sends the same bytes, reports the same sync, snapshot,
// commands (with their raw bytes and offsets) and error, and ends in the same state and offset.
//
// Input: see fuzz_common.hpp (split_input). flags bit 0: the replica asks to continue a known
// history (PSYNC <id> <offset+1>) instead of PSYNC ? -1, at offset 1000, or with bit 2 at the
// largest offset there is; bit 1: an empty feed after each chunk.
#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "replication/master_link.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace credis;

namespace {

const std::string known_id = "8de1ba8fbbd36a1e5c2f4ee4d3d6a0ba7b2fd23e";
constexpr int64_t known_offset = 1000;
constexpr int64_t largest_offset = std::numeric_limits<int64_t>::max();

struct received_command {
  std::vector<std::string> argv;
  std::string raw;
  int64_t offset_after = 0;
  bool operator==(const received_command&) const = default;
};

struct recording_sink : stream_sink {
  const master_link* link = nullptr;
  std::vector<received_command> commands;
  void command(const std::vector<std::string_view>& argv, std::string_view raw) override {
    FUZZ_CHECK(!argv.empty() && !raw.empty());
    received_command c;
    for (auto a : argv)
      c.argv.emplace_back(a);
    c.raw.assign(raw);
    c.offset_after = link->offset();
    if (!commands.empty())  // the offset counts every byte of the stream
      FUZZ_CHECK(c.offset_after - commands.back().offset_after ==
                 static_cast<int64_t>(raw.size()));
    commands.push_back(std::move(c));
  }
};

struct outcome {
  std::string sends;
  int full_syncs = 0, continues = 0, snapshots_done = 0;
  std::vector<std::string> replids;
  std::vector<int64_t> sync_offsets;
  std::string snapshot;
  std::vector<received_command> commands;
  std::vector<std::string> errors;
  int64_t offset = 0;
  master_link::state state = master_link::state::pong;
};

outcome run(const std::vector<std::string_view>& parts, bool continue_history,
            int64_t history_offset, bool empty_feeds) {
  outcome r;
  master_link link(6380, continue_history ? known_id : std::string(),
                   continue_history ? history_offset : 0);
  FUZZ_CHECK(!link.start().empty());
  recording_sink sink;
  sink.link = &link;
  auto take = [&](const master_link::progress& p) {
    const bool failed_before = !r.errors.empty();
    if (failed_before)  // a broken link does nothing more
      FUZZ_CHECK(p.send.empty() && !p.full_sync && !p.continued && !p.snapshot_done &&
                 p.error.empty());
    r.sends += p.send;
    r.full_syncs += p.full_sync;
    r.continues += p.continued;
    if (p.full_sync) {
      FUZZ_CHECK(p.replid.size() == 40 && p.offset >= 0);
      r.sync_offsets.push_back(p.offset);
    }
    if (!p.replid.empty())
      r.replids.push_back(p.replid);
    if (p.snapshot_done) {
      ++r.snapshots_done;
      if (link.snapshot_expected() >= 0)
        FUZZ_CHECK(link.snapshot_received() == static_cast<size_t>(link.snapshot_expected()));
      r.snapshot = link.snapshot();
    }
    if (!p.error.empty()) {
      FUZZ_CHECK(link.current() == master_link::state::failed);
      r.errors.push_back(p.error);
    } else {
      FUZZ_CHECK(failed_before || link.current() != master_link::state::failed);
    }
  };
  for (std::string_view part : parts) {
    // Each chunk in its own exactly sized buffer, gone after the call: the link must copy what
    // it keeps (ASan reports a view kept into it).
    fuzz::exact_buffer buf(part);
    take(link.feed(buf.view(), sink));
    if (empty_feeds)
      take(link.feed({}, sink));
  }
  (void)link.ack();
  r.commands = std::move(sink.commands);
  r.offset = link.offset();
  r.state = link.current();
  return r;
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127 && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
    if (out.size() > 300) {
      out += "...";
      break;
    }
  }
  return out;
}

// What a run did, on stderr, when the two runs disagree.
void describe(const char* name, const outcome& r) {
  std::fprintf(stderr, "%s: state %d, offset %lld, full_syncs %d, continues %d, snapshots %d (%zu bytes)\n",
               name, static_cast<int>(r.state), static_cast<long long>(r.offset), r.full_syncs,
               r.continues, r.snapshots_done, r.snapshot.size());
  std::fprintf(stderr, "  sends: %s\n", printable(r.sends).c_str());
  for (const auto& e : r.errors)
    std::fprintf(stderr, "  error: %s\n", printable(e).c_str());
  for (const auto& c : r.commands)
    std::fprintf(stderr, "  command at %lld: %s\n", static_cast<long long>(c.offset_after),
                 printable(c.raw).c_str());
}

// Errors that depend on how the bytes arrived: a line (or the payload header, or a request of
// the stream) still incomplete when what is buffered passes 64 KB.
bool is_size_limit_error(const std::string& e) {
  return e == "Bad protocol from master: reply line too long" ||
         e == "Bad protocol from master: no payload header" ||
         e.rfind("Bad protocol from master: Protocol error: too big ", 0) == 0;
}

template <class T>
bool is_prefix(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::split_input in;
  if (!in.parse(data, size))
    return 0;
  const bool continue_history = in.flags & 1;
  const int64_t history_offset = in.flags & 4 ? largest_offset : known_offset;
  outcome split = run(in.chunks(), continue_history, history_offset, in.flags & 2);
  outcome whole = run({in.bytes}, continue_history, history_offset, false);

  FUZZ_CHECK(split.errors.size() <= 1 && whole.errors.size() <= 1);
  if (split.errors.size() == 1 && is_size_limit_error(split.errors[0])) {
    // The split run refused a line before its end arrived (the whole run may refuse a later
    // one with the same words, or take it: a line is judged by what has arrived, as in
    // Redis); up to there both agree.
    FUZZ_CHECK(whole.sends.compare(0, split.sends.size(), split.sends) == 0);
    FUZZ_CHECK(is_prefix(split.commands, whole.commands));
    FUZZ_CHECK(split.full_syncs <= whole.full_syncs && split.continues <= whole.continues &&
               split.snapshots_done <= whole.snapshots_done);
    return 0;
  }
  if (!(split.sends == whole.sends && split.full_syncs == whole.full_syncs &&
        split.continues == whole.continues && split.snapshots_done == whole.snapshots_done &&
        split.replids == whole.replids && split.sync_offsets == whole.sync_offsets &&
        split.snapshot == whole.snapshot && split.commands == whole.commands &&
        split.errors == whole.errors && split.offset == whole.offset &&
        split.state == whole.state)) {
    describe("split", split);
    describe("whole", whole);
    FUZZ_CHECK(!"fed split or whole, the link does the same");
  }
  FUZZ_CHECK(split.full_syncs <= 1 && split.continues <= 1 && split.snapshots_done <= 1);
  return 0;
}
