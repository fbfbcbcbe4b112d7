#include "replication/master_link.hpp"

#include <algorithm>

#include "protocol/integers.hpp"
#include "replication/stream_encoder.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {
// The largest replication offset accepted from a master (2^62): far beyond any real stream,
// and low enough that counting bytes on from it cannot overflow.
constexpr int64_t max_offset = int64_t{1} << 62;

constexpr size_t eof_mark_size = 40;
// A reply line longer than this is not from a Redis master.
constexpr size_t max_line = 64 * 1024;

std::string command(std::initializer_list<std::string_view> argv) {
  std::string out;
  encode_command(arg_list(argv.begin(), argv.size()), out);
  return out;
}

std::string text_of(int64_t v) {
  std::string s;
  append_int64(s, v);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

master_link::master_link(int64_t listening_port, std::string replid, int64_t offset)
    : listening_port_(listening_port), replid_(std::move(replid)), offset_(offset) {}

std::string master_link::start() const { return command({"PING"}); }

std::string master_link::ack(int64_t offset) {
  return command({"REPLCONF", "ACK", text_of(offset)});
}

void master_link::fail(progress& p, std::string why) {
  state_ = state::failed;
  p.error = std::move(why);
}

// A line without its CR LF; false until one is complete.
bool master_link::read_line(std::string& line) {
  size_t nl = in_.find('\n', pos_);
  if (nl == std::string::npos)
    return false;
  size_t end = nl > pos_ && in_[nl - 1] == '\r' ? nl - 1 : nl;
  line.assign(in_, pos_, end - pos_);
  pos_ = nl + 1;
  return true;
}

void master_link::on_line(const std::string& line, progress& p) {
  switch (state_) {
    case state::pong:
      // As Redis: a master that wants a password may say so to the PING; anything else but
      // '+' ends the handshake.
      if (line.empty() || (line[0] != '+' && !starts_with(line, "-NOAUTH") &&
                           !starts_with(line, "-NOPERM") &&
                           !starts_with(line, "-ERR operation not permitted"))) {
        fail(p, "Error reply to PING from master: '" + line + "'");
        return;
      }
      if (!auth_password_.empty())
        p.send += auth_user_.empty() ? command({"AUTH", auth_password_})
                                     : command({"AUTH", auth_user_, auth_password_});
      p.send += command({"REPLCONF", "listening-port", text_of(listening_port_)});
      p.send += command({"REPLCONF", "capa", "eof", "capa", "psync2"});
      state_ = auth_password_.empty() ? state::port_ok : state::auth_ok;
      return;
    case state::auth_ok:
      if (line.empty() || line[0] == '-') {
        fail(p, "Unable to AUTH to MASTER: " + line);
        return;
      }
      state_ = state::port_ok;
      return;
    case state::port_ok:  // an error here is not critical, as in Redis
      state_ = state::capa_ok;
      return;
    case state::capa_ok:
      // A history at an offset no stream reaches (an RDB file can claim any) is not offered.
      p.send += replid_.empty() || offset_ < 0 || offset_ > max_offset
                    ? command({"PSYNC", "?", "-1"})
                    : command({"PSYNC", replid_, text_of(offset_ + 1)});
      state_ = state::psync;
      return;
    case state::psync: {
      if (starts_with(line, "+FULLRESYNC ")) {
        std::string_view rest = std::string_view(line).substr(12);
        size_t space = rest.find(' ');
        int64_t offset = 0;
        // An offset no stream could reach is refused: counting on from it would overflow.
        if (space != eof_mark_size || !parse_int64(rest.substr(space + 1), offset) ||
            offset < 0 || offset > max_offset) {
          fail(p, "Bad +FULLRESYNC reply from master: '" + line + "'");
          return;
        }
        replid_ = std::string(rest.substr(0, space));
        offset_ = offset;
        p.full_sync = true;
        p.replid = replid_;
        p.offset = offset;
        state_ = state::payload;
      } else if (line == "+CONTINUE" || starts_with(line, "+CONTINUE ")) {
        std::string id = line.size() > 10 ? line.substr(10) : std::string();
        if (!id.empty() && id.size() != eof_mark_size) {
          fail(p, "Bad +CONTINUE reply from master: '" + line + "'");
          return;
        }
        p.continued = true;
        if (!id.empty() && id != replid_) {
          p.replid = id;
          replid_ = id;
        }
        state_ = state::streaming;
      } else {
        fail(p, "Unexpected reply to PSYNC from master: '" + line + "'");
      }
      return;
    }
    default:
      return;
  }
}

void master_link::read_payload(progress& p) {
  if (payload_len_ == -2) {
    std::string line;
    for (;;) {
      if (!read_line(line)) {
        if (in_.size() - pos_ > max_line)
          fail(p, "Bad protocol from master: no payload header");
        return;
      }
      if (!line.empty())
        break;  // empty lines are keep-alives
    }
    if (starts_with(line, "$EOF:") && line.size() == 5 + eof_mark_size) {
      eof_mark_ = line.substr(5);
      payload_len_ = -1;
    } else if (line.size() > 1 && line[0] == '$' &&
               parse_int64(std::string_view(line).substr(1), payload_len_) && payload_len_ >= 0) {
      // Memory follows the bytes that arrive, not what the header claims (at most 16 MB
      // ahead of them): a bogus length costs nothing.
      rdb_.reserve(static_cast<size_t>(std::min<int64_t>(payload_len_, 16 << 20)));
    } else {
      fail(p, "Bad protocol from master: expected the payload's length, got '" + line + "'");
      return;
    }
  }
  size_t available = in_.size() - pos_;
  if (payload_len_ >= 0) {
    size_t take = std::min(available, static_cast<size_t>(payload_len_) - rdb_.size());
    if (rdb_.size() + take > rdb_.capacity())  // doubling, but never past the length
      rdb_.reserve(std::min(static_cast<size_t>(payload_len_),
                            std::max(rdb_.capacity() * 2, rdb_.size() + take)));
    rdb_.append(in_, pos_, take);
    pos_ += take;
    if (rdb_.size() < static_cast<size_t>(payload_len_))
      return;
  } else {
    size_t before = rdb_.size();
    rdb_.append(in_, pos_, available);
    pos_ += available;
    size_t from = before >= eof_mark_size ? before - eof_mark_size + 1 : 0;
    size_t mark = rdb_.find(eof_mark_, from);
    if (mark == std::string::npos)
      return;
    // What follows the mark is already the stream: give it back to the input.
    in_.insert(pos_, rdb_, mark + eof_mark_size);
    rdb_.resize(mark);
  }
  p.snapshot_done = true;
  state_ = state::streaming;
}

void master_link::read_stream(progress& p, stream_sink& sink) {
  for (;;) {
    size_t start = pos_ - skipped_;
    auto r = parser_.parse(in_, pos_, argv_);
    if (r == resp_parser::result::incomplete) {
      skipped_ = pos_ - start;
      return;
    }
    skipped_ = 0;
    if (r == resp_parser::result::error) {
      fail(p, "Bad protocol from master: " + parser_.error());
      return;
    }
    std::string_view raw(in_.data() + start, pos_ - start);
    if (offset_ > max_offset - static_cast<int64_t>(raw.size())) {
      fail(p, "Bad protocol from master: replication offset overflow");
      return;
    }
    // The ACK counts every byte before the GETACK, which itself counts afterwards.
    if (argv_.size() >= 2 && iequals(argv_[0], "replconf") && iequals(argv_[1], "getack"))
      p.send += ack();
    offset_ += static_cast<int64_t>(raw.size());
    sink.command(argv_, raw);
  }
}

master_link::progress master_link::feed(std::string_view data, stream_sink& sink) {
  progress p;
  in_.append(data);
  while (state_ != state::failed) {
    size_t before = pos_;
    state s = state_;
    if (s == state::payload) {
      read_payload(p);
    } else if (s == state::streaming) {
      read_stream(p, sink);
      break;
    } else {
      std::string line;
      if (!read_line(line)) {
        if (in_.size() - pos_ > max_line)
          fail(p, "Bad protocol from master: reply line too long");
        break;
      }
      // Newlines are keep-alives a master sends while it prepares the snapshot.
      if (!line.empty() || s != state::psync)
        on_line(line, p);
    }
    if (pos_ == before && state_ == s)
      break;  // waiting for more bytes
  }
  in_.erase(0, pos_ - skipped_);
  pos_ = skipped_;
  return p;
}

}  // namespace credis
