// libFuzzer target: the client request parser (protocol/resp_parser), fed the way a connection
// feeds it (actors/connection_actor.cpp, parse_input): append what arrived, parse every complete
// command, erase the consumed prefix; when the parser waits for a big bulk's data (flags bit 0),
// take those bytes out of the input, collect them elsewhere, and hand them over with
// add_big_bulk. Differential check: the same bytes parsed in one piece give the same commands
// and the same error.
//
// Input: see fuzz_common.hpp (split_input). flags bit 0: hand big bulks over in the split run.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_parser.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace credis;
using credis::fuzz::exact_buffer;

namespace {

struct outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;  // empty: no error (the input ended, maybe inside a command)
};

// An error that depends on how the bytes arrived: a line not complete yet is refused once the
// bytes already there pass 64 KB, as Redis does.
bool is_size_limit_error(const std::string& e) {
  return e.rfind("Protocol error: too big ", 0) == 0;
}

void record(outcome& out, const std::vector<std::string_view>& argv) {
  FUZZ_CHECK(!argv.empty());  // empty commands are skipped by the parser
  std::vector<std::string> cmd;
  for (auto a : argv)
    cmd.emplace_back(a);
  out.commands.push_back(std::move(cmd));
}

// Parses `buf` from 0 until it runs out or fails; returns how much it consumed.
size_t parse_all(resp_parser& parser, std::string_view buf, outcome& out, bool& failed) {
  std::vector<std::string_view> argv;
  size_t pos = 0;
  for (;;) {
    const size_t before = pos;
    auto r = parser.parse(buf, pos, argv);
    if (r == resp_parser::result::incomplete) {
      // Empty commands (blank lines, *0) before the incomplete one are consumed.
      FUZZ_CHECK(pos >= before && pos <= buf.size());
      return pos;
    }
    if (r == resp_parser::result::error) {
      FUZZ_CHECK(!parser.error().empty());
      out.error = parser.error();
      failed = true;
      return pos;
    }
    FUZZ_CHECK(pos > before && pos <= buf.size());
    record(out, argv);
  }
}

// A connection's side: its input buffer, and the big bulk it may be collecting.
class split_feeder {
 public:
  explicit split_feeder(bool hand_over) : hand_over_(hand_over) {}

  void feed(std::string_view bytes) {
    if (failed_)
      return;
    if (collecting_) {
      size_t take = std::min(want_ - collected_.size(), bytes.size());
      collected_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (collected_.size() < want_)
        return;
      end_big_bulk();
    }
    input_.append(bytes);
    parse_input();
  }

  outcome out;

 private:
  void end_big_bulk() {
    FUZZ_CHECK(collected_.size() == want_);
    blocks_.emplace_back(collected_);
    collected_.clear();
    collecting_ = false;
    parser_.add_big_bulk(blocks_.back().view());
    FUZZ_CHECK(!parser_.big_bulk_pending());
  }

  void parse_input() {
    // A fresh, exactly sized copy each time: the parser must keep nothing pointing into the
    // previous one (ASan reports it if it does).
    exact_buffer buf(input_);
    std::vector<std::string_view> argv;
    size_t pos = 0;
    for (;;) {
      const size_t before = pos;
      auto r = parser_.parse(buf.view(), pos, argv);
      if (r == resp_parser::result::incomplete) {
        // Empty commands (blank lines, *0) before the incomplete one are consumed.
        FUZZ_CHECK(pos >= before && pos <= buf.size);
        if (hand_over_ && parser_.big_bulk_pending()) {
          FUZZ_CHECK(parser_.big_bulk_length() >= big_bulk_size);
          const size_t at = pos + parser_.big_bulk_offset();
          FUZZ_CHECK(at > pos && at <= buf.size);
          // The data of the bulk is not complete, or the parser would not wait for it.
          FUZZ_CHECK(buf.size - at < parser_.big_bulk_length() + 2);
          want_ = parser_.big_bulk_length();
          collecting_ = true;
          std::string_view there = buf.view().substr(at);
          size_t take = std::min(want_, there.size());
          collected_.assign(there.substr(0, take));
          std::string rest(buf.view().substr(0, at));
          rest.append(there.substr(take));
          buf = exact_buffer(rest);
          if (collected_.size() < want_)
            break;
          end_big_bulk();
          continue;
        }
        break;
      }
      if (r == resp_parser::result::error) {
        FUZZ_CHECK(!parser_.error().empty());
        out.error = parser_.error();
        failed_ = true;
        break;
      }
      FUZZ_CHECK(pos > before && pos <= buf.size);
      record(out, argv);
      blocks_.clear();  // the command is done with its big bulks (ASan: nothing may use them)
    }
    input_.assign(buf.view().substr(pos));
  }

  bool hand_over_;
  resp_parser parser_;
  std::string input_;
  bool failed_ = false;
  bool collecting_ = false;
  size_t want_ = 0;
  std::string collected_;
  std::vector<exact_buffer> blocks_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::split_input in;
  if (!in.parse(data, size))
    return 0;

  split_feeder split(in.flags & 1);
  for (std::string_view chunk : in.chunks())
    split.feed(chunk);

  outcome whole;
  {
    resp_parser parser;
    exact_buffer buf(in.bytes);
    bool failed = false;
    parse_all(parser, buf.view(), whole, failed);
  }

  const outcome& s = split.out;
  if (is_size_limit_error(s.error)) {
    // The split run met a line longer than the limit before its end arrived, while the whole
    // run saw it complete (and may have failed later, even with the same error). Up to there
    // both agree.
    FUZZ_CHECK(s.commands.size() <= whole.commands.size());
    for (size_t i = 0; i < s.commands.size(); ++i)
      FUZZ_CHECK(s.commands[i] == whole.commands[i]);
    return 0;
  }
  FUZZ_CHECK(s.error == whole.error);
  FUZZ_CHECK(s.commands.size() == whole.commands.size());
  for (size_t i = 0; i < s.commands.size(); ++i)
    FUZZ_CHECK(s.commands[i] == whole.commands[i]);
  return 0;
}
