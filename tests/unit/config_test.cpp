// The configuration: redis.conf's syntax, the command line made into config lines, and the
// parameter table CONFIG GET/SET share with them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/config/config_file.hpp"
#include "storage/config/config_table.hpp"
#include "storage/quoted.hpp"

using namespace credis;

namespace {

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> words;
  REQUIRE(split_config_line(line, words));
  return words;
}

std::string get(const server_config& c, std::string_view name) {
  const config_parameter* p = find_config_parameter(name);
  REQUIRE(p != nullptr);
  return p->get(c);
}

// A temporary directory removed at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/credis-config-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST_CASE("config lines split into words as sdssplitargs does", "[config]") {
  CHECK(split("port 6379") == std::vector<std::string>{"port", "6379"});
  CHECK(split("  save   900 1\t300 10  ") ==
        std::vector<std::string>{"save", "900", "1", "300", "10"});
  CHECK(split("requirepass \"a b\\\"c\\n\\x41\"") ==
        std::vector<std::string>{"requirepass", "a b\"c\nA"});
  CHECK(split("requirepass 'it\\'s'") == std::vector<std::string>{"requirepass", "it's"});
  CHECK(split("save \"\"") == std::vector<std::string>{"save", ""});
  CHECK(split("a\"b c\"") == std::vector<std::string>{"ab c"});  // a quote inside a word
  CHECK(split("").empty());
  std::vector<std::string> words;
  CHECK_FALSE(split_config_line("bind \"127.0.0.1", words));
  CHECK_FALSE(split_config_line("x 'unterminated", words));
  CHECK_FALSE(split_config_line("x \"closed\"but-not-ended", words));
}

TEST_CASE("quoted words read back as they were", "[config]") {
  for (std::string w : {std::string("plain"), std::string(""), std::string("a \"b\" \\ c"),
                        std::string("\x01\x7f\xff\n\t", 5)}) {
    std::vector<std::string> words;
    REQUIRE(split_config_line("x " + quoted_repr(w), words));
    REQUIRE(words.size() == 2);
    CHECK(words[1] == w);
  }
}

TEST_CASE("the command line becomes config lines as redis-server makes them", "[config]") {
  CHECK(options_as_config_text({"--port", "7000", "--save", "900", "1"}) ==
        "port \"7000\" \nsave \"900\" \"1\" ");
  // `--save` with nothing after it, or before another option, means "".
  CHECK(options_as_config_text({"--save", "--port", "1"}) == "save \"\"\nport \"1\" ");
  CHECK(options_as_config_text({"--port", "1", "--save"}) == "port \"1\" \nsave \"\"");
  // A name and value in one argument; a negative number is a value.
  CHECK(options_as_config_text({"--port 7000", "--maxclients", "-1"}) ==
        "port 7000 \nmaxclients \"-1\" ");
}

TEST_CASE("a config text sets parameters; the first save line replaces, later ones add",
          "[config]") {
  server_config c;
  config_loader loader(c);
  REQUIRE(loader.apply_text("# comment\n\n  port 7001\r\nsave 900 1\nsave 300 10\n"
                            "requirepass \"p w\"\nclient-output-buffer-limit replica 1mb 512kb 10\n"
                            "hz 20\nslaveof 10.0.0.1 6380\n"));
  CHECK(c.port == 7001);
  CHECK(c.save == "900 1 300 10");
  CHECK(c.requirepass == "p w");
  CHECK(c.output_limits.of(client_class::replica) == output_buffer_limit{1 << 20, 512 << 10, 10});
  CHECK(c.output_limits.of(client_class::pubsub).hard == 32 << 20);  // untouched
  CHECK(get(c, "hz") == "20");
  CHECK(c.replicaof == "10.0.0.1 6380");
  REQUIRE(loader.apply_text("save \"\"\n"));
  CHECK(c.save.empty());
}

TEST_CASE("a bad line says where and why", "[config]") {
  server_config c;
  config_loader loader(c);
  CHECK_FALSE(loader.apply_text("port 7001\n# x\nport abc\nport 7002\n"));
  CHECK(loader.error().line == 3);
  CHECK(loader.error().line_text == "port abc");
  CHECK(loader.error().message == "argument couldn't be parsed into an integer");
  CHECK(c.port == 7001);
  std::string shown = render_config_error(loader.error());
  CHECK(shown.find("at line 3") != std::string::npos);
  CHECK(shown.find(">>> 'port abc'") != std::string::npos);
  for (const char* bad : {"nosuch 1", "port", "port 1 2", "maxclients 0", "loglevel loud",
                          "save 3600", "save 0 1", "replicaof host", "protected-mode maybe",
                          "client-output-buffer-limit normal 1 2", "client-output-buffer-limit x 1 2 3",
                          "proto-max-bulk-len 1kb", "dbfilename a/b", "bind \"x"}) {
    server_config d;
    config_loader l(d);
    INFO(bad);
    CHECK_FALSE(l.apply_text(bad));
    CHECK_FALSE(l.error().message.empty());
  }
}

TEST_CASE("include reads files in place, globs in order, and refuses a loop", "[config]") {
  temp_dir dir;
  dir.write("a.conf", "maxclients 100\n");
  dir.write("b.conf", "maxclients 200\nhz 30\n");
  std::string main = dir.write("main.conf", "port 7003\ninclude " + (dir.path / "*.conf").string() +
                                                "\nmaxclients 300\n");
  // main.conf matches the glob too, and includes itself through it: refused, not a crash.
  server_config c;
  config_loader loop(c);
  CHECK_FALSE(loop.apply_file(main));
  CHECK(loop.error().message.find("include") != std::string::npos);

  std::filesystem::create_directory(dir.path / "d");
  dir.write("d/1.conf", "maxclients 100\n");
  dir.write("d/2.conf", "maxclients 200\nhz 30\n");
  std::string top = dir.write("top.conf", "port 7003\ninclude " + (dir.path / "d/*.conf").string() +
                                              "\n");
  server_config d;
  config_loader loader(d);
  REQUIRE(loader.apply_file(top));
  CHECK(d.port == 7003);
  CHECK(d.maxclients == 200);  // 2.conf after 1.conf
  CHECK(get(d, "hz") == "30");

  std::string bad = dir.write("bad.conf", "include " + (dir.path / "missing.conf").string() + "\n");
  server_config e;
  config_loader missing(e);
  CHECK_FALSE(missing.apply_file(bad));
  CHECK(missing.error().line == 1);
  CHECK(missing.error().message.find("can't open config file") != std::string::npos);

  dir.write("d/3.conf", "port x\n");
  server_config f;
  config_loader inner(f);
  CHECK_FALSE(inner.apply_file(top));
  CHECK(inner.error().file.find("3.conf") != std::string::npos);  // reported where it is
  CHECK(inner.error().line == 1);
}

TEST_CASE("features credis lacks are refused unless left at their default", "[config]") {
  server_config c;
  config_loader loader(c);
  REQUIRE(loader.apply_text("appendonly yes\n"));
  CHECK(unsupported_setting(c).find("appendonly") != std::string::npos);
  REQUIRE(loader.apply_text("appendonly no\ntls-port 0\n"));
  CHECK(unsupported_setting(c).empty());
}

TEST_CASE("client-output-buffer-limit reads and renders Redis's form", "[config]") {
  output_buffer_limits l;
  CHECK(render_output_buffer_limits(l) ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  REQUIRE(parse_output_buffer_limits("slave 1gb 0 0 normal 10mb 5mb 30", l));
  CHECK(l.of(client_class::replica) == output_buffer_limit{1 << 30, 0, 0});
  CHECK(l.of(client_class::normal) == output_buffer_limit{10 << 20, 5 << 20, 30});
  output_buffer_limits before = l;
  CHECK_FALSE(parse_output_buffer_limits("normal 1 2 3 pubsub 1 2", l));
  CHECK_FALSE(parse_output_buffer_limits("normal 1 2 -3", l));
  CHECK(l == before);  // a bad value changes nothing
}

TEST_CASE("parse_replicaof reads a host and a port", "[config]") {
  std::string host;
  uint16_t port = 0;
  CHECK(parse_replicaof("127.0.0.1 6380", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 6380);
  CHECK(parse_replicaof("  example.org   1 ", host, port));
  CHECK(host == "example.org");
  CHECK(port == 1);
  CHECK(parse_replicaof("h 65535", host, port));
  CHECK(port == 65535);
  CHECK_FALSE(parse_replicaof("h 65536", host, port));
  CHECK_FALSE(parse_replicaof("h 0", host, port));
  CHECK_FALSE(parse_replicaof("h -1", host, port));
  CHECK_FALSE(parse_replicaof("h x", host, port));
  CHECK_FALSE(parse_replicaof("h", host, port));
  CHECK_FALSE(parse_replicaof("", host, port));
  CHECK_FALSE(parse_replicaof("h 1 2", host, port));
}


TEST_CASE("notify-keyspace-events reads back in Redis's order and refuses unknown classes",
          "[config]") {
  server_config c;
  const config_parameter* p = find_config_parameter("notify-keyspace-events");
  REQUIRE(p != nullptr);
  CHECK(get(c, "notify-keyspace-events").empty());
  for (auto [given, shown] : {std::pair{"gKE", "gKE"}, {"$lshzxeKE", "$lshzxeKE"}, {"KA", "AK"},
                              {"EA", "AE"}, {"Em", "Em"}, {"nA", "A"}, {"", ""}}) {
    CHECK(p->set(c, given).empty());
    CHECK(get(c, "notify-keyspace-events") == shown);
  }
  CHECK(p->set(c, "Q") == "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
}

TEST_CASE("values of parameters no code reads are checked by their default's shape",
          "[config]") {
  server_config c;
  CHECK(find_config_parameter("maxmemory")->set(c, "bla") == "argument must be a memory value");
  CHECK(find_config_parameter("maxmemory")->set(c, "1gb").empty());
  CHECK(find_config_parameter("hz")->set(c, "x") ==
        "argument couldn't be parsed into an integer");
  CHECK(find_config_parameter("lazyfree-lazy-expire")->set(c, "maybe") ==
        "argument must be 'yes' or 'no'");
  CHECK(find_config_parameter("lazyfree-lazy-expire")->set(c, "yes").empty());
}
