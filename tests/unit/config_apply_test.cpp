// CONFIG SET's apply step (storage/config/config_apply.hpp): the effects outside the
// configuration, in Redis's order, and every parameter undone when one fails.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "command_harness.hpp"
#include "storage/config/config_apply.hpp"
#include "storage/config/config_table.hpp"

using namespace credis;
using credis::testing::command_harness;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

// Listens nowhere: records each call, with the OOM score the process had then, and fails
// for the ports in `taken` and a bind with "bad" in it.
struct fake_sockets : listening_sockets {
  struct call {
    listener_kind kind;
    uint16_t port;
    std::string bind;
    std::string oom_score;
    bool operator==(const call&) const = default;
  };
  std::vector<call> calls;
  std::set<uint16_t> taken;
  std::string oom_file;

  std::string listen(listener_kind kind, uint16_t port, std::string_view bind) override {
    calls.push_back({kind, port, std::string(bind), oom_file.empty() ? "" : read_file(oom_file)});
    if (taken.count(port) || bind.find("bad") != std::string_view::npos)
      return "Could not create server TCP listening socket: bind: Address already in use";
    return {};
  }
  bool serves_tls() const override { return true; }
};

// A directory standing for /proc: self/oom_score_adj and a child's, removed at the end.
struct fake_proc {
  std::filesystem::path dir;
  std::string path;  // self's score
  explicit fake_proc(int score) {
    char tmpl[] = "/tmp/credis-oom-XXXXXX";
    dir = mkdtemp(tmpl);
    std::filesystem::create_directories(dir / "self");
    std::filesystem::create_directories(dir / "42");
    path = (dir / "self" / "oom_score_adj").string();
    std::ofstream(path) << score << '\n';
  }
  ~fake_proc() { std::filesystem::remove_all(dir); }
  std::string child() const { return read_file((dir / "42" / "oom_score_adj").string()); }
};

struct apply_harness : command_harness {
  fake_sockets sockets;
  fake_proc file{5};
  oom_score_adjuster oom{file.dir.string()};
  config_targets targets{&sockets, &oom};
  apply_harness() {
    config = &targets;
    sockets.oom_file = file.path;
    server.config.port = 7000;
    server.config.bind = "127.0.0.1";
  }
  std::string get(std::string_view name) {
    const config_parameter* p = find_config_parameter(name);
    REQUIRE(p != nullptr);
    return p->get(server.config);
  }
};

using call = fake_sockets::call;
constexpr auto plain = listener_kind::plain;
constexpr auto tls = listener_kind::tls;

}  // namespace

TEST_CASE("CONFIG SET port listens on the new port; an unchanged value applies nothing",
          "[config][apply]") {
  apply_harness h;
  CHECK(h.run({"CONFIG", "SET", "port", "7001"}) == "+OK\r\n");
  CHECK(h.sockets.calls == std::vector<call>{{plain, 7001, "127.0.0.1", "5"}});
  CHECK(h.get("port") == "7001");
  h.sockets.calls.clear();
  CHECK(h.run({"CONFIG", "SET", "port", "7001"}) == "+OK\r\n");
  CHECK(h.sockets.calls.empty());
  CHECK(h.run({"CONFIG", "SET", "port", "65536"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between "
        "0 and 65535 inclusive\r\n");
  CHECK(h.sockets.calls.empty());
}

TEST_CASE("a failed apply undoes every parameter of the CONFIG SET, applied ones too",
          "[config][apply]") {
  // Redis's "CONFIG SET rollback on apply error": the OOM score is applied before the port
  // (the order they are named), and is put back when the port cannot be listened on.
  apply_harness h;
  h.sockets.taken.insert(7002);
  const std::string query_limit = h.get("client-query-buffer-limit");
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj", "yes", "oom-score-adj-values", "1 1 1",
               "maxmemory", "10000001", "port", "7002", "client-query-buffer-limit", "10m"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
        "this port. Check server logs.\r\n");
  // The new port was tried with the new score (5 + 1) in place; the old port listened on
  // again after the score went back.
  CHECK(h.sockets.calls ==
        std::vector<call>{{plain, 7002, "127.0.0.1", "6"}, {plain, 7000, "127.0.0.1", "5"}});
  CHECK(read_file(h.file.path) == "5");
  CHECK(h.get("oom-score-adj") == "no");
  CHECK(h.get("oom-score-adj-values") == "0 200 800");
  CHECK(h.get("maxmemory") == "0");
  CHECK(h.get("port") == "7000");
  CHECK(h.get("client-query-buffer-limit") == query_limit);
}

TEST_CASE("CONFIG SET bind moves both listeners; a failure moves them back", "[config][apply]") {
  apply_harness h;
  h.server.config.tls.port = 7443;
  CHECK(h.run({"CONFIG", "SET", "bind", "127.0.0.1  ::1"}) == "+OK\r\n");
  CHECK(h.get("bind") == "127.0.0.1 ::1");
  CHECK(h.sockets.calls ==
        std::vector<call>{{plain, 7000, "127.0.0.1 ::1", "5"}, {tls, 7443, "127.0.0.1 ::1", "5"}});
  h.sockets.calls.clear();
  CHECK(h.run({"CONFIG", "SET", "bind", "bad.address", "port", "7001"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to "
        "specified addresses.\r\n");
  // The port's effect had not run; the rollback applies it too (Redis's restoreBackupConfig).
  CHECK(h.sockets.calls == std::vector<call>{{plain, 7001, "bad.address", "5"},
                                             {plain, 7000, "127.0.0.1 ::1", "5"},
                                             {tls, 7443, "127.0.0.1 ::1", "5"},
                                             {plain, 7000, "127.0.0.1 ::1", "5"}});
  CHECK(h.get("bind") == "127.0.0.1 ::1");
  CHECK(h.get("port") == "7000");
  CHECK(h.run({"CONFIG", "SET", "bind", ""}) == "+OK\r\n");  // Redis's: no TCP listener
  CHECK(h.get("bind") == "");
  std::string seventeen;
  for (int i = 0; i < 17; ++i)
    seventeen += "127.0.0." + std::to_string(i + 1) + " ";
  CHECK(h.run({"CONFIG", "SET", "bind", seventeen}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses "
        "specified.\r\n");
}

TEST_CASE("effects run once each, in the order first named", "[config][apply]") {
  fake_sockets sockets;
  config_targets targets{&sockets, nullptr};
  server_config before, after;
  after.port = 7001;
  after.tls.port = 7443;
  after.bind = "::1";
  const config_effect effects[] = {config_effect::tls_port, config_effect::none,
                                   config_effect::port, config_effect::tls_port};
  CHECK_FALSE(apply_config_effects(effects, after, before, targets));
  CHECK(sockets.calls == std::vector<call>{{tls, 7443, "::1", ""}, {plain, 7001, "::1", ""}});

  sockets.calls.clear();
  sockets.taken.insert(7001);
  auto failed = apply_config_effects(effects, after, before, targets);
  REQUIRE(failed);
  CHECK(failed->effect == 2);
  CHECK(failed->error == "Unable to listen on this port. Check server logs.");
  CHECK(sockets.calls == std::vector<call>{{tls, 7443, "::1", ""},
                                           {plain, 7001, "::1", ""},
                                           {tls, 0, before.bind, ""},
                                           {plain, before.port, before.bind, ""}});
}

TEST_CASE("the OOM score follows oom-score-adj and goes back to the process's own",
          "[config][apply]") {
  fake_proc file(100);
  oom_score_adjuster oom(file.dir.string());
  oom_score_setting s;
  CHECK(oom.apply_to_child(s, 42).empty());  // `no`: the child keeps the score it inherited
  CHECK(file.child() == "");
  s.mode = oom_score_mode::relative;
  s.values = {10, 300, 800};
  CHECK(oom.apply(s, oom_class::master).empty());
  CHECK(read_file(file.path) == "110");
  CHECK(oom.apply(s, oom_class::replica).empty());
  CHECK(read_file(file.path) == "400");
  CHECK(oom.apply_to_child(s, 42).empty());
  CHECK(file.child() == "900");  // relative to the process's own score, not its current one
  s.mode = oom_score_mode::absolute;
  s.values = {-2000, 2000, 2000};
  CHECK(oom.apply(s, oom_class::master).empty());
  CHECK(read_file(file.path) == "-1000");  // clamped
  CHECK(oom.apply(s, oom_class::replica).empty());
  CHECK(read_file(file.path) == "1000");
  s.mode = oom_score_mode::no;
  CHECK(oom.apply(s, oom_class::master).empty());
  CHECK(read_file(file.path) == "100");
  std::ofstream(file.path) << "7\n";  // someone else's change: not ours to undo
  CHECK(oom.apply(s, oom_class::master).empty());
  CHECK(read_file(file.path) == "7");

  oom_score_adjuster unreadable("/nonexistent");
  s.mode = oom_score_mode::relative;
  CHECK(unreadable.apply(s, oom_class::master) ==
        "Failed to set current oom_score_adj. Check server logs.");
  CHECK(unreadable.apply_to_child(s, 42) ==
        "Failed to set current oom_score_adj. Check server logs.");
}

TEST_CASE("oom-score-adj and its values are read and refused as Redis does", "[config][apply]") {
  apply_harness h;
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj", "relative"}) == "+OK\r\n");
  CHECK(h.get("oom-score-adj") == "yes");
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj", "absolute"}) == "+OK\r\n");
  CHECK(h.get("oom-score-adj") == "absolute");
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj", "maybe"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj') - argument(s) must "
        "be one of the following: no, yes, relative, absolute\r\n");
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj-values", "1 2"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong "
        "number of arguments\r\n");
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj-values", "1 2 2001"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid "
        "oom-score-adj-values, elements must be between -2000 and 2000.\r\n");
  CHECK(h.run({"CONFIG", "SET", "oom-score-adj-values", "-5 0 2000"}) == "+OK\r\n");
  CHECK(h.get("oom-score-adj-values") == "-5 0 2000");
  CHECK(read_file(h.file.path) == "-5");  // absolute, a master's
}
