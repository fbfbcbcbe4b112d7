// Scripting: the Lua engine driven directly through a fake script_run (compile and runtime
// errors, KEYS/ARGV, redis.call's conversions of every RESP2/RESP3 reply type and the reverse
// conversions of return values, error tables, pcall, protected globals, the libraries present
// and absent, the count hook), the shebang parser, FUNCTION's libraries, EVAL's script cache,
// and EVAL/FCALL through the command table. Expected texts are Redis 7.0.15's (script_lua.c,
// eval.c, function_lua.c, functions.c).
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "protocol/reply.hpp"
#include "command_harness.hpp"
#include "storage/scripting/function_libraries.hpp"
#include "storage/scripting/lua_engine.hpp"
#include "storage/scripting/script_cache.hpp"
#include "storage/scripting/script_flags.hpp"
#include "storage/scripting/scripting.hpp"

using namespace credis;
using credis::testing::command_harness;

namespace {

// Answers redis.call with canned replies by command name (first argument, as given), and
// records every call with the protocol it was made in.
// command_harness with a scripting engine of its own (EVAL's cache, FUNCTION's libraries).
struct scripting_harness : command_harness {
  scripting engine;
  scripting_harness() { scripts = &engine; }
};

struct fake_run final : script_run {
  std::map<std::string, std::string> replies;
  std::vector<std::string> calls;  // "ARG ARG ...|resp"
  int interrupt_after = -1;        // interrupted() answers true from this many asks on
  int asks = 0;

  void call(std::span<const std::string_view> argv, std::string& reply) override {
    std::string line;
    for (size_t i = 0; i < argv.size(); ++i)
      line.append(i ? " " : "").append(argv[i]);
    calls.push_back(line + "|" + std::to_string(resp));
    const auto it = replies.find(std::string(argv[0]));
    reply += it == replies.end() ? std::string("+OK\r\n") : it->second;
  }
  bool command_exists(std::span<const std::string_view> argv) override {
    return argv[0] == "get" || argv[0] == "set";
  }
  bool interrupted() override {
    ++asks;
    return interrupt_after >= 0 && asks > interrupt_after;
  }
};

// Compiles `code` in an eval engine and runs it; the reply in protocol `protocol`.
std::string eval_in(lua_engine& engine, std::string_view code, fake_run& run,
                    std::vector<std::string_view> keys = {},
                    std::vector<std::string_view> args = {}, int protocol = 2) {
  std::string error;
  const int ref = engine.compile(code, error);
  if (!ref)
    return "compile: " + error;
  std::string out;
  {
    const reply::protocol_scope scope(protocol);
    engine.run(ref, keys, args, run, out);
  }
  engine.release(ref);
  return out;
}

struct eval_fixture {
  lua_engine engine{lua_engine::kind::eval};
  fake_run run;
  eval_fixture() { run.name = "0123456789abcdef0123456789abcdef01234567"; }
  std::string eval(std::string_view code, std::vector<std::string_view> keys = {},
                   std::vector<std::string_view> args = {}, int protocol = 2) {
    run.resp = 2;  // each run's script client starts in RESP2, as the server's does
    run.replicate = 3;
    return eval_in(engine, code, run, std::move(keys), std::move(args), protocol);
  }
  // The error suffix Redis adds for a script that raised at `line`.
  std::string at(int line) const {
    return " script: " + std::string(run.name) + ", on @user_script:" + std::to_string(line) +
           ".";
  }
};

}  // namespace

// --- compiling ---------------------------------------------------------------------------------

TEST_CASE("Compile errors carry Lua's message after Redis's prefix", "[scripting]") {
  lua_engine engine(lua_engine::kind::eval);
  std::string error;
  CHECK(engine.compile("return 1 +", error) == 0);
  CHECK(error ==
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near "
        "'<eof>'");
  error.clear();
  CHECK(engine.compile("local a = 1\nlocal b = = 2", error) == 0);
  CHECK(error ==
        "ERR Error compiling script (new function): user_script:2: unexpected symbol near '='");
  error.clear();
  CHECK(engine.compile("x = 'unfinished", error) == 0);
  CHECK(error ==
        "ERR Error compiling script (new function): user_script:1: unfinished string near "
        "'<eof>'");
  error.clear();
  const int ref = engine.compile("return 1", error);
  CHECK(ref != 0);
  CHECK(error.empty());
  engine.release(ref);
}

// --- KEYS and ARGV -----------------------------------------------------------------------------

TEST_CASE("KEYS and ARGV are set for every run", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", {"k1", "k2"},
               {"a1", "a2", "a3"}) ==
        "*5\r\n$2\r\nk1\r\n$2\r\nk2\r\n$2\r\na1\r\n:2\r\n:3\r\n");
  // A later run sees its own, not what the previous one had.
  CHECK(f.eval("return {#KEYS, #ARGV}") == "*2\r\n:0\r\n:0\r\n");
  // Binary-safe arguments.
  CHECK(f.eval("return ARGV[1]", {}, {std::string_view("a\0b\r\n", 5)}) ==
        std::string("$5\r\na\0b\r\n\r\n", 11));
}

// --- redis.call: RESP2 replies to Lua ----------------------------------------------------------

TEST_CASE("redis.call converts RESP2 replies to Lua values", "[scripting]") {
  eval_fixture f;
  auto& r = f.run.replies;
  r["int"] = ":-42\r\n";
  r["bulk"] = "$3\r\nabc\r\n";
  r["nullbulk"] = "$-1\r\n";
  r["nullarray"] = "*-1\r\n";
  r["array"] = "*3\r\n:1\r\n$1\r\nx\r\n*1\r\n$-1\r\n";
  r["status"] = "+PONG\r\n";
  r["error"] = "-WRONGTYPE Operation against a key\r\n";

  CHECK(f.eval("local v = redis.call('int') return {type(v), v}") ==
        "*2\r\n$6\r\nnumber\r\n:-42\r\n");
  CHECK(f.eval("local v = redis.call('bulk') return {type(v), v}") ==
        "*2\r\n$6\r\nstring\r\n$3\r\nabc\r\n");
  CHECK(f.eval("local v = redis.call('nullbulk') return {type(v), tostring(v)}") ==
        "*2\r\n$7\r\nboolean\r\n$5\r\nfalse\r\n");
  CHECK(f.eval("local v = redis.call('nullarray') return {type(v), tostring(v)}") ==
        "*2\r\n$7\r\nboolean\r\n$5\r\nfalse\r\n");
  CHECK(f.eval("local v = redis.call('array') "
               "return {#v, v[1], v[2], type(v[3]), tostring(v[3][1])}") ==
        "*5\r\n:3\r\n:1\r\n$1\r\nx\r\n$5\r\ntable\r\n$5\r\nfalse\r\n");
  CHECK(f.eval("local v = redis.call('status') return {type(v), v.ok}") ==
        "*2\r\n$5\r\ntable\r\n$4\r\nPONG\r\n");
  // redis.pcall returns the error table; its reply is the error itself.
  CHECK(f.eval("local v = redis.pcall('error') return {type(v), v.err}") ==
        "*2\r\n$5\r\ntable\r\n$33\r\nWRONGTYPE Operation against a key\r\n");
  CHECK(f.eval("return redis.pcall('error')") == "-WRONGTYPE Operation against a key\r\n");
  // The status table returned as it is is a status reply.
  CHECK(f.eval("return redis.call('status')") == "+PONG\r\n");
  // redis.call raises it: the script's error names where.
  CHECK(f.eval("redis.call('error')") ==
        "-WRONGTYPE Operation against a key" + f.at(1) + "\r\n");
}

TEST_CASE("redis.call passes its arguments as strings, numbers as %.17g", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("redis.call('set', 'k', 10, 3.5, -0.25) return 1") == ":1\r\n");
  REQUIRE(f.run.calls.size() == 1);
  CHECK(f.run.calls[0] == "set k 10 3.5 -0.25|2");
  CHECK(f.eval("return redis.pcall('set', 'k', {})") ==
        "-ERR Lua redis lib command arguments must be strings or integers\r\n");
  CHECK(f.eval("return redis.pcall()") ==
        "-ERR Please specify at least one argument for this redis lib call\r\n");
  CHECK(f.eval("redis.call('set', 'k', nil, 'x')") ==
        "-ERR Lua redis lib command arguments must be strings or integers" + f.at(1) + "\r\n");
  CHECK(f.run.calls.size() == 1);  // none of those reached the server
}

// --- redis.setresp(3): RESP3 replies to Lua ----------------------------------------------------

TEST_CASE("After redis.setresp(3) redis.call converts RESP3 replies", "[scripting]") {
  eval_fixture f;
  auto& r = f.run.replies;
  r["map"] = "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$2\r\nbv\r\n";
  r["set"] = "~2\r\n$1\r\nx\r\n$1\r\ny\r\n";
  r["double"] = ",3.25\r\n";
  r["inf"] = ",-inf\r\n";
  r["null"] = "_\r\n";
  r["true"] = "#t\r\n";
  r["false"] = "#f\r\n";
  r["big"] = "(1234567890123456789012345678901234567890\r\n";
  r["verbatim"] = "=15\r\ntxt:hello world\r\n";
  r["attribute"] = "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.5\r\n:7\r\n";

  CHECK(f.eval("redis.setresp(3) local v = redis.call('map') "
               "return {type(v.map), v.map.a, v.map.b}") ==
        "*3\r\n$5\r\ntable\r\n:1\r\n$2\r\nbv\r\n");
  CHECK(f.run.calls.back() == "map|3");
  CHECK(f.eval("redis.setresp(3) local v = redis.call('set') "
               "return {tostring(v.set.x), tostring(v.set.y), tostring(v.set.z)}") ==
        "*3\r\n$4\r\ntrue\r\n$4\r\ntrue\r\n$3\r\nnil\r\n");
  CHECK(f.eval("redis.setresp(3) local v = redis.call('double') "
               "return {type(v.double), tostring(v.double)}") ==
        "*2\r\n$6\r\nnumber\r\n$4\r\n3.25\r\n");
  CHECK(f.eval("redis.setresp(3) return tostring(redis.call('inf').double)") ==
        "$4\r\n-inf\r\n");
  CHECK(f.eval("redis.setresp(3) local v = redis.call('null') return type(v)") ==
        "$3\r\nnil\r\n");
  CHECK(f.eval("redis.setresp(3) return {type(redis.call('true')), "
               "tostring(redis.call('true')), tostring(redis.call('false'))}") ==
        "*3\r\n$7\r\nboolean\r\n$4\r\ntrue\r\n$5\r\nfalse\r\n");
  CHECK(f.eval("redis.setresp(3) local v = redis.call('big') return v.big_number") ==
        "$40\r\n1234567890123456789012345678901234567890\r\n");
  CHECK(f.eval("redis.setresp(3) local v = redis.call('verbatim') "
               "return {v.verbatim_string.format, v.verbatim_string.string}") ==
        "*2\r\n$3\r\ntxt\r\n$11\r\nhello world\r\n");
  // An attribute is skipped: Lua sees the reply after it.
  CHECK(f.eval("redis.setresp(3) return redis.call('attribute')") == ":7\r\n");
  // Each run starts in RESP2 again.
  CHECK(f.eval("redis.call('x') return 1") == ":1\r\n");
  CHECK(f.run.calls.back() == "x|2");
}

TEST_CASE("redis.setresp rejects anything but 2 and 3", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("redis.setresp(4)") == "-ERR RESP version must be 2 or 3." + f.at(1) + "\r\n");
  CHECK(f.eval("redis.setresp()") ==
        "-ERR redis.setresp() requires one argument." + f.at(1) + "\r\n");
}

// --- return values to replies ------------------------------------------------------------------

TEST_CASE("Return values become replies as Redis converts them", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("return 'str'") == "$3\r\nstr\r\n");
  CHECK(f.eval("return 3.99") == ":3\r\n");
  CHECK(f.eval("return -3.99") == ":-3\r\n");
  CHECK(f.eval("return true") == ":1\r\n");
  CHECK(f.eval("return false") == "$-1\r\n");
  CHECK(f.eval("return nil") == "$-1\r\n");
  CHECK(f.eval("return") == "$-1\r\n");
  CHECK(f.eval("return {}") == "*0\r\n");
  // An array stops at its first nil.
  CHECK(f.eval("return {1, 2, nil, 4}") == "*2\r\n:1\r\n:2\r\n");
  // Other keys than 1..n are not part of an array.
  CHECK(f.eval("return {1, foo='bar'}") == "*1\r\n:1\r\n");
  CHECK(f.eval("return {1, {2, {'x'}}, 'y'}") ==
        "*3\r\n:1\r\n*2\r\n:2\r\n*1\r\n$1\r\nx\r\n$1\r\ny\r\n");
  CHECK(f.eval("return {err='My Error'}") == "-My Error\r\n");
  CHECK(f.eval("return {err='line1\\r\\nline2'}") == "-line1  line2\r\n");
  CHECK(f.eval("return {ok='fine'}") == "+fine\r\n");
  CHECK(f.eval("return {ok='a\\nb'}") == "+a b\r\n");
  CHECK(f.eval("return redis.status_reply('PONG')") == "+PONG\r\n");
  CHECK(f.eval("return redis.error_reply('MYCODE my message')") == "-MYCODE my message\r\n");
  CHECK(f.eval("return redis.error_reply('-MYCODE dash')") == "-MYCODE dash\r\n");
  // A single word is a message with the ERR code (luaPushErrorBuff's case 2).
  CHECK(f.eval("return redis.error_reply('boom')") == "-ERR boom\r\n");
  CHECK(f.eval("return redis.error_reply(1)") == "-ERR wrong number or type of arguments\r\n");
  CHECK(f.eval("return redis.status_reply()") == "-ERR wrong number or type of arguments\r\n");
  // err wins over ok, ok over an array.
  CHECK(f.eval("return {err='E', ok='O'}") == "-E\r\n");
  CHECK(f.eval("return {1, ok='O'}") == "+O\r\n");
  // A non-string err or ok is no error or status.
  CHECK(f.eval("return {err=1}") == "*0\r\n");
}

TEST_CASE("RESP3 return values in both protocols", "[scripting]") {
  eval_fixture f;
  // The script's protocol (setresp) decides what a boolean becomes; the client's how.
  CHECK(f.eval("redis.setresp(3) return true", {}, {}, 3) == "#t\r\n");
  CHECK(f.eval("redis.setresp(3) return false", {}, {}, 3) == "#f\r\n");
  CHECK(f.eval("redis.setresp(3) return true", {}, {}, 2) == ":1\r\n");
  CHECK(f.eval("redis.setresp(3) return false", {}, {}, 2) == ":0\r\n");
  CHECK(f.eval("return true", {}, {}, 3) == ":1\r\n");
  CHECK(f.eval("return false", {}, {}, 3) == "_\r\n");
  CHECK(f.eval("return nil", {}, {}, 3) == "_\r\n");

  CHECK(f.eval("return {double=3.5}", {}, {}, 3) == ",3.5\r\n");
  CHECK(f.eval("return {double=3.5}", {}, {}, 2) == "$3\r\n3.5\r\n");
  CHECK(f.eval("return {double=0.1}", {}, {}, 3) == ",0.10000000000000001\r\n");
  CHECK(f.eval("return {double=1/0}", {}, {}, 3) == ",inf\r\n");
  CHECK(f.eval("return {big_number='123456789012345678901234567890'}", {}, {}, 3) ==
        "(123456789012345678901234567890\r\n");
  CHECK(f.eval("return {big_number='12345'}", {}, {}, 2) == "$5\r\n12345\r\n");
  CHECK(f.eval("return {verbatim_string={format='txt', string='hi'}}", {}, {}, 3) ==
        "=6\r\ntxt:hi\r\n");
  CHECK(f.eval("return {verbatim_string={format='txt', string='hi'}}", {}, {}, 2) ==
        "$2\r\nhi\r\n");
  CHECK(f.eval("return {map={a=1}}", {}, {}, 3) == "%1\r\n$1\r\na\r\n:1\r\n");
  CHECK(f.eval("return {map={a=1}}", {}, {}, 2) == "*2\r\n$1\r\na\r\n:1\r\n");
  CHECK(f.eval("return {set={x=true}}", {}, {}, 3) == "~1\r\n$1\r\nx\r\n");
  CHECK(f.eval("return {set={x=true}}", {}, {}, 2) == "*1\r\n$1\r\nx\r\n");
  // A map or set of several: order is Lua's, so compare the parts.
  const std::string two = f.eval("return {map={a='1', b='2'}}", {}, {}, 3);
  CHECK(two.starts_with("%2\r\n"));
  CHECK((two == "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n" ||
         two == "%2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"));
  // Round trip of what redis.call returned.
  f.run.replies["m"] = "%1\r\n$1\r\nk\r\n,1.5\r\n";
  CHECK(f.eval("redis.setresp(3) return redis.call('m')", {}, {}, 3) ==
        "%1\r\n$1\r\nk\r\n,1.5\r\n");
}

// --- errors ------------------------------------------------------------------------------------

TEST_CASE("Runtime errors name the script and the line", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("local t = nil\nreturn t.x") ==
        "-ERR user_script:2: attempt to index local 't' (a nil value)" + f.at(2) + "\r\n");
  CHECK(f.eval("error('boom')") == "-ERR user_script:1: boom" + f.at(1) + "\r\n");
  // A table raised keeps its own code.
  CHECK(f.eval("\n\nerror({err='CUSTOM raised'})") == "-CUSTOM raised" + f.at(3) + "\r\n");
  CHECK(f.eval("error(redis.error_reply('X y'))") == "-X y" + f.at(1) + "\r\n");
  // A plain string raised without position (level 0).
  CHECK(f.eval("error('bare', 0)") == "-ERR bare" + f.at(1) + "\r\n");
  // Raised by a C function: the line of the script that called it.
  CHECK(f.eval("local x = 1\nreturn string.rep()") ==
        "-ERR user_script:2: bad argument #1 to 'rep' (string expected, got no value)" +
            f.at(2) + "\r\n");
}

TEST_CASE("pcall catches errors, an error table as its message", "[scripting]") {
  eval_fixture f;
  f.run.replies["bad"] = "-ERR no such thing\r\n";
  CHECK(f.eval("local ok, e = pcall(redis.call, 'bad') return {tostring(ok), e}") ==
        "*2\r\n$5\r\nfalse\r\n$17\r\nERR no such thing\r\n");
  CHECK(f.eval("local ok, e = pcall(error, 'plain', 0) return {tostring(ok), e}") ==
        "*2\r\n$5\r\nfalse\r\n$5\r\nplain\r\n");
  CHECK(f.eval("return {pcall(function(a, b) return a + b, 'x' end, 2, 3)}") ==
        "*3\r\n:1\r\n:5\r\n$1\r\nx\r\n");
  // A raised table without a string err is returned as it is, followed by the nil of its
  // err field (luaRedisPcall leaves both).
  CHECK(f.eval("return select('#', pcall(error, {}))") == ":3\r\n");
  CHECK(f.eval("local ok, e = pcall(error, {code=7}) return e.code") == ":7\r\n");
  // The script goes on after the caught error.
  CHECK(f.eval("pcall(redis.call, 'bad') return 'after'") == "$5\r\nafter\r\n");
  // xpcall sees the raw table.
  CHECK(f.eval("local ok, e = xpcall(function() redis.call('bad') end, "
               "function(e) return type(e) end) return e") == "$5\r\ntable\r\n");
}

// --- globals -----------------------------------------------------------------------------------

TEST_CASE("Globals are protected", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("return undefined_thing") ==
        "-ERR user_script:1: Script attempted to access nonexistent global variable "
        "'undefined_thing'" +
            f.at(1) + "\r\n");
  CHECK(f.eval("newglobal = 1") ==
        "-ERR user_script:1: Attempt to modify a readonly table" + f.at(1) + "\r\n");
  CHECK(f.eval("redis.call = nil") ==
        "-ERR user_script:1: Attempt to modify a readonly table" + f.at(1) + "\r\n");
  CHECK(f.eval("string.foo = 1") ==
        "-ERR user_script:1: Attempt to modify a readonly table" + f.at(1) + "\r\n");
  CHECK(f.eval("cjson.encode = nil") ==
        "-ERR user_script:1: Attempt to modify a readonly table" + f.at(1) + "\r\n");
  CHECK(f.eval("_G.x = 1") ==
        "-ERR user_script:1: Attempt to modify a readonly table" + f.at(1) + "\r\n");
  CHECK(f.eval("KEYS = {}") ==
        "-ERR user_script:1: Attempt to modify a readonly table" + f.at(1) + "\r\n");
  CHECK(f.eval("setmetatable(_G, {})") ==
        "-ERR Attempt to modify a readonly table" + f.at(1) + "\r\n");
  // _G is the globals table itself: rawget finds what is defined (a common way to test for a
  // global without the nonexistent-global error).
  CHECK(f.eval("return type(rawget(_G, 'redis'))") == "$5\r\ntable\r\n");
  CHECK(f.eval("return type(rawget(_G, 'nothing_here'))") == "$3\r\nnil\r\n");
  // A missing field of a library table is plain nil.
  CHECK(f.eval("return type(redis.nonexistent)") == "$3\r\nnil\r\n");
  // Locals are fine.
  CHECK(f.eval("local x = 5 return x") == ":5\r\n");
  // A script cannot leave a global for the next one.
  CHECK(f.eval("return type(x)").starts_with("-ERR user_script:1: Script attempted to access "
                                             "nonexistent global variable 'x'"));
}

TEST_CASE("cjson, bit and the allowed libraries are present; print, dofile, io absent",
          "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("return cjson.encode({1, 2})") == "$5\r\n[1,2]\r\n");
  CHECK(f.eval("return cjson.decode('{\"a\":[1,2,3]}').a[3]") == ":3\r\n");
  CHECK(f.eval("return bit.band(12, 10)") == ":8\r\n");
  CHECK(f.eval("return bit.tohex(255)") == "$8\r\n000000ff\r\n");
  CHECK(f.eval("return {type(string.format), type(table.concat), type(math.floor), "
               "type(loadstring), type(redis.sha1hex)}") ==
        "*5\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n"
        "$8\r\nfunction\r\n");
  for (const char* missing : {"print", "dofile", "loadfile", "io", "os", "require", "module",
                              "debug"}) {
    INFO(missing);
    CHECK(f.eval(std::string("return ") + missing) ==
          "-ERR user_script:1: Script attempted to access nonexistent global variable '" +
              std::string(missing) + "'" + f.at(1) + "\r\n");
  }
  CHECK(f.eval("return redis.sha1hex('')") ==
        "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  CHECK(f.eval("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, "
               "redis.REPL_ALL}") == "*5\r\n:0\r\n:1\r\n:2\r\n:2\r\n:3\r\n");
  CHECK(f.eval("return redis.acl_check_cmd('get', 'k')") == ":1\r\n");
  CHECK(f.eval("return redis.acl_check_cmd('nope')") ==
        "-ERR Invalid command passed to redis.acl_check_cmd()" + f.at(1) + "\r\n");
}

TEST_CASE("redis.set_repl checks its argument", "[scripting]") {
  eval_fixture f;
  CHECK(f.eval("redis.set_repl(redis.REPL_NONE) return 1") == ":1\r\n");
  CHECK(f.run.replicate == 0);
  CHECK(f.eval("redis.set_repl(4)") ==
        "-ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE." +
            f.at(1) + "\r\n");
  CHECK(f.eval("redis.set_repl()") ==
        "-ERR redis.set_repl() requires two arguments." + f.at(1) + "\r\n");
}

// --- the count hook ----------------------------------------------------------------------------

TEST_CASE("The count hook stops a loop once interrupted() says so", "[scripting]") {
  eval_fixture f;
  f.run.interrupt_after = 3;
  CHECK(f.eval("while true do end") ==
        "-ERR Script killed by user with SCRIPT KILL..." + f.at(1) + "\r\n");
  CHECK(f.run.asks == 4);
  // A pcall in the script cannot swallow the kill and go on.
  f.run.asks = 0;
  CHECK(f.eval("while true do pcall(function() while true do end end) end")
            .starts_with("-ERR Script killed by user with SCRIPT KILL..."));
  // The engine is usable afterwards, with no hook left behind.
  f.run.interrupt_after = 0;
  CHECK(f.eval("local n = 0 for i = 1, 10 do n = n + i end return n") == ":55\r\n");
  // interrupted() answering false lets a long loop end by itself.
  f.run.interrupt_after = -1;
  f.run.asks = 0;
  CHECK(f.eval("local n = 0 for i = 1, 1000000 do n = n + 1 end return n") == ":1000000\r\n");
  CHECK(f.run.asks > 0);
}

// --- parse_shebang -----------------------------------------------------------------------------

TEST_CASE("parse_shebang: flags and every error text", "[scripting]") {
  shebang s;
  std::string error;
  CHECK(parse_shebang("return 1", s, error));
  CHECK(s.flags == script_eval_compat);
  CHECK(s.length == 0);

  CHECK(parse_shebang("#!lua\nreturn 1", s, error));
  CHECK(s.flags == 0);
  CHECK(s.length == 5);
  CHECK(parse_shebang("#!lua flags=no-writes,allow-stale\nreturn 1", s, error));
  CHECK(s.flags == (script_no_writes | script_allow_stale));
  CHECK(parse_shebang("#!lua flags=allow-oom,no-cluster,allow-cross-slot-keys\nx", s, error));
  CHECK(s.flags == (script_allow_oom | script_no_cluster | script_allow_cross_slot));
  CHECK(parse_shebang("#!lua flags=\nreturn 1", s, error));
  CHECK(s.flags == 0);
  CHECK(parse_shebang("#!lua flags=no-writes flags=allow-oom\nx", s, error));
  CHECK(s.flags == (script_no_writes | script_allow_oom));

  auto fails = [&](std::string_view body) {
    error.clear();
    CHECK_FALSE(parse_shebang(body, s, error));
    return error;
  };
  CHECK(fails("#!lua") == "ERR Invalid script shebang");
  CHECK(fails("#!lua flags=no-writes") == "ERR Invalid script shebang");
  CHECK(fails("#!python\nreturn 1") == "ERR Unexpected engine in script shebang: #!python");
  CHECK(fails("#! lua\nreturn 1") == "ERR Unexpected engine in script shebang: #!");
  CHECK(fails("#!LUA\nreturn 1") == "ERR Unexpected engine in script shebang: #!LUA");
  CHECK(fails("#!lua name=x\nreturn 1") == "ERR Unknown lua shebang option: name=x");
  CHECK(fails("#!lua flags=no-writes,bogus\nreturn 1") ==
        "ERR Unexpected flag in script shebang: bogus");
  CHECK(fails("#!lua flags=NO-WRITES\nreturn 1") ==
        "ERR Unexpected flag in script shebang: NO-WRITES");
  CHECK(fails("#!lua flags=no-writes,\nreturn 1") == "ERR Unexpected flag in script shebang: ");
  CHECK(fails("#!lua \"unbalanced\nreturn 1") == "ERR Invalid engine in script shebang");
}

TEST_CASE("script flag names", "[scripting]") {
  CHECK(script_flag_named("no-writes") == script_no_writes);
  CHECK(script_flag_named("allow-cross-slot-keys") == script_allow_cross_slot);
  CHECK(script_flag_named("nope") == 0);
  const auto names = script_flag_names(script_no_writes | script_allow_stale | script_no_cluster);
  CHECK(names == std::vector<std::string_view>{"no-writes", "allow-stale", "no-cluster"});
}

// --- function_libraries ------------------------------------------------------------------------

namespace {

std::string load(function_libraries& libs, std::string_view code, bool replace = false,
                 int64_t timeout_ms = 500) {
  std::string error;
  const std::string name = libs.load(code, replace, timeout_ms, error);
  return name.empty() ? "error: " + error : name;
}

constexpr std::string_view lib1 =
    "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return 1 end)";

}  // namespace

TEST_CASE("function_libraries: load, replace, delete, flush", "[scripting]") {
  function_libraries libs;
  CHECK(load(libs, lib1) == "lib1");
  CHECK(libs.libraries().size() == 1);
  CHECK(libs.function_count() == 1);
  auto f = libs.find_function("f1");
  REQUIRE(f.function);
  CHECK(f.library->name == "lib1");
  CHECK(f.library->code == lib1);
  // Function names are found in any case (Redis's functions dict compares without case).
  CHECK(libs.find_function("F1").function == f.function);

  CHECK(load(libs, lib1) == "error: ERR Library 'lib1' already exists");
  // Replace: the new code's functions only.
  CHECK(load(libs,
             "#!lua name=lib1\n"
             "redis.register_function('f2', function() return 2 end)\n"
             "redis.register_function{function_name='f3', callback=function() return 3 end, "
             "description='third', flags={'no-writes', 'ALLOW-STALE'}}",
             true) == "lib1");
  CHECK_FALSE(libs.find_function("f1").function);
  REQUIRE(libs.find_function("f3").function);
  const registered_function& f3 = *libs.find_function("f3").function;
  CHECK(f3.description == "third");
  CHECK(f3.has_description);
  CHECK(f3.flags == (script_no_writes | script_allow_stale));
  CHECK_FALSE(libs.find_function("f2").function->has_description);
  CHECK(libs.function_count() == 2);

  // Another library may not take a function name in use...
  CHECK(load(libs, "#!lua name=lib2\nredis.register_function('f2', function() end)") ==
        "error: ERR Function f2 already exists");
  CHECK(load(libs, "#!lua name=lib2\nredis.register_function('F2', function() end)") ==
        "error: ERR Function F2 already exists");
  CHECK(libs.libraries().size() == 1);
  // ... and a failed replace leaves the old library as it was.
  CHECK(load(libs, "#!lua name=lib1\nerror('no')", true).starts_with(
      "error: ERR Error registering functions: "));
  CHECK(libs.find_function("f2").function);
  CHECK(libs.find_function("f3").function);

  CHECK(load(libs, "#!LUA NAME=lib2\nredis.register_function('g', function() end)") ==
        "lib2");
  CHECK(libs.libraries().begin()->first == "lib1");  // by name
  CHECK(libs.remove("lib1"));
  CHECK_FALSE(libs.remove("lib1"));
  CHECK_FALSE(libs.find_function("f2").function);
  CHECK(libs.find_function("g").function);
  libs.flush();
  CHECK(libs.libraries().empty());
  CHECK_FALSE(libs.find_function("g").function);
  CHECK(load(libs, lib1) == "lib1");  // a fresh engine works
}

TEST_CASE("function_libraries: metadata and name errors", "[scripting]") {
  function_libraries libs;
  CHECK(load(libs, "redis.register_function('f', function() end)") ==
        "error: ERR Missing library metadata");
  CHECK(load(libs, "#!lua name=x") == "error: ERR Invalid library metadata");
  CHECK(load(libs, "#!lua \"open\nx") == "error: ERR Invalid library metadata");
  CHECK(load(libs, "#!lua\nredis.register_function('f', function() end)") ==
        "error: ERR Library name was not given");
  CHECK(load(libs, "#!lua name=a name=b\nx") ==
        "error: ERR Invalid metadata value, name argument was given multiple times");
  CHECK(load(libs, "#!lua name=a foo=b\nx") == "error: ERR Invalid metadata value given: foo=b");
  const std::string bad_name =
      "error: ERR Library names can only contain letters, numbers, or underscores(_) and must "
      "be at least one character long";
  CHECK(load(libs, "#!lua name=\nx") == bad_name);
  CHECK(load(libs, "#!lua name=a-b\nx") == bad_name);
  CHECK(load(libs, "#!python name=lib\nx") == "error: ERR Engine 'python' not found");
  // Redis checks the name before the engine.
  CHECK(load(libs, "#!python name=a-b\nx") == bad_name);
  CHECK(load(libs, "#!python\nx") == "error: ERR Library name was not given");
  CHECK(load(libs, "#!lua name=lib\nlocal x = 1") == "error: ERR No functions registered");
  CHECK(load(libs, "#!lua name=lib\nreturn +") ==
        "error: ERR Error compiling function: user_function:2: unexpected symbol near '+'");
  CHECK(load(libs, "#!lua name=lib\nlocal t = nil\nt.x = 1") ==
        "error: ERR Error registering functions: ERR user_function:3: attempt to index local "
        "'t' (a nil value)");
  // Library code sees only the registration API: not even error().
  CHECK(load(libs, "#!lua name=lib\n\nerror('oops')") ==
        "error: ERR Error registering functions: ERR user_function:3: Script attempted to "
        "access nonexistent global variable 'error'");
  CHECK(libs.libraries().empty());
}

TEST_CASE("function_libraries: register_function errors", "[scripting]") {
  function_libraries libs;
  auto reg = [&](std::string_view call) {
    return load(libs, "#!lua name=lib\n" + std::string(call));
  };
  const std::string prefix = "error: ERR Error registering functions: ERR ";
  CHECK(reg("redis.register_function()") ==
        prefix + "wrong number of arguments to redis.register_function");
  CHECK(reg("redis.register_function('a', function() end, 3)") ==
        prefix + "wrong number of arguments to redis.register_function");
  CHECK(reg("redis.register_function({}, function() end)") ==
        prefix + "first argument to redis.register_function must be a string");
  CHECK(reg("redis.register_function('a', 'b')") ==
        prefix + "second argument to redis.register_function must be a function");
  CHECK(reg("redis.register_function('a')") ==
        prefix +
            "calling redis.register_function with a single argument is only applicable to Lua "
            "table (representing named arguments).");
  CHECK(reg("redis.register_function{function_name={}, callback=function() end}") ==
        prefix + "function_name argument given to redis.register_function must be a string");
  CHECK(reg("redis.register_function{function_name='a', description={}, callback=function() "
            "end}") ==
        prefix + "description argument given to redis.register_function must be a string");
  CHECK(reg("redis.register_function{function_name='a', callback='x'}") ==
        prefix + "callback argument given to redis.register_function must be a function");
  CHECK(reg("redis.register_function{function_name='a', callback=function() end, flags='x'}") ==
        prefix +
            "flags argument to redis.register_function must be a table representing function "
            "flags");
  CHECK(reg("redis.register_function{function_name='a', callback=function() end, "
            "flags={'bogus'}}") == prefix + "unknown flag given");
  CHECK(reg("redis.register_function{function_name='a', callback=function() end, other=1}") ==
        prefix + "unknown argument given to redis.register_function");
  // (A number is a string to Lua: [1] is an unknown argument, [true] no string.)
  CHECK(reg("redis.register_function{[1]='a', callback=function() end}") ==
        prefix + "unknown argument given to redis.register_function");
  CHECK(reg("redis.register_function{[true]='a', callback=function() end}") ==
        prefix + "named argument key given to redis.register_function is not a string");
  CHECK(reg("redis.register_function{callback=function() end}") ==
        prefix + "redis.register_function must get a function name argument");
  CHECK(reg("redis.register_function{function_name='a'}") ==
        prefix + "redis.register_function must get a callback argument");
  CHECK(reg("redis.register_function('a-b', function() end)") ==
        prefix +
            "Library names can only contain letters, numbers, or underscores(_) and must be at "
            "least one character long");
  CHECK(reg("redis.register_function('a', function() end) "
            "redis.register_function('a', function() end)") ==
        prefix + "Function already exists in the library");
  // Library code sees the registration API only: not redis.call, nor new globals.
  CHECK(reg("redis.call('ping')") ==
        prefix + "user_function:2: Script attempted to access nonexistent global variable 'call'");
  CHECK(reg("x = 1") == prefix + "user_function:2: Attempt to modify a readonly table");
  CHECK(reg("return undefined_var") ==
        prefix + "user_function:2: Script attempted to access nonexistent global variable "
                 "'undefined_var'");
  CHECK(libs.libraries().empty());
}

TEST_CASE("function_libraries: library code is stopped after the load timeout", "[scripting]") {
  function_libraries libs;
  const auto start = std::chrono::steady_clock::now();
  CHECK(load(libs, "#!lua name=lib\nwhile true do end", false, 50) ==
        "error: ERR Error registering functions: ERR FUNCTION LOAD timeout");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(libs.libraries().empty());
  CHECK(load(libs, lib1) == "lib1");
}

TEST_CASE("Functions run with keys and args as arguments", "[scripting]") {
  function_libraries libs;
  REQUIRE(load(libs, "#!lua name=lib\n"
                     "redis.register_function('f', function(keys, args) "
                     "return {#keys, #args, keys[1], args[1]} end)\n"
                     "redis.register_function('g', function(keys, args) "
                     "return KEYS end)") == "lib");
  fake_run run;
  run.name = "f";
  std::string out;
  std::vector<std::string_view> keys = {"k"}, args = {"a", "b"};
  libs.engine().run(libs.find_function("f").function->ref, keys, args, run, out);
  CHECK(out == "*4\r\n:1\r\n:2\r\n$1\r\nk\r\n$1\r\na\r\n");
  out.clear();
  run.name = "g";
  libs.engine().run(libs.find_function("g").function->ref, keys, args, run, out);
  CHECK(out == "-ERR user_function:3: Script attempted to access nonexistent global variable "
               "'KEYS' script: g, on @user_function:3.\r\n");
}

// --- script_cache ------------------------------------------------------------------------------

TEST_CASE("script_cache: sha, case-insensitive find, errors, flush", "[scripting]") {
  script_cache cache;
  std::string sha, error;
  const cached_script* s = cache.add("return 1", sha, error);
  REQUIRE(s);
  CHECK(sha == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  CHECK(s->body == "return 1");
  CHECK(s->flags == script_eval_compat);
  CHECK(cache.size() == 1);
  CHECK(cache.find("e0e1f9fabfc9d4800c877a703b823ac0578ff8db") == s);
  CHECK(cache.find("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB") == s);
  CHECK(cache.find("e0e1f9fabfc9d4800c877a703b823ac0578ff8d") == nullptr);
  CHECK(cache.find("") == nullptr);
  // The same body again: the same entry.
  std::string sha2;
  CHECK(cache.add("return 1", sha2, error) == s);
  CHECK(sha2 == sha);
  CHECK(cache.size() == 1);

  const cached_script* ro = cache.add("#!lua flags=no-writes\nreturn 2", sha, error);
  REQUIRE(ro);
  CHECK(ro->flags == script_no_writes);
  CHECK(cache.size() == 2);

  CHECK(cache.add("#!lua flags=nope\nreturn 1", sha, error) == nullptr);
  CHECK(error == "ERR Unexpected flag in script shebang: nope");
  CHECK(cache.add("return +", sha, error) == nullptr);
  CHECK(error ==
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'");
  // A shebang's line counts: the error's line is the script's own.
  CHECK(cache.add("#!lua\nreturn +", sha, error) == nullptr);
  CHECK(error ==
        "ERR Error compiling script (new function): user_script:2: unexpected symbol near '+'");
  CHECK(cache.size() == 2);

  cache.flush();
  CHECK(cache.size() == 0);
  CHECK(cache.memory() == 0);
  CHECK(cache.find("e0e1f9fabfc9d4800c877a703b823ac0578ff8db") == nullptr);
  CHECK(cache.add("return 1", sha, error));
}

// --- through the command table -----------------------------------------------------------------

TEST_CASE("EVAL, EVALSHA and SCRIPT through the command table", "[scripting]") {
  scripting_harness h;
  CHECK(h.run({"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"}) ==
        "+OK\r\n");
  CHECK(h.run({"GET", "k"}) == "$1\r\nv\r\n");
  CHECK(h.run({"EVAL", "return redis.call('get', KEYS[1])", "1", "k"}) == "$1\r\nv\r\n");
  CHECK(h.run({"EVAL", "return 1", "x"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"EVAL", "return 1", "2", "a"}) ==
        "-ERR Number of keys can't be greater than number of args\r\n");
  CHECK(h.run({"EVAL", "return 1", "-1"}) == "-ERR Number of keys can't be negative\r\n");
  const std::string sha = sha1_hex("return 'loaded'");
  CHECK(h.run({"SCRIPT", "LOAD", "return 'loaded'"}) == "$40\r\n" + sha + "\r\n");
  CHECK(h.run({"EVALSHA", sha, "0"}) == "$6\r\nloaded\r\n");
  std::string upper = sha;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(h.run({"EVALSHA", upper, "0"}) == "$6\r\nloaded\r\n");
  CHECK(h.run({"SCRIPT", "EXISTS", sha, upper, "nope"}) == "*3\r\n:1\r\n:1\r\n:0\r\n");
  CHECK(h.run({"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"}) ==
        "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  CHECK(h.run({"EVALSHA", "abc", "0"}) == "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  // A sha of the wrong length is NOSCRIPT before numkeys is looked at (evalShaCommand); one
  // of the right length has its numkeys checked first (evalGenericCommand).
  CHECK(h.run({"EVALSHA", "abc", "x"}) == "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  CHECK(h.run({"EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"}) ==
        "-ERR value is not an integer or out of range\r\n");
  CHECK(h.run({"SCRIPT", "FLUSH"}) == "+OK\r\n");
  CHECK(h.run({"EVALSHA", sha, "0"}) == "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  CHECK(h.run({"SCRIPT", "FLUSH", "bogus"}) ==
        "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");

  // Read-only scripts and commands.
  CHECK(h.run({"EVAL_RO", "return redis.call('set', 'k', 'x')", "0"}) ==
        "-ERR Write commands are not allowed from read-only scripts. script: " +
            sha1_hex("return redis.call('set', 'k', 'x')") + ", on @user_script:1.\r\n");
  CHECK(h.run({"EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'x')", "0"}) ==
        "-ERR Write commands are not allowed from read-only scripts. script: " +
            sha1_hex("#!lua flags=no-writes\nreturn redis.call('set', 'k', 'x')") +
            ", on @user_script:2.\r\n");
  CHECK(h.run({"EVAL_RO", "#!lua\nreturn 1", "0"}) ==
        "-ERR Can not execute a script with write flag using *_ro command.\r\n");
  CHECK(h.run({"GET", "k"}) == "$1\r\nv\r\n");

  // redis.call of what a script may not run.
  const std::string body = "return redis.pcall('eval', 'return 1', 0)";
  CHECK(h.run({"EVAL", body, "0"}) == "-ERR This Redis command is not allowed from script\r\n");
  CHECK(h.run({"EVAL", "return redis.pcall('nosuchcommand')", "0"}) ==
        "-ERR Unknown Redis command called from script\r\n");
  CHECK(h.run({"EVAL", "return redis.pcall('get')", "0"}) ==
        "-ERR Wrong number of args calling Redis command from script\r\n");
  // Blocking commands are noscript in Redis 7.0.
  CHECK(h.run({"EVAL", "return redis.pcall('blpop', 'nolist', 0)", "0"}) ==
        "-ERR This Redis command is not allowed from script\r\n");
}

TEST_CASE("A script's writes propagate, wrapped in MULTI/EXEC when there are several",
          "[scripting]") {
  scripting_harness h;
  command_batch writes;
  h.propagated = &writes;
  auto drain = [&] {
    std::vector<std::string> out;
    std::vector<std::string_view> argv;
    for (const auto& item : writes.items()) {
      writes.args_of(item, argv);
      std::string line;
      for (size_t i = 0; i < argv.size(); ++i)
        line.append(i ? " " : "").append(argv[i]);
      out.push_back(line);
    }
    writes.clear();
    return out;
  };
  CHECK(h.run({"EVAL", "redis.call('set', 'a', '1') redis.call('incr', 'a') return 1", "0"}) ==
        ":1\r\n");
  CHECK(drain() == std::vector<std::string>{"MULTI", "set a 1", "incr a", "EXEC"});
  CHECK(h.run({"EVAL", "return redis.call('set', 'b', '2')", "0"}) == "+OK\r\n");
  CHECK(drain() == std::vector<std::string>{"set b 2"});
  CHECK(h.run({"EVAL", "return redis.call('get', 'b')", "0"}) == "$1\r\n2\r\n");
  CHECK(drain().empty());
  CHECK(h.run({"EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'c', '3') return 1",
               "0"}) == ":1\r\n");
  CHECK(drain().empty());
  CHECK(h.run({"GET", "c"}) == "$1\r\n3\r\n");
  // Only the writes after set_repl(REPL_ALL) go.
  CHECK(h.run({"EVAL",
               "redis.set_repl(redis.REPL_NONE) redis.call('set', 'd', '1') "
               "redis.set_repl(redis.REPL_ALL) redis.call('set', 'e', '1') return 1",
               "0"}) == ":1\r\n");
  CHECK(drain() == std::vector<std::string>{"set e 1"});
}

TEST_CASE("FCALL, FCALL_RO and FUNCTION through the command table", "[scripting]") {
  scripting_harness h;
  const std::string code =
      "#!lua name=mylib\n"
      "redis.register_function('setter', function(keys, args) "
      "return redis.call('set', keys[1], args[1]) end)\n"
      "redis.register_function{function_name='getter', callback=function(keys) "
      "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";
  CHECK(h.run({"FUNCTION", "LOAD", code}) == "$5\r\nmylib\r\n");
  CHECK(h.run({"FUNCTION", "LOAD", code}) == "-ERR Library 'mylib' already exists\r\n");
  CHECK(h.run({"FUNCTION", "LOAD", "REPLACE", code}) == "$5\r\nmylib\r\n");
  CHECK(h.run({"FUNCTION", "LOAD", "BOGUS", code}) == "-ERR Unknown option given: BOGUS\r\n");
  // A lone REPLACE is the code (functionLoadCommand's loop stops before the last argument).
  CHECK(h.run({"FUNCTION", "LOAD", "REPLACE"}) == "-ERR Missing library metadata\r\n");
  CHECK(h.run({"FUNCTION", "LOAD", "REPLACE", "REPLACE"}) ==
        "-ERR Missing library metadata\r\n");
  CHECK(h.run({"FCALL", "setter", "1", "k", "v"}) == "+OK\r\n");
  CHECK(h.run({"FCALL_RO", "getter", "1", "k"}) == "$1\r\nv\r\n");
  CHECK(h.run({"FCALL_RO", "GETTER", "1", "k"}) == "$1\r\nv\r\n");
  CHECK(h.run({"FCALL_RO", "setter", "1", "k", "v"}) ==
        "-ERR Can not execute a script with write flag using *_ro command.\r\n");
  CHECK(h.run({"FCALL", "nope", "0"}) == "-ERR Function not found\r\n");
  CHECK(h.run({"FCALL", "setter", "x"}) == "-ERR Bad number of keys provided\r\n");
  CHECK(h.run({"FCALL", "setter", "3", "a"}) ==
        "-ERR Number of keys can't be greater than number of args\r\n");
  CHECK(h.run({"FCALL", "setter", "-1"}) == "-ERR Number of keys can't be negative\r\n");
  CHECK(h.run({"FUNCTION", "LIST"}) ==
        "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$5\r\nmylib\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
        "$9\r\nfunctions\r\n*2\r\n"
        "*6\r\n$4\r\nname\r\n$6\r\nsetter\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*0\r\n"
        "*6\r\n$4\r\nname\r\n$6\r\ngetter\r\n$11\r\ndescription\r\n$5\r\nreads\r\n"
        "$5\r\nflags\r\n*1\r\n+no-writes\r\n");
  CHECK(h.run({"FUNCTION", "LIST", "LIBRARYNAME", "other*"}) == "*0\r\n");
  CHECK(h.run({"FUNCTION", "LIST", "LIBRARYNAME"}) ==
        "-ERR library name argument was not given\r\n");
  CHECK(h.run({"FUNCTION", "LIST", "bogus"}) == "-ERR Unknown argument bogus\r\n");
  CHECK(h.run({"FUNCTION", "STATS"}) ==
        "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n"
        "$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:2\r\n");
  CHECK(h.run({"FUNCTION", "DELETE", "nope"}) == "-ERR Library not found\r\n");
  CHECK(h.run({"FUNCTION", "DELETE", "mylib"}) == "+OK\r\n");
  CHECK(h.run({"FCALL", "setter", "1", "k", "v"}) == "-ERR Function not found\r\n");
  CHECK(h.run({"FUNCTION", "FLUSH", "bogus"}) ==
        "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n");
  CHECK(h.run({"FUNCTION", "FLUSH"}) == "+OK\r\n");
  // A runtime error in a function names it.
  CHECK(h.run({"FUNCTION", "LOAD", "#!lua name=e\nredis.register_function('boom', "
                                   "function() error('bad') end)"}) == "$1\r\ne\r\n");
  CHECK(h.run({"FCALL", "boom", "0"}) ==
        "-ERR user_function:2: bad script: boom, on @user_function:2.\r\n");
}

TEST_CASE("Scripts on a replica: READONLY", "[scripting]") {
  scripting_harness h;
  h.replication.is_replica = true;
  CHECK(h.run({"EVAL", "return redis.pcall('set', 'k', 'v')", "0"}) ==
        "-READONLY You can't write against a read only replica.\r\n");
  CHECK(h.run({"EVAL", "return redis.call('get', 'k')", "0"}) == "$-1\r\n");
  CHECK(h.run({"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"}) ==
        "$-1\r\n");
  // Redis refuses a script that declares it may write before it runs (processCommand's
  // check of the command's flags, which the shebang makes `write`).
  CHECK(h.run({"EVAL", "#!lua\nreturn 1", "0"}) ==
        "-READONLY You can't write against a read only replica.\r\n");
}
