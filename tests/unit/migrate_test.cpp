// MIGRATE's logic without a network: its arguments (storage/migration), the commands sent to
// the target and what its replies mean (storage/migrate_exchange), and the command's two runs
// in the keyspace, handing the dumped keys out and deleting what the target took.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "command_harness.hpp"
#include "storage/migrate_exchange.hpp"
#include "storage/migration.hpp"

using credis::migrate_args;
using credis::migrate_exchange;
using credis::migrate_job;
using credis::testing::command_harness;
using failure = migrate_exchange::failure;

namespace {

std::string parse_error(std::initializer_list<std::string_view> line, migrate_args& args) {
  std::vector<std::string_view> argv(line);
  return credis::parse_migrate_args(argv, args);
}

std::string parse_error(std::initializer_list<std::string_view> line) {
  migrate_args ignored;
  return parse_error(line, ignored);
}

std::vector<size_t> secrets_of(std::initializer_list<std::string_view> line) {
  std::vector<std::string_view> argv(line);
  return credis::migrate_secret_positions(argv);
}

migrate_job job_of(std::vector<credis::migrate_key> keys) {
  migrate_job job{"127.0.0.1", "6379", {}, std::move(keys)};
  job.args.db = 9;
  return job;
}

}  // namespace

TEST_CASE("MIGRATE's arguments are checked in Redis's order", "[migrate]") {
  const std::string syntax = "ERR syntax error";
  const std::string not_integer = "ERR value is not an integer or out of range";
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "0", "0", "foo"}) == syntax);
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "0", "0", "AUTH"}) == syntax);
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "0", "0", "AUTH2", "u"}) == syntax);
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "0", "0", "KEYS", "a"}) ==
        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
  // The options come first: a syntax error wins over a bad timeout or database.
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "x", "y", "foo"}) == syntax);
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "x", "0"}) == not_integer);
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "0", "1.5"}) == not_integer);
  // After KEYS everything is a key, even what looks like an option.
  migrate_args a;
  CHECK(parse_error({"MIGRATE", "h", "1", "", "3", "-5", "copy", "REPLACE", "auth2", "u", "p",
                     "KEYS", "a", "copy", "b"},
                    a)
            .empty());
  CHECK(a.copy);
  CHECK(a.replace);
  CHECK(a.auth);
  CHECK(a.username == "u");
  CHECK(a.password == "p");
  CHECK(a.db == 3);
  CHECK(a.timeout_ms == 1000);  // 0 or less: Redis's default
  CHECK(a.first_key == 12);
  CHECK(a.key_count == 3);
  CHECK(parse_error({"MIGRATE", "h", "1", "k", "0", "250", "AUTH", "pw"}, a).empty());
  CHECK((a.auth && a.username.empty() && a.password == "pw" && a.timeout_ms == 250));
  CHECK((a.first_key == 3 && a.key_count == 1 && !a.copy && !a.replace));
  CHECK(parse_error({"MIGRATE", "h", "1", "", "0", "0", "KEYS"}, a).empty());
  CHECK(a.key_count == 0);
}

TEST_CASE("MIGRATE redacts AUTH and AUTH2 secrets as Redis's parser does", "[migrate]") {
  CHECK(secrets_of({"MIGRATE", "h", "1", "k", "9", "5000"}).empty());
  CHECK(secrets_of({"MIGRATE", "h", "1", "k", "9", "5000", "AUTH", "pw"}) ==
        std::vector<size_t>{7});
  CHECK(secrets_of({"MIGRATE", "h", "1", "k", "9", "5000", "COPY", "AUTH2", "u", "p"}) ==
        std::vector<size_t>{8, 9});
  // Nothing after KEYS, nor past an option the parser stops at.
  CHECK(secrets_of({"MIGRATE", "h", "1", "", "9", "5000", "KEYS", "AUTH", "x"}).empty());
  CHECK(secrets_of({"MIGRATE", "h", "1", "k", "9", "5000", "AUTH", "a", "bad", "AUTH", "b"}) ==
        std::vector<size_t>{7});
}

TEST_CASE("MIGRATE's commands for the target, pipelined", "[migrate]") {
  migrate_job job = job_of({{"k1", 0, "P1", 0}, {"k2", 1500, "P2", 0}});
  CHECK(migrate_exchange(job, false).request() ==
        "*4\r\n$7\r\nRESTORE\r\n$2\r\nk1\r\n$1\r\n0\r\n$2\r\nP1\r\n"
        "*4\r\n$7\r\nRESTORE\r\n$2\r\nk2\r\n$4\r\n1500\r\n$2\r\nP2\r\n");
  job.args.replace = true;
  job.args.auth = true;
  job.args.password = "pw";
  CHECK(migrate_exchange(job, true).request() ==
        "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n"
        "*5\r\n$7\r\nRESTORE\r\n$2\r\nk1\r\n$1\r\n0\r\n$2\r\nP1\r\n$7\r\nREPLACE\r\n"
        "*5\r\n$7\r\nRESTORE\r\n$2\r\nk2\r\n$4\r\n1500\r\n$2\r\nP2\r\n$7\r\nREPLACE\r\n");
  job.args.username = "user";
  CHECK(migrate_exchange(job, false)
            .request()
            .starts_with("*3\r\n$4\r\nAUTH\r\n$4\r\nuser\r\n$2\r\npw\r\n*5\r\n$7\r\nRESTORE\r\n"));
}

TEST_CASE("MIGRATE reads the target's replies as Redis does", "[migrate]") {
  const migrate_job job = job_of({{"a", 0, "", 0}, {"b", 0, "", 0}, {"c", 0, "", 0}});
  SECTION("all restored, replies split anywhere") {
    migrate_exchange x(job, true);
    CHECK_FALSE(x.feed("+O"));
    CHECK_FALSE(x.feed("K\r\n+OK\r"));
    CHECK_FALSE(x.restore_answered());  // the SELECT's reply only, so far
    CHECK_FALSE(x.feed("\n+OK\r\n"));
    CHECK(x.restore_answered());
    CHECK(x.feed("+OK\r\n"));
    const auto o = x.outcome(failure::none);
    CHECK(o.error.empty());
    CHECK(o.accepted == std::vector<size_t>{0, 1, 2});
    CHECK(x.selected_db());
  }
  SECTION("a busy key fails the command, the others are taken") {
    migrate_exchange x(job, false);
    CHECK(x.feed("+OK\r\n-BUSYKEY Target key name already exists.\r\n+OK\r\n"));
    const auto o = x.outcome(failure::none);
    CHECK(o.error ==
          "ERR Target instance replied with error: BUSYKEY Target key name already "
          "exists.");
    CHECK(o.accepted == std::vector<size_t>{0, 2});
    CHECK_FALSE(x.selected_db());  // after an error the database is not trusted
  }
  SECTION("a refused AUTH fails every key") {
    migrate_job with_auth = job;
    with_auth.args.auth = true;
    migrate_exchange x(with_auth, true);
    CHECK(x.feed("-WRONGPASS invalid username-password pair\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n"));
    const auto o = x.outcome(failure::none);
    CHECK(o.error ==
          "ERR Target instance replied with error: WRONGPASS invalid "
          "username-password pair");
    CHECK(o.accepted.empty());
  }
  SECTION("a refused SELECT fails every key") {
    migrate_exchange x(job, true);
    CHECK(x.feed("-ERR DB index is out of range\r\n-ERR x\r\n-ERR x\r\n-ERR x\r\n"));
    CHECK(x.outcome(failure::none).error ==
          "ERR Target instance replied with error: ERR DB index is out of range");
  }
  SECTION("a connection lost midway: the keys answered before it are taken") {
    migrate_exchange x(job, true);
    CHECK_FALSE(x.restore_answered());
    CHECK_FALSE(x.feed("+OK\r\n+OK\r\n"));
    CHECK(x.restore_answered());
    const auto o = x.outcome(failure::reading);
    CHECK(o.error == "IOERR error or timeout reading to target instance");
    CHECK(o.accepted == std::vector<size_t>{0});
    CHECK(migrate_exchange(job, true).outcome(failure::writing).error ==
          "IOERR error or timeout writing to target instance");
  }
}

namespace {

// Runs one MIGRATE line the way the keyspace actor does: the first run hands the job out, the
// second finishes with `outcome_of(job)`; returns the final reply.
template <class Outcome>
std::string migrate_through(command_harness& h, std::initializer_list<std::string_view> line,
                            Outcome outcome_of, credis::migrate_handoff& handoff) {
  std::vector<std::string_view> argv(line);
  credis::command_batch batch;
  batch.client_id = h.client.id;
  credis::add_request(batch, argv, h.client, h.server);
  credis::batch_context bc{h.ks, h.server, h.replication, h.now, false, h.propagated};
  bc.watched = &h.watched;
  bc.channels = &h.channels;
  credis::block_request block;
  bc.block = &block;
  bc.migration = &handoff;
  std::string out;
  CHECK(credis::execute_batch(bc, batch, out) == 0);  // stopped at MIGRATE, nothing replied
  CHECK(out.empty());
  REQUIRE(handoff.wanted);
  credis::migrate_handoff finishing;
  finishing.job = handoff.job;
  finishing.outcome = outcome_of(*handoff.job);
  bc.migration = &finishing;
  CHECK(credis::execute_batch(bc, batch, out) == 1);
  handoff.deleted = finishing.deleted;
  return out;
}

credis::migrate_outcome all_taken(const migrate_job& job) {
  credis::migrate_outcome o;
  for (size_t i = 0; i < job.keys.size(); ++i)
    o.accepted.push_back(i);
  return o;
}

}  // namespace

TEST_CASE("MIGRATE in the keyspace: NOKEY, the dumped keys, the deletes", "[migrate]") {
  command_harness h;
  credis::command_batch propagated;
  h.propagated = &propagated;
  CHECK(h.run({"MIGRATE", "h", "1", "k", "0", "0"}) == "+NOKEY\r\n");
  CHECK(h.run({"MIGRATE", "h", "1", "", "0", "0", "KEYS", "a", "b"}) == "+NOKEY\r\n");
  CHECK(h.run({"MIGRATE", "h", "1", "k", "0", "0", "bad"}) == "-ERR syntax error\r\n");
  h.run({"SET", "a", "1"});
  h.run({"SET", "b", "2"});
  h.run({"PEXPIRE", "b", "5000"});
  // Without a place to hand the job to (MULTI, scripts) it cannot wait.
  CHECK(h.run({"MIGRATE", "h", "1", "a", "0", "0"}).starts_with("-ERR MIGRATE is not supported"));
  propagated.clear();

  const std::string dump_of_a = h.run({"DUMP", "a"});
  credis::migrate_handoff handoff;
  CHECK(migrate_through(h, {"MIGRATE", "h", "7", "", "0", "0", "KEYS", "a", "x", "b"}, all_taken,
                        handoff) == "+OK\r\n");
  const migrate_job& job = *handoff.job;
  CHECK((job.host == "h" && job.port == "7"));
  REQUIRE(job.keys.size() == 2);  // x is missing
  CHECK(job.keys[0].name == "a");
  CHECK(job.keys[0].ttl_ms == 0);
  CHECK(dump_of_a ==
        "$" + std::to_string(job.keys[0].payload.size()) + "\r\n" + job.keys[0].payload + "\r\n");
  CHECK(job.keys[1].name == "b");
  CHECK(job.keys[1].ttl_ms == 5000);
  CHECK(h.run({"DBSIZE"}) == ":0\r\n");
  // Replicas get one DEL of the keys deleted.
  REQUIRE(propagated.items().size() == 1);
  std::vector<std::string_view> del;
  propagated.args_of(propagated.items()[0], del);
  CHECK(del == std::vector<std::string_view>{"DEL", "a", "b"});
}

TEST_CASE("MIGRATE keeps a key written while the target worked, and COPY keeps all", "[migrate]") {
  command_harness h;
  h.run({"SET", "a", "1"});
  h.run({"SET", "b", "2"});
  credis::migrate_handoff handoff;
  auto written_meanwhile = [&](const migrate_job& job) {
    h.run({"APPEND", "a", "x"});
    return all_taken(job);
  };
  CHECK(migrate_through(h, {"MIGRATE", "h", "7", "", "0", "0", "KEYS", "a", "b"}, written_meanwhile,
                        handoff) == "+OK\r\n");
  CHECK(handoff.deleted == std::vector<std::string>{"b"});
  CHECK(h.run({"GET", "a"}) == "$2\r\n1x\r\n");

  h.run({"SET", "c", "3"});
  credis::migrate_handoff copied;
  CHECK(migrate_through(h, {"MIGRATE", "h", "7", "c", "0", "0", "COPY"}, all_taken, copied) ==
        "+OK\r\n");
  CHECK(h.run({"EXISTS", "c"}) == ":1\r\n");

  credis::migrate_handoff refused;
  auto busy = [](const migrate_job&) {
    credis::migrate_outcome o;
    o.error = "ERR Target instance replied with error: BUSYKEY Target key name already exists.";
    return o;
  };
  CHECK(migrate_through(h, {"MIGRATE", "h", "7", "c", "0", "0"}, busy, refused) ==
        "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n");
  CHECK(h.run({"EXISTS", "c"}) == ":1\r\n");
}

TEST_CASE("MIGRATE's keys as COMMAND GETKEYS finds them (migrateGetKeys)", "[migrate]") {
  auto keys_of = [](std::initializer_list<std::string_view> line) {
    std::vector<std::string_view> argv(line);
    std::vector<std::string> names;
    for (auto [pos, flags] : credis::keys_with_flags(*credis::find_command("migrate"), argv)) {
      CHECK(flags == (credis::kf::rw | credis::kf::access | credis::kf::del));
      names.emplace_back(argv[pos]);
    }
    return names;
  };
  using names = std::vector<std::string>;
  CHECK(keys_of({"MIGRATE", "h", "1", "k", "0", "0"}) == names{"k"});
  CHECK(keys_of({"MIGRATE", "h", "1", "", "0", "0", "KEYS", "a", "b"}) == names{"a", "b"});
  CHECK(keys_of({"MIGRATE", "h", "1", "", "0", "0", "AUTH", "keys"}) == names{""});
  CHECK(keys_of({"MIGRATE", "h", "1", "", "0", "0", "AUTH2", "u", "keys", "x"}) == names{""});
  CHECK(keys_of({"MIGRATE", "h", "1", "x", "0", "0", "KEYS", "a", "b"}).empty());
  CHECK(keys_of({"MIGRATE", "h", "1", "", "0", "0", "keys", "keys"}) == names{"keys"});
}

TEST_CASE("MIGRATE keeps at most 1024 bytes of a reply line", "[migrate]") {
  migrate_exchange x(job_of({{"a", 0, "", 0}}), false);
  CHECK_FALSE(x.feed("-ERR " + std::string(5000, 'x')));
  CHECK_FALSE(x.feed(std::string(5000, 'y')));
  CHECK(x.feed("\r\n"));
  const std::string error = x.outcome(failure::none).error;
  CHECK(error == "ERR Target instance replied with error: ERR " + std::string(1019, 'x'));
}
