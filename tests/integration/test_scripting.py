"""Scripting (EVAL/EVALSHA/SCRIPT, FCALL/FUNCTION) against credis and a real redis-server 7.0:

  (a) a differential list of cases, each sent to both servers on raw sockets (RESP2, and RESP3
      after HELLO 3 where the protocol matters) and compared byte for byte;
  (b) a busy script (lua-time-limit 10): BUSY for other clients, MULTI allowed, EXECABORT,
      SCRIPT KILL / FUNCTION KILL / UNKILLABLE / NOTBUSY, served normally afterwards; run on
      both binaries with the same expectations (the redis run proves the test);
  (c) propagation of a script's effects to a credis replica, and on the raw replication stream
      (MULTI/EXEC around two or more writes, nothing for a read-only script, REPL_NONE);
  (d) MONITOR shows the script command first, then its commands as the "lua" client's;
  (e) scripts on a read-only replica.

Nothing sleeps to synchronise: every wait polls with a deadline.
"""
import re
import time

import pytest

from conftest import wait_until
from helpers import Raw, encode, parse_reply, redis_peer, ReplyError  # noqa: F401
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import Link, info, replica_handshake, wait_link_up, \
    wait_synced

BUSY_EVAL = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
             b"SHUTDOWN NOSAVE.\r\n")
BUSY_FUNCTION = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 b"SHUTDOWN NOSAVE.\r\n")
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"
UNKILLABLE = (b"-UNKILLABLE Sorry the script already executed write commands against the "
              b"dataset. You can either wait the script termination or kill the server in a "
              b"hard way using the SHUTDOWN NOSAVE command.\r\n")


def sha1(text):
    import hashlib
    return hashlib.sha1(text.encode() if isinstance(text, str) else text).hexdigest()


# --- (a) differential ------------------------------------------------------------------------

LIB = ("#!lua name=mylib\n"
       "redis.register_function('setter', function(keys, args) "
       "return redis.call('set', keys[1], args[1]) end)\n"
       "redis.register_function{function_name='getter', callback=function(keys) "
       "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}\n"
       "redis.register_function('fails', function() local t = nil return t.x end)")
LIB2 = ("#!lua name=other\n"
        "redis.register_function{function_name='stale_reader', callback=function() return 1 end,"
        " flags={'allow-stale', 'no-writes'}}")

LOADED = "return 'loaded'"
RO_WRITE = "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')"

# Each case: commands run in order on both servers (after FLUSHALL, SCRIPT FLUSH, FUNCTION
# FLUSH); every reply is compared.
CASES = [
    # plain returns and conversions
    [("EVAL", "return 1", "0")],
    [("EVAL", "return 'str'", "0")],
    [("EVAL", "return 3.99", "0")],
    [("EVAL", "return -2.5", "0")],
    [("EVAL", "return true", "0")],
    [("EVAL", "return false", "0")],
    [("EVAL", "return nil", "0")],
    [("EVAL", "return {1, 2, {3, 'x', {}}, 'y'}", "0")],
    [("EVAL", "return {1, 2, nil, 4}", "0")],
    [("EVAL", "return {1, foo='bar'}", "0")],
    [("EVAL", "return {err='My Error'}", "0")],
    # tables whose fields a read through their metatable would raise or call Redis: read raw
    [("EVAL", "return _G", "0")],
    [("EVAL", "local a = {}; setmetatable(a, {__index=function() foo() end}) return a", "0")],
    [("EVAL", "local a = {}; setmetatable(a, {__index=function() redis.call('set', 'x', '1') "
              "end}) return a", "0"), ("GET", "x")],
    [("EVAL", "return {err='two\r\nlines'}", "0")],
    [("EVAL", "return {ok='fine'}", "0")],
    [("EVAL", "return redis.status_reply('PONG')", "0")],
    [("EVAL", "return redis.error_reply('MYCODE custom')", "0")],
    [("EVAL", "return redis.error_reply('boom')", "0")],
    [("EVAL", "return redis.error_reply(1)", "0")],
    [("EVAL", "return {double=0.1}", "0")],
    [("EVAL", "return {big_number='123456789012345678901234567890'}", "0")],
    [("EVAL", "return {map={a=1}}", "0")],
    [("EVAL", "return {set={x=true}}", "0")],
    [("EVAL", "return 9007199254740993", "0")],
    [("EVAL", "return tostring(0.1)", "0")],
    # KEYS and ARGV, numkeys
    [("EVAL", "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2")],
    [("EVAL", "return ARGV[1]", "0", "bin\x00ary\r\n")],
    [("EVAL", "return 1", "x")],
    [("EVAL", "return 1", "2", "a")],
    [("EVAL", "return 1", "-1")],
    [("EVAL", "return 1")],
    [("EVAL", "return 1", "99999999999999999999")],
    # EVALSHA and the cache
    [("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0")],
    [("EVALSHA", "abc", "0")],
    [("EVALSHA", "abc", "x")],
    [("EVALSHA", "f" * 40, "x")],
    [("EVALSHA", "f" * 40, "-1")],
    [("SCRIPT", "LOAD", LOADED), ("EVALSHA", sha1(LOADED), "0"),
     ("EVALSHA", sha1(LOADED).upper(), "0"), ("EVALSHA_RO", sha1(LOADED), "0"),
     ("SCRIPT", "EXISTS", sha1(LOADED), sha1(LOADED).upper(), "nope")],
    [("EVAL", LOADED, "0"), ("SCRIPT", "FLUSH"), ("EVALSHA", sha1(LOADED), "0"),
     ("SCRIPT", "EXISTS", sha1(LOADED))],
    [("SCRIPT", "FLUSH", "ASYNC"), ("SCRIPT", "FLUSH", "SYNC"), ("SCRIPT", "FLUSH", "bogus")],
    [("SCRIPT", "LOAD", "return +")],
    [("SCRIPT", "BOGUS")],
    [("SCRIPT", "KILL"), ("FUNCTION", "KILL")],
    [("SCRIPT", "DEBUG", "bogus")],
    # shebangs
    [("EVAL", "#!python\nreturn 1", "0")],
    [("EVAL", "#!lua", "0")],
    [("EVAL", "#!lua flags=bogus\nreturn 1", "0")],
    [("EVAL", "#!lua flags=no-writes,\nreturn 1", "0")],
    [("EVAL", "#!lua foo=bar\nreturn 1", "0")],
    [("EVAL", "#!lua\nreturn 'shebang'", "0")],
    [("EVAL", "#!lua flags=no-writes,allow-stale\nreturn redis.call('get', 'k')", "0")],
    # compile and runtime errors
    [("EVAL", "return 1 +", "0")],
    [("EVAL", "#!lua\nreturn +", "0")],
    [("EVAL", "local t = nil\nreturn t.x", "0")],
    [("EVAL", "error('boom')", "0")],
    [("EVAL", "\n\nerror({err='CUSTOM raised'})", "0")],
    [("EVAL", "return string.rep()", "0")],
    [("EVAL", "return undefined_var", "0")],
    [("EVAL", "newglobal = 1", "0")],
    [("EVAL", "print('x')", "0")],
    [("EVAL", "return type(rawget(_G, 'redis'))", "0")],
    [("SET", "k", "v"), ("EVAL", "return redis.call('lpush', 'k', 'x')", "0")],
    [("SET", "k", "v"), ("EVAL", "return redis.call('incr', KEYS[1])", "1", "k")],
    [("SET", "k", "v"), ("EVAL", "return redis.pcall('incr', KEYS[1])", "1", "k")],
    [("EVAL", "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e}", "0")],
    [("EVAL", "local ok, e = pcall(function() error('x') end) return e", "0")],
    # redis.call of what scripts may not run
    [("EVAL", "return redis.call('nosuchcommand')", "0")],
    [("EVAL", "return redis.call('get')", "0")],
    [("EVAL", "return redis.pcall('get', 'a', 'b')", "0")],
    [("EVAL", "return redis.call('eval', 'return 1', 0)", "0")],
    [("EVAL", "return redis.pcall('script', 'load', 'return 1')", "0")],
    [("EVAL", "return redis.pcall('blpop', 'nolist', 0)", "0")],
    [("EVAL", "return redis.pcall('multi')", "0")],
    [("EVAL", "return redis.pcall('subscribe', 'ch')", "0")],
    [("EVAL", "return redis.call()", "0")],
    [("EVAL", "return redis.call('get', {})", "0")],
    # read-only scripts
    [("EVAL_RO", "return redis.call('set', 'k', 'v')", "0"), ("GET", "k")],
    [("EVAL", RO_WRITE, "1", "k"), ("GET", "k")],
    [("EVAL_RO", "#!lua\nreturn 1", "0")],
    [("EVAL_RO", "return redis.call('get', 'k')", "0")],
    [("SCRIPT", "LOAD", RO_WRITE), ("EVALSHA_RO", sha1(RO_WRITE), "1", "k")],
    # replies of commands, converted twice
    [("EVAL", "return redis.call('get', 'nokey')", "0")],
    [("EVAL", "return redis.call('ping')", "0")],
    [("EVAL", "return redis.call('type', 'nokey')", "0")],
    [("HSET", "h", "f", "v"), ("EVAL", "return redis.call('hgetall', 'h')", "0")],
    [("RPUSH", "l", "a", "b"), ("EVAL", "return redis.call('lrange', 'l', 0, -1)", "0")],
    [("ZADD", "z", "1.5", "m"), ("EVAL", "return redis.call('zscore', 'z', 'm')", "0")],
    [("EVAL", "return redis.call('set', 'k', 'v', 'GET')", "0")],
    [("EVAL", "return redis.call('incrbyfloat', 'f', 1.5)", "0")],
    [("EVAL", "redis.call('set', 'k', 1.5) return redis.call('get', 'k')", "0")],
    [("EVAL", "redis.call('select', 1) redis.call('set', 'db1', 'x') return 1", "0"),
     ("GET", "db1"), ("SELECT", "1"), ("GET", "db1")],
    # redis.setresp(3)
    [("HSET", "h", "f", "v"),
     ("EVAL", "redis.setresp(3) return redis.call('hgetall', 'h')", "0")],
    [("HSET", "h", "f", "v"),
     ("EVAL", "redis.setresp(3) return redis.call('hgetall', 'h').map.f", "0")],
    [("SADD", "s", "m"), ("EVAL", "redis.setresp(3) return redis.call('smembers', 's')", "0")],
    [("ZADD", "z", "1.5", "m"),
     ("EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'm')", "0")],
    [("ZADD", "z", "1.5", "m"),
     ("EVAL", "redis.setresp(3) return redis.call('zscore', 'z', 'm').double * 2", "0")],
    [("EVAL", "redis.setresp(3) return redis.call('get', 'nokey')", "0")],
    [("EVAL", "redis.setresp(3) return type(redis.call('get', 'nokey'))", "0")],
    [("EVAL", "redis.setresp(3) return true", "0")],
    [("EVAL", "redis.setresp(3) return false", "0")],
    [("EVAL", "redis.setresp(4)", "0")],
    # libraries available and not
    [("EVAL", "return cjson.encode({1, 2, {a=3}})", "0")],
    [("EVAL", "return cjson.decode('[1,2,3]')", "0")],
    [("EVAL", "return bit.bxor(5, 3)", "0")],
    [("EVAL", "return redis.sha1hex('abc')", "0")],
    [("EVAL", "return {math.random(1000), math.random(1000)}", "0"),
     ("EVAL", "return {math.random(1000), math.random(1000)}", "0")],
    [("EVAL", "return redis.log()", "0")],
    [("EVAL", "return loadstring('return 5')()", "0")],
    [("EVAL", "return redis.breakpoint()", "0")],
    [("EVAL", "return redis.replicate_commands()", "0")],
    [("EVAL", "return tostring(redis.call('get', 'nokey'))", "0")],
    [("EVAL", "return {1, {err='inner'}, 3}", "0")],
    [("EVAL", "return {double='x'}", "0")],
    [("EVAL", "return select('#', pcall(error, {}))", "0")],
    [("EVAL", "local t = {} for i = 1, 1000 do t[i] = i end return #redis.call('rpush', 'big', "
      "unpack(t)) == nil", "0")],
    [("EVAL_RO", "return redis.call('publish', 'ch', 'm')", "0")],
    [("EVAL", "#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'm')", "0")],
    [("EVAL", "redis.call('set', 'k', 'v') redis.call('nosuch')", "0"), ("GET", "k")],
    [("EVAL", "redis.call('set', 'k', 'v') return redis.call('get', 'k')", "0"),
     ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "LOAD", "return 1"), ("SCRIPT", "EXISTS")],
    [("MULTI",), ("EVAL", "redis.call('set', 'k', 'v') return 1", "0"),
     ("EVAL", "return redis.call('get', 'k')", "0"), ("EXEC",)],
    [("MULTI",), ("EVAL", "return 1", "x"), ("EXEC",)],
    # functions
    [("FUNCTION", "LOAD", LIB), ("FUNCTION", "LOAD", LIB), ("FUNCTION", "LOAD", "REPLACE", LIB),
     ("FUNCTION", "LIST"), ("FUNCTION", "LIST", "WITHCODE"),
     ("FUNCTION", "LIST", "LIBRARYNAME", "my*"), ("FUNCTION", "LIST", "LIBRARYNAME", "x*"),
     ("FUNCTION", "STATS")],
    [("FUNCTION", "LOAD", LIB), ("FCALL", "setter", "1", "k", "v"), ("FCALL", "getter", "1", "k"),
     ("FCALL_RO", "getter", "1", "k"), ("FCALL_RO", "setter", "1", "k", "w"),
     ("FCALL", "fails", "0"), ("FCALL", "nope", "0"), ("FCALL", "setter", "x"),
     ("FCALL", "setter", "5", "k"), ("FCALL", "setter", "-1"), ("FCALL", "GETTER", "1", "k")],
    [("FUNCTION", "LOAD", LIB), ("FUNCTION", "LOAD", LIB2), ("FUNCTION", "LIST"),
     ("FUNCTION", "DELETE", "mylib"), ("FUNCTION", "DELETE", "mylib"), ("FUNCTION", "LIST"),
     ("FUNCTION", "FLUSH", "bogus"), ("FUNCTION", "FLUSH", "ASYNC"), ("FUNCTION", "LIST")],
    [("FUNCTION", "LOAD", LIB),
     ("FUNCTION", "LOAD", "#!lua name=clash\nredis.register_function('setter', function() end)")],
    [("FUNCTION", "LOAD", "redis.register_function('f', function() end)")],
    [("FUNCTION", "LOAD", "#!lua name=x")],
    [("FUNCTION", "LOAD", "#!lua\nredis.register_function('f', function() end)")],
    [("FUNCTION", "LOAD", "#!lua name=a name=b\nx")],
    [("FUNCTION", "LOAD", "#!lua name=a foo=b\nx")],
    [("FUNCTION", "LOAD", "#!lua name=a-b\nx")],
    [("FUNCTION", "LOAD", "#!python name=lib\nx")],
    [("FUNCTION", "LOAD", "#!python name=a-b\nx")],
    [("FUNCTION", "LOAD", "#!LUA name=upper\nredis.register_function('up', function() return 1 end)"),
     ("FCALL", "up", "0")],
    [("FUNCTION", "LOAD", "#!lua name=lib\nlocal x = 1")],
    [("FUNCTION", "LOAD", "#!lua name=lib\nreturn +")],
    [("FUNCTION", "LOAD", "#!lua name=lib\n\nerror('oops')")],
    [("FUNCTION", "LOAD", "#!lua name=lib\nredis.call('ping')")],
    [("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('a', 'b')")],
    [("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function{function_name='a', "
      "callback=function() end, flags={'bogus'}}")],
    [("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('a', function() end) "
      "redis.register_function('a', function() end)")],
    [("FUNCTION", "LOAD", "BOGUS", LIB)],
    [("FUNCTION", "LOAD", "REPLACE")],
    [("FUNCTION", "LIST", "bogus")],
    [("FUNCTION", "LIST", "LIBRARYNAME")],
    [("FUNCTION", "BOGUS")],
]


def typed(data, i=0):
    """Parses the RESP2/RESP3 reply at data[i] keeping its type: (value, end). Scalars are
    (type byte, bytes); aggregates (type byte, [items])."""
    j = data.index(b"\r\n", i)
    kind, body = data[i:i + 1], data[i + 1:j]
    i = j + 2
    if kind in (b"$", b"=", b"!"):
        n = int(body)
        if n < 0:
            return (kind, None), i
        return (kind, data[i:i + n]), i + n + 2
    if kind in (b"*", b"~", b">", b"%"):
        n = int(body) * (2 if kind == b"%" else 1)
        items = []
        for _ in range(max(n, 0)):
            v, i = typed(data, i)
            items.append(v)
        return (kind, items), i
    return (kind, body), i


def function_list_canonical(data):
    """FUNCTION LIST's reply with its libraries, and each library's functions, sorted by name:
    Redis lists them in its dicts' hash order. Types are kept (flags are status replies)."""
    (kind, libs), end = typed(data)
    assert end == len(data) and kind == b"*", data

    def pairs(agg):
        items = agg[1]
        return [(items[k], items[k + 1]) for k in range(0, len(items), 2)]

    out = []
    for lib in libs:
        fields = []
        for key, value in pairs(lib):
            if key[1] == b"functions":
                value = (value[0], sorted((repr(pairs(f)) for f in value[1])))
            fields.append((key, value))
        out.append((lib[0], repr(fields)))
    return sorted(out)


def compare(got, want, command):
    """Replies equal; FUNCTION LIST's in canonical order."""
    if tuple(a.upper() for a in command[:2]) == ("FUNCTION", "LIST") and \
            got[:1] == want[:1] == b"*":
        return function_list_canonical(got) == function_list_canonical(want)
    return got == want


def reset(conn):
    for c in (("FLUSHALL",), ("SCRIPT", "FLUSH"), ("FUNCTION", "FLUSH")):
        assert conn.cmd(*c) in (b"+OK\r\n",), c


@pytest.fixture(scope="module")
def credis_server():
    from conftest import CREDIS, Server
    s = Server(CREDIS, ["--save", ""])
    yield s
    s.stop()


def test_enough_cases():
    assert len(CASES) >= 60


@pytest.mark.parametrize("resp", [2, 3])
def test_differential(credis_server, redis_peer, resp):
    """Every case, on both servers, in RESP2 and in RESP3: replies identical."""
    failures = []
    with Raw(credis_server.port) as c, Raw(redis_peer.port) as r:
        for conn in (c, r):
            hello = conn.cmd("HELLO", str(resp))
            assert hello[:1] in (b"*", b"%"), hello
        for case in CASES:
            for conn in (c, r):
                reset(conn)
            for command in case:
                got, want = c.cmd(*command), r.cmd(*command)
                if not compare(got, want, command):
                    failures.append(f"{command!r}:\n   credis {got!r}\n   redis  {want!r}")
    assert not failures, f"{len(failures)} differences (RESP{resp}):\n" + "\n".join(failures)


def test_script_flags_and_function_list_after_failed_replace(credis_server, redis_peer):
    """A failed REPLACE keeps the old library (both servers list the same afterwards)."""
    with Raw(credis_server.port) as c, Raw(redis_peer.port) as r:
        for conn in (c, r):
            reset(conn)
        for command in [("FUNCTION", "LOAD", LIB),
                        ("FUNCTION", "LOAD", "REPLACE",
                         "#!lua name=mylib\nredis.register_function('x', 'notafunction')"),
                        ("FUNCTION", "LIST", "WITHCODE"),
                        ("FCALL", "setter", "1", "k", "v")]:
            got, want = c.cmd(*command), r.cmd(*command)
            assert compare(got, want, command), f"{command!r}: credis {got!r}, redis {want!r}"


@pytest.mark.xfail(strict=True, reason="cmsgpack and struct are not built: Debian packages "
                                        "neither for Lua 5.1 (README, Scripting)")
def test_cmsgpack_and_struct_libraries(credis_server, redis_peer):
    """Redis 7.0 gives scripts cmsgpack and struct as well as cjson and bit."""
    with Raw(credis_server.port) as c, Raw(redis_peer.port) as r:
        for body in ("return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))",
                     "return struct.unpack('>I2', struct.pack('>I2', 513))"):
            got, want = c.cmd("EVAL", body, "0"), r.cmd("EVAL", body, "0")
            assert got == want, f"{body!r}: credis {got!r}, redis {want!r}"


def test_error_and_command_stats(credis_server, redis_peer):
    """A script's errors are counted once: the error of the command it called (or refused),
    not again as the script's own reply (Redis's ignore_error_stats_update)."""
    seq = [("SET", "s", "v"),
           ("EVAL", "return redis.call('nosuch')", "0"),
           ("EVAL", "return redis.pcall('nosuch')", "0"),
           ("EVAL", "return redis.call('incr', 's')", "0"),
           ("EVAL", "return redis.pcall('incr', 's')", "0"),
           ("EVAL", "return redis.call('lpush', 's', 'x')", "0"),
           ("EVAL", "error('x')", "0"),
           ("EVAL", "return {err='MYERR x'}", "0"),
           ("EVAL", "return redis.error_reply('OTHER y')", "0"),
           ("EVAL_RO", "return redis.call('set', 'a', 'b')", "0"),
           ("EVAL", "redis.call('set', 'a', 'b') redis.call('get', 'a') return 1", "0"),
           ("EVAL", "return 1 +", "0"),
           ("EVALSHA", "f" * 40, "0")]
    stats = {}
    for name, port in (("credis", credis_server.port), ("redis", redis_peer.port)):
        with Raw(port) as c:
            reset(c)
            assert c.cmd("CONFIG", "RESETSTAT") == b"+OK\r\n"
            for command in seq:
                c.cmd(*command)
            errors = c.cmd("INFO", "errorstats").decode()
            commands = c.cmd("INFO", "commandstats").decode()
        stats[name] = (
            sorted(line for line in errors.split("\r\n") if line.startswith("errorstat_")),
            sorted(re.sub(r"usec=[^,]*,usec_per_call=[^,]*,", "", line)
                   for line in commands.split("\r\n") if line.startswith("cmdstat_")
                   and not line.startswith("cmdstat_info")))
    assert stats["credis"][1] == stats["redis"][1]
    assert stats["credis"][0] == stats["redis"][0]


# --- (b) busy scripts -------------------------------------------------------------------------

def poll_reply(port, args, want, timeout=10.0):
    """Sends `args` on fresh connections until the reply is `want`; returns the last reply.
    An attempt that gets no reply within 0.3 s is abandoned (credis may have queued it behind
    the script before the script passed the threshold: it is answered when the script ends)."""
    last = [None]

    def ok():
        with Raw(port, timeout=0.3) as c:
            try:
                last[0] = c.cmd(*args)
            except OSError as e:  # socket.timeout
                last[0] = e
        return last[0] == want
    try:
        wait_until(ok, timeout=timeout, interval=0.01, what=f"{args!r} -> {want!r}")
    except TimeoutError:
        raise AssertionError(f"{args!r} never replied {want!r}; last {last[0]!r}") from None
    return last[0]


def started(kind, start_credis, start_redis):
    return (start_credis if kind == "credis" else start_redis)(["--save", ""] if kind ==
                                                              "credis" else [])


BUSY_LIB = ("#!lua name=busylib\n"
            "redis.register_function('spin', function() while true do end end)")


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_busy_eval_and_script_kill(start_credis, start_redis, kind):
    s = started(kind, start_credis, start_redis)
    with Raw(s.port) as admin:
        assert admin.cmd("CONFIG", "SET", "lua-time-limit", "10") == b"+OK\r\n"
        assert admin.cmd("SCRIPT", "KILL") == NOTBUSY
        assert admin.cmd("FUNCTION", "KILL") == NOTBUSY
    body = "while true do end"
    runner = Raw(s.port, timeout=20)
    tx = Raw(s.port)
    tx_exec = Raw(s.port)
    try:
        runner.send(encode("EVAL", body, "0"))
        poll_reply(s.port, ("GET", "x"), BUSY_EVAL)
        with Raw(s.port) as c:
            assert c.cmd("GET", "x") == BUSY_EVAL
            assert c.cmd("PING") == BUSY_EVAL
        # MULTI is allowed; a command queued now is refused, so EXEC fails later.
        assert tx.cmd("MULTI") == b"+OK\r\n"
        assert tx.cmd("SET", "x", "1") == BUSY_EVAL
        # EXEC during busy discards the transaction and leaves MULTI.
        assert tx_exec.cmd("MULTI") == b"+OK\r\n"
        assert tx_exec.cmd("EXEC") == b"-EXECABORT Transaction discarded because of: " + \
            BUSY_EVAL[1:]
        assert tx_exec.cmd("DISCARD") == b"-ERR DISCARD without MULTI\r\n"
        with Raw(s.port) as c:
            # The wrong kill names the other command.
            assert c.cmd("FUNCTION", "KILL") == BUSY_EVAL
            assert c.cmd("SCRIPT", "KILL") == b"+OK\r\n"
        reply = runner.read_reply()
        assert reply == (b"-ERR Script killed by user with SCRIPT KILL... script: "
                         + sha1(body).encode() + b", on @user_script:1.\r\n"), reply
        # Served normally afterwards.
        with Raw(s.port) as c:
            assert c.cmd("SCRIPT", "KILL") == NOTBUSY
            assert c.cmd("GET", "x") == b"$-1\r\n"
            assert c.cmd("EVAL", "return 'fine'", "0") == b"$4\r\nfine\r\n"
        assert tx.cmd("EXEC") == b"-EXECABORT Transaction discarded because of previous " \
                                 b"errors.\r\n"
        assert tx_exec.cmd("EXEC") == b"-ERR EXEC without MULTI\r\n"
        assert runner.cmd("PING") == b"+PONG\r\n"
    finally:
        for c in (runner, tx, tx_exec):
            c.close()


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_busy_script_that_wrote_is_unkillable(start_credis, start_redis, kind):
    s = started(kind, start_credis, start_redis)
    with Raw(s.port) as admin:
        assert admin.cmd("CONFIG", "SET", "lua-time-limit", "10") == b"+OK\r\n"
    # Writes, then runs ~1.5 s by the server's clock, then ends by itself.
    body = ("redis.call('set', KEYS[1], 'written')\n"
            "local t = redis.call('time')\n"
            "local start = t[1] * 1000000 + t[2]\n"
            "while true do\n"
            "  local n = redis.call('time')\n"
            "  if n[1] * 1000000 + n[2] - start > 1500000 then break end\n"
            "end\n"
            "return 'done'")
    with Raw(s.port, timeout=20) as runner:
        runner.send(encode("EVAL", body, "1", "wk"))
        poll_reply(s.port, ("GET", "wk"), BUSY_EVAL)
        with Raw(s.port) as c:
            assert c.cmd("SCRIPT", "KILL") == UNKILLABLE
        assert runner.read_reply() == b"$4\r\ndone\r\n"
    with Raw(s.port) as c:
        assert c.cmd("GET", "wk") == b"$7\r\nwritten\r\n"
        assert c.cmd("SCRIPT", "KILL") == NOTBUSY


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_busy_function_and_function_kill(start_credis, start_redis, kind):
    s = started(kind, start_credis, start_redis)
    with Raw(s.port) as admin:
        assert admin.cmd("CONFIG", "SET", "lua-time-limit", "10") == b"+OK\r\n"
        assert admin.cmd("FUNCTION", "LOAD", BUSY_LIB) == b"$7\r\nbusylib\r\n"
    with Raw(s.port, timeout=20) as runner:
        runner.send(encode("FCALL", "spin", "0"))
        poll_reply(s.port, ("GET", "x"), BUSY_FUNCTION)
        with Raw(s.port) as c:
            assert c.cmd("SCRIPT", "KILL") == BUSY_FUNCTION
        # FUNCTION STATS is allowed while busy and names the running function. (Asked with a
        # short timeout, and the function killed either way, so that a server that does not
        # answer fails this check alone.)
        with Raw(s.port, timeout=3) as st:
            try:
                stats = st.cmd("FUNCTION", "STATS")
            except OSError as e:  # socket.timeout
                stats = e
        with Raw(s.port) as c:
            assert c.cmd("FUNCTION", "KILL") == b"+OK\r\n"
        assert isinstance(stats, bytes), f"FUNCTION STATS during a busy function: {stats!r}"
        stats = parse_reply(stats)
        assert stats[0] == b"running_script", stats
        running = dict(zip(stats[1][0::2], stats[1][1::2]))
        assert running[b"name"] == b"spin", stats
        assert running[b"command"] == [b"FCALL", b"spin", b"0"], stats
        reply = runner.read_reply()
        assert reply == (b"-ERR Script killed by user with SCRIPT KILL... script: spin, on "
                         b"@user_function:2.\r\n"), reply
    with Raw(s.port) as c:
        assert c.cmd("FUNCTION", "KILL") == NOTBUSY
        assert c.cmd("SET", "after", "1") == b"+OK\r\n"
        assert c.cmd("FCALL_RO", "spin", "0") == \
            b"-ERR Can not execute a script with write flag using *_ro command.\r\n"


# --- (c) propagation --------------------------------------------------------------------------

TWO_WRITES = "redis.call('set', 'a', '1') redis.call('incr', 'a') return 1"
ONE_WRITE = "return redis.call('set', 'b', '2')"
NO_WRITE = "return redis.call('get', 'a')"
REPL_NONE = "redis.set_repl(redis.REPL_NONE) redis.call('set', 'hidden', '1') return 1"
PARTLY = ("redis.set_repl(redis.REPL_NONE) redis.call('set', 'p1', '1') "
          "redis.set_repl(redis.REPL_ALL) redis.call('set', 'p2', '2') return 1")


def test_replica_receives_script_writes(servers):
    m = servers.start("credis")
    rep = servers.start("credis", replicaof=m)
    wait_link_up(rep, m)
    with Raw(m.port) as c:
        assert c.cmd("EVAL", TWO_WRITES, "0") == b":1\r\n"
        assert c.cmd("EVAL", ONE_WRITE, "0") == b"+OK\r\n"
        assert c.cmd("EVAL", NO_WRITE, "0") == b"$1\r\n2\r\n"
        assert c.cmd("EVAL", REPL_NONE, "0") == b":1\r\n"
        assert c.cmd("EVAL", PARTLY, "0") == b":1\r\n"
        assert c.cmd("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"
        assert c.cmd("FCALL", "setter", "1", "fk", "fv") == b"+OK\r\n"
        assert c.cmd("GET", "hidden") == b"$1\r\n1\r\n"
    wait_synced(m, rep)
    with Raw(rep.port) as c:
        assert c.cmd("MGET", "a", "b", "hidden", "p1", "p2", "fk") == \
            b"*6\r\n$1\r\n2\r\n$1\r\n2\r\n$-1\r\n$-1\r\n$1\r\n2\r\n$2\r\nfv\r\n"
        # The library went to the replica, too.
        assert c.cmd("FCALL_RO", "getter", "1", "fk") == b"$2\r\nfv\r\n"


def next_command(link):
    while True:
        args, _ = link.read_command()
        if args[0].upper() not in (b"PING", b"SELECT"):
            return args


@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_replication_stream_of_scripts(servers, kind):
    """The exact commands a raw replica reads for each script."""
    m = servers.start(kind)
    with Link(m.port) as link:
        replid, offset, form, rdb = replica_handshake(link, 45679)
        with Raw(m.port) as c:
            assert c.cmd("EVAL", TWO_WRITES, "0") == b":1\r\n"
            link.ack_until_data(offset)
            got = [next_command(link) for _ in range(4)]
            assert [got[0][0].upper()] + got[1:3] + [got[3][0].upper()] == \
                [b"MULTI", [b"set", b"a", b"1"], [b"incr", b"a"], b"EXEC"], got
            assert c.cmd("EVAL", ONE_WRITE, "0") == b"+OK\r\n"
            assert next_command(link) == [b"set", b"b", b"2"]
            # Nothing for a script that wrote nothing, nor for REPL_NONE's write: the marker
            # is the next command.
            assert c.cmd("EVAL", NO_WRITE, "0") == b"$1\r\n2\r\n"
            assert c.cmd("EVAL", REPL_NONE, "0") == b":1\r\n"
            assert c.cmd("SET", "marker", "1") == b"+OK\r\n"
            assert next_command(link) == [b"SET", b"marker", b"1"]
            assert c.cmd("EVAL", PARTLY, "0") == b":1\r\n"
            assert next_command(link) == [b"set", b"p2", b"2"]
            # A script whose write failed propagates nothing.
            assert c.cmd("EVAL", "return redis.pcall('incr', 'b', 'x')", "0")[:1] == b"-"
            assert c.cmd("SET", "marker", "2") == b"+OK\r\n"
            assert next_command(link) == [b"SET", b"marker", b"2"]
            # Inside MULTI: one transaction around everything.
            assert c.cmd("MULTI") == b"+OK\r\n"
            assert c.cmd("EVAL", TWO_WRITES, "0") == b"+QUEUED\r\n"
            assert c.cmd("SET", "m", "1") == b"+QUEUED\r\n"
            assert c.cmd("EXEC") == b"*2\r\n:1\r\n+OK\r\n"
            got = [next_command(link) for _ in range(5)]
            assert [got[0][0].upper()] + got[1:4] + [got[4][0].upper()] == \
                [b"MULTI", [b"set", b"a", b"1"], [b"incr", b"a"], [b"SET", b"m", b"1"],
                 b"EXEC"], got
            # A function's write, and FUNCTION LOAD itself.
            assert c.cmd("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"
            args = next_command(link)
            assert [a.upper() for a in args[:2]] == [b"FUNCTION", b"LOAD"] and \
                args[-1] == LIB.encode(), args
            assert c.cmd("FCALL", "setter", "1", "fk", "fv") == b"+OK\r\n"
            assert next_command(link) == [b"set", b"fk", b"fv"]


# --- (d) MONITOR ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["credis", "redis"])
def test_monitor_shows_eval_then_its_commands(start_credis, start_redis, kind):
    s = started(kind, start_credis, start_redis)
    body = "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])"
    with Raw(s.port) as mon, Raw(s.port) as c:
        assert mon.cmd("MONITOR") == b"+OK\r\n"
        assert c.cmd("EVAL", body, "1", "mk", "mv") == b"$2\r\nmv\r\n"
        lines = [mon._line() for _ in range(3)]
        addr = re.escape(b"[0 127.0.0.1:")
        assert re.fullmatch(rb"\+\d+\.\d{6} " + addr + rb"\d+\] \"EVAL\" \"" +
                            re.escape(body.encode()) + rb"\" \"1\" \"mk\" \"mv\"\r\n",
                            lines[0]), lines
        assert re.fullmatch(rb"\+\d+\.\d{6} \[0 lua\] \"set\" \"mk\" \"mv\"\r\n", lines[1]), lines
        assert re.fullmatch(rb"\+\d+\.\d{6} \[0 lua\] \"get\" \"mk\"\r\n", lines[2]), lines
        assert c.cmd("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"
        assert c.cmd("FCALL", "setter", "1", "fk", "fv") == b"+OK\r\n"
        lines = [mon._line() for _ in range(3)]
        assert b'"FUNCTION" "LOAD"' in lines[0], lines
        assert re.fullmatch(rb"\+\d+\.\d{6} " + addr + rb"\d+\] \"FCALL\" \"setter\" \"1\" "
                            rb"\"fk\" \"fv\"\r\n", lines[1]), lines
        assert re.fullmatch(rb"\+\d+\.\d{6} \[0 lua\] \"set\" \"fk\" \"fv\"\r\n", lines[2]), lines


# --- (e) scripts on a replica -----------------------------------------------------------------

REPLICA_CASES = [
    ("EVAL", "return redis.call('set', 'k', 'v')", "0"),
    ("EVAL", "return redis.pcall('set', 'k', 'v')", "0"),
    ("EVAL", "return redis.call('get', 'k')", "0"),
    ("EVAL", "#!lua\nreturn 1", "0"),
    ("EVAL", "#!lua\nreturn redis.call('set', 'k', 'v')", "0"),
    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"),
    ("EVAL", "#!lua flags=no-writes\nreturn redis.pcall('set', 'k', 'v')", "0"),
    ("EVAL_RO", "return redis.call('get', 'k')", "0"),
    ("FCALL", "setter", "1", "k", "v"),
    ("FCALL", "getter", "1", "k"),
    ("FCALL_RO", "getter", "1", "k"),
]


def test_scripts_on_replica(servers):
    """A credis replica of a credis master and a redis replica of a redis master answer the
    same for write and read scripts."""
    replies = {}
    for kind in ("credis", "redis"):
        m = servers.start(kind)
        rep = servers.start(kind, replicaof=m)
        wait_link_up(rep, m)
        with Raw(m.port) as c:
            assert c.cmd("SET", "k", "master") == b"+OK\r\n"
            assert c.cmd("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"
        wait_synced(m, rep)
        with Raw(rep.port) as c:
            replies[kind] = [c.cmd(*case) for case in REPLICA_CASES]
            assert c.cmd("GET", "k") == b"$6\r\nmaster\r\n"
    diffs = [f"{case!r}:\n   credis {got!r}\n   redis  {want!r}"
             for case, got, want in zip(REPLICA_CASES, replies["credis"], replies["redis"])
             if got != want]
    assert not diffs, "\n".join(diffs)
    # What Redis says, so the comparison is not vacuous.
    assert replies["redis"][0].startswith(b"-READONLY You can't write against a read only "
                                          b"replica. script: ")
    assert replies["redis"][2] == b"$6\r\nmaster\r\n"


@pytest.mark.parametrize("script", ["error(setmetatable({}, {__index=function() foo() end}))",
                                    "error(_G)"])
def test_error_objects_whose_fields_raise(server, script):
    # (redis-server 7.0.15 itself dies on both: the error object's fields are read outside
    # its protected call)
    with Raw(server.port) as c:
        reply = c.cmd("EVAL", script, "0")
        assert reply.startswith(b"-") and b"script: " in reply
        assert c.cmd("PING") == b"+PONG\r\n"
