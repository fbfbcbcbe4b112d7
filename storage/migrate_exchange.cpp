#include "storage/migrate_exchange.hpp"

#include <algorithm>
#include <initializer_list>

#include "protocol/integers.hpp"

namespace credis {

namespace {

void append_command(std::string& out, std::initializer_list<std::string_view> argv) {
  out += '*';
  append_int64(out, static_cast<int64_t>(argv.size()));
  out += "\r\n";
  for (std::string_view a : argv) {
    out += '$';
    append_int64(out, static_cast<int64_t>(a.size()));
    out += "\r\n";
    out.append(a);
    out += "\r\n";
  }
}

constexpr size_t max_line = 1024;

bool is_error(const std::string& line) { return !line.empty() && line[0] == '-'; }

}  // namespace

migrate_exchange::migrate_exchange(const migrate_job& job, bool select)
    : auth_(job.args.auth), select_(select) {
  const migrate_args& a = job.args;
  if (a.auth && a.username.empty())
    append_command(request_, {"AUTH", a.password});
  else if (a.auth)
    append_command(request_, {"AUTH", a.username, a.password});
  if (select) {
    std::string db;
    append_int64(db, a.db);
    append_command(request_, {"SELECT", db});
  }
  for (const migrate_key& k : job.keys) {
    std::string ttl;
    append_int64(ttl, k.ttl_ms);
    if (a.replace)
      append_command(request_, {"RESTORE", k.name, ttl, k.payload, "REPLACE"});
    else
      append_command(request_, {"RESTORE", k.name, ttl, k.payload});
  }
  header_ = (auth_ ? 1 : 0) + (select_ ? 1 : 0);
  expected_ = header_ + job.keys.size();
}

bool migrate_exchange::feed(std::string_view bytes) {
  while (!bytes.empty() && !complete()) {
    const size_t nl = bytes.find('\n');
    // Redis reads a reply line into 1024 bytes; a target that sends more holds no more here.
    const size_t room = max_line - std::min(max_line, partial_.size());
    partial_.append(bytes.substr(0, std::min(nl, room)));
    if (nl == std::string_view::npos)
      break;
    bytes.remove_prefix(nl + 1);
    if (!partial_.empty() && partial_.back() == '\r')
      partial_.pop_back();
    lines_.push_back(std::move(partial_));
    partial_.clear();
  }
  return complete();
}

migrate_outcome migrate_exchange::outcome(failure how) const {
  migrate_outcome out;
  const std::string_view io_error =
      how == failure::writing ? migrate_errors::writing : migrate_errors::reading;
  if (lines_.size() < header_) {
    out.error = io_error;
    return out;
  }
  // A refused AUTH or SELECT fails every RESTORE after it; the first error is the reply.
  const std::string* refused = nullptr;
  if (auth_ && is_error(lines_[0]))
    refused = &lines_[0];
  else if (select_ && is_error(lines_[header_ - 1]))
    refused = &lines_[header_ - 1];
  for (size_t j = header_; j < lines_.size(); ++j) {
    const std::string* error = refused ? refused : is_error(lines_[j]) ? &lines_[j] : nullptr;
    if (!error)
      out.accepted.push_back(j - header_);
    else if (out.error.empty())
      out.error = "ERR Target instance replied with error: " + error->substr(1);
  }
  if (out.error.empty() && !complete())
    out.error = io_error;
  return out;
}

bool migrate_exchange::selected_db() const {
  return complete() && outcome(failure::none).error.empty();
}

}  // namespace credis
