"""Commands and their error replies, compared byte for byte with a real redis-server 7.0 where the
reply does not depend on timing or on server identity (ports, ids, memory)."""
import os
import re
import time

import pytest

from conftest import wait_until
from helpers import (Pair, Raw, call, encode, pair, parse_info, parse_reply,  # noqa: F401
                     redis_peer, sanitized_build)
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)


def run_same(pair, commands):
    """Runs each command (a tuple) on both servers and asserts identical replies."""
    for args in commands:
        pair.same(*args)


# --- PING, ECHO -----------------------------------------------------------------------------

def test_ping_echo(pair):
    run_same(pair, [
        ("PING",), ("ping", "hello"), ("PING", ""), ("PING", "a", "b"),
        ("ECHO", "hi"), ("echo", ""), ("ECHO", "a\r\nb\x00"), ("ECHO",), ("ECHO", "a", "b"),
    ])
    assert pair.c.cmd("PING") == b"+PONG\r\n"
    assert pair.c.cmd("ECHO", "x y") == b"$3\r\nx y\r\n"


# --- SET and its options --------------------------------------------------------------------

def test_set_get_basic(pair):
    run_same(pair, [
        ("SET", "k", "v"), ("GET", "k"), ("GET", "missing"), ("SET", "k", "v2"), ("GET", "k"),
        ("SET", "", "empty-key"), ("GET", ""), ("SET", "e", ""), ("GET", "e"),
        ("set", "k"), ("SET",), ("GET",), ("GET", "a", "b"),
    ])
    assert pair.c.cmd("GET", "k") == b"$2\r\nv2\r\n"


def test_set_nx_xx_get(pair):
    run_same(pair, [
        ("SET", "k", "v", "NX"), ("SET", "k", "v2", "NX"), ("GET", "k"),
        ("SET", "k", "v3", "XX"), ("GET", "k"), ("SET", "new", "v", "XX"), ("EXISTS", "new"),
        ("SET", "k", "v4", "GET"), ("SET", "missing", "v", "GET"), ("GET", "missing"),
        ("SET", "k", "v5", "NX", "GET"), ("GET", "k"),
        ("SET", "gx", "v", "XX", "GET"), ("EXISTS", "gx"),
        ("SET", "gn", "v", "nx", "get"), ("GET", "gn"),
        ("SET", "k", "v6", "GET", "XX"), ("GET", "k"),
        ("set", "k", "v7", "nx", "nx"), ("set", "k", "v8", "xx", "xx"), ("GET", "k"),
    ])
    assert pair.c.cmd("GET", "k") == b"$2\r\nv8\r\n"


def test_set_expire_options(pair):
    run_same(pair, [
        ("SET", "k", "v", "EX", "100"), ("TTL", "k"),
        ("SET", "k", "v", "KEEPTTL"), ("TTL", "k"),
        ("SET", "k", "v"), ("TTL", "k"),                   # a plain SET clears the TTL
        ("SET", "k", "v", "PX", "100000"), ("TTL", "k"),
        ("SET", "k", "v", "EXAT", "99999999999"), ("EXISTS", "k"),
        ("PEXPIRETIME", "k"),
        ("SET", "k", "v", "PXAT", "99999999999999"), ("PEXPIRETIME", "k"),
        ("SET", "k", "v", "ex", "100", "nx"), ("SET", "k", "v", "xx", "px", "100000", "get"),
        ("SET", "k", "v", "EXAT", "1"), ("GET", "k"), ("EXISTS", "k"),   # a past deadline
        ("SET", "k", "v", "PXAT", "1"), ("EXISTS", "k"),
        ("SET", "k", "v", "KEEPTTL"), ("TTL", "k"),          # KEEPTTL on a new key: no TTL
    ])
    # TTL/PTTL right after SET with a relative expiry.
    assert pair.c.cmd("SET", "t", "v", "EX", "100") == b"+OK\r\n"
    assert pair.c.cmd("TTL", "t") == b":100\r\n"
    assert pair.c.cmd("SET", "t", "v", "PX", "5000") == b"+OK\r\n"
    assert 4900 <= call(pair.c, "PTTL", "t") <= 5000


@pytest.mark.parametrize("args", [
    ("NX", "XX"), ("XX", "NX"), ("EX", "10", "PX", "100"), ("PX", "10", "EX", "10"),
    ("EX", "10", "KEEPTTL"), ("KEEPTTL", "EX", "10"), ("PXAT", "99999999999999", "KEEPTTL"),
    ("EX", "10", "EXAT", "99999999999"), ("EXAT", "99999999999", "PXAT", "99999999999999"),
    ("EX",), ("PX",), ("EXAT",), ("PXAT",), ("FOO",), ("NX", "BAR"), ("EX", "10", "x"),
    ("EX", "abc"), ("PX", "1.5"), ("EXAT", ""), ("PX", "1a"),
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-5"), ("EXAT", "0"), ("PXAT", "0"),
    ("PXAT", "-5"), ("EX", "9223372036854775807"), ("PX", "9223372036854775807"),
    ("EXAT", "9223372036854775807"), ("EX", "9223372036854775"), ("EX", "9223372036854776"),
    ("EX", "99999999999999999999"),
])
def test_set_invalid_options_same_error_as_redis(pair, args):
    pair.same("SET", "k", "old")
    reply = pair.same("SET", "k", "new", *args)
    assert reply.startswith(b"-ERR ")
    pair.same("GET", "k")  # unchanged
    assert pair.c.cmd("GET", "k") == b"$3\r\nold\r\n"


@pytest.mark.parametrize("args", [
    ("EX", "100", "EX", "200"), ("PX", "100000", "PX", "200000"),
    ("EXAT", "99999999999", "EXAT", "99999999999"), ("KEEPTTL", "KEEPTTL"),
])
def test_set_repeated_option_like_redis(pair, args):
    pair.same("SET", "k", "old", "EX", "500")
    pair.same("SET", "k", "new", *args)
    pair.same("GET", "k")
    pair.same("TTL", "k")


def test_setnx_setex_psetex_getset_getdel(pair):
    run_same(pair, [
        ("SETNX", "s", "1"), ("SETNX", "s", "2"), ("GET", "s"),
        ("SETEX", "s", "100", "v"), ("TTL", "s"), ("SETEX", "s", "0", "v"),
        ("SETEX", "s", "abc", "v"), ("PSETEX", "s", "0", "v"), ("PSETEX", "s", "100000", "p"),
        ("GET", "s"), ("GETSET", "s", "new"), ("TTL", "s"), ("GETSET", "none", "x"),
        ("GETDEL", "s"), ("GETDEL", "s"), ("EXISTS", "s"),
    ])


# --- generic key commands -------------------------------------------------------------------

def test_del_exists_type(pair):
    run_same(pair, [
        ("SET", "a", "1"), ("SET", "b", "2"),
        ("EXISTS", "a"), ("EXISTS", "a", "a", "b", "nope"), ("EXISTS", "nope"),
        ("TYPE", "a"), ("TYPE", "nope"),
        ("DEL", "a", "a", "nope"), ("EXISTS", "a"), ("DEL", "b", "c"), ("DEL", "b"),
        ("DEL",), ("EXISTS",), ("TYPE",), ("TYPE", "a", "b"), ("UNLINK", "nope"),
    ])


GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "h*llo", "h?llo", "h[llo",
             "h\\llo", "h-llo", "h]llo", "hElLo", "a", "b", "c", "ab", "abc", "x\x00y", "x\ny",
             "-", "]", "^", "[", "\\", "H", "user:1", "user:22", "user:333"]
GLOB_PATTERNS = ["*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[!e]llo", "h[a-b]llo",
                 "h[b-a]llo", "h[a-z]llo", "h\\*llo", "h\\?llo", "h\\[llo", "h\\\\llo",
                 "h[\\]]llo", "h[a-]llo", "h[-a]llo", "h\\xllo", "\\h\\e\\l\\l\\o", "?", "??",
                 "???", "x?y", "*[^a-z]*", "[^a]", "[^]", "[]]", "[", "[a", "h[a-z", "h[^",
                 "\\", "*\\", "hello*", "*llo", "*?*", "H*", "h*", "[\\-]", "[a-c]b*", "user:*",
                 "user:?", "user:??*", "user:[0-9]", "user:[0-9][0-9]", "*:*", "nomatch*",
                 "h*l*o", "*e*e*", "[abc]", "[a-c][b-c]"]


@pytest.mark.parametrize("pattern", GLOB_PATTERNS)
def test_keys_glob_same_as_redis(pair, pattern):
    for k in GLOB_KEYS:
        pair.both("SET", k, "1")
    got, want = (parse_reply(x) for x in pair.both("KEYS", pattern))
    assert sorted(got) == sorted(want)


def test_keys_glob_semantics(r):
    for k in GLOB_KEYS:
        r.set(k, 1)
    assert set(r.keys("h[ae]llo")) == {b"hello", b"hallo"}
    assert set(r.keys("h[^e]llo")) == {b"hallo", b"hxllo", b"hbllo", b"h*llo", b"h?llo",
                                       b"h[llo", b"h\\llo", b"h-llo", b"h]llo"}
    assert set(r.keys("h[a-b]llo")) == {b"hallo", b"hbllo"}
    assert set(r.keys("h\\*llo")) == {b"h*llo"}
    assert set(r.keys("user:?")) == {b"user:1"}
    assert set(r.keys("x?y")) == {b"x\x00y", b"x\ny"}
    assert len(r.keys("*")) == len(GLOB_KEYS)
    assert r.keys("nomatch*") == []


def test_keys_pattern_and_empty_key_like_redis(pair):
    pair.same("SET", "", "1")
    pair.same("SET", "a", "1")
    pair.same("KEYS", "**")


def test_keys_skips_expired_and_other_dbs(pair):
    run_same(pair, [
        ("SET", "live", "1"), ("SET", "dead", "1", "PXAT", "1"), ("SELECT", "2"),
        ("SET", "other", "1"), ("SELECT", "0"), ("KEYS", "*"), ("KEYS",),
        ("KEYS", "a", "b"),
    ])


def test_dbsize_select_flushdb_flushall(pair):
    run_same(pair, [
        ("DBSIZE",), ("SET", "a", "1"), ("SET", "b", "1"), ("DBSIZE",),
        ("SELECT", "1"), ("DBSIZE",), ("GET", "a"), ("SET", "a", "db1"), ("GET", "a"),
        ("SELECT", "15"), ("SET", "c", "1"), ("SELECT", "16"), ("SELECT", "-1"),
        ("SELECT", "abc"), ("SELECT",), ("SELECT", "1", "2"),
        ("SELECT", "0"), ("GET", "a"), ("DBSIZE",),
        ("FLUSHDB", "bogus"), ("FLUSHDB",), ("DBSIZE",), ("SELECT", "1"), ("DBSIZE",),
        ("FLUSHDB", "ASYNC"), ("DBSIZE",), ("SELECT", "15"), ("DBSIZE",),
        ("FLUSHALL", "x"), ("FLUSHALL", "a", "b"), ("FLUSHALL", "SYNC"), ("DBSIZE",),
        ("SET", "x", "1"), ("FLUSHALL",), ("DBSIZE",), ("DBSIZE", "x"),
    ])


def test_select_is_per_connection(server):
    with Raw(server.port) as a, Raw(server.port) as b:
        assert a.cmd("SELECT", "3") == b"+OK\r\n"
        assert a.cmd("SET", "k", "in3") == b"+OK\r\n"
        assert b.cmd("GET", "k") == b"$-1\r\n"
        assert b.cmd("SET", "k", "in0") == b"+OK\r\n"
        assert a.cmd("GET", "k") == b"$3\r\nin3\r\n"
        with Raw(server.port) as c:  # a new connection starts in db 0
            assert c.cmd("GET", "k") == b"$3\r\nin0\r\n"


def test_ttl_expire_persist(pair):
    run_same(pair, [
        ("TTL", "nope"), ("PTTL", "nope"), ("SET", "p", "v"), ("TTL", "p"), ("PTTL", "p"),
        ("EXPIRE", "p", "100"), ("TTL", "p"), ("PERSIST", "p"), ("TTL", "p"), ("PERSIST", "p"),
        ("PERSIST", "nope"), ("EXPIRE", "nope", "10"), ("PEXPIRE", "nope", "10"),
        ("PEXPIRE", "p", "100000"), ("TTL", "p"),
        ("EXPIRE", "p", "200", "NX"), ("EXPIRE", "p", "200", "XX"), ("TTL", "p"),
        ("EXPIRE", "p", "100", "GT"), ("EXPIRE", "p", "300", "GT"), ("TTL", "p"),
        ("EXPIRE", "p", "400", "LT"), ("EXPIRE", "p", "50", "LT"), ("TTL", "p"),
        ("PERSIST", "p"), ("EXPIRE", "p", "50", "XX"), ("EXPIRE", "p", "50", "GT"),
        ("EXPIRE", "p", "50", "LT"), ("TTL", "p"), ("PERSIST", "p"), ("EXPIRE", "p", "50", "NX"),
        ("TTL", "p"),
        ("EXPIRE", "p", "100", "foo"), ("EXPIRE", "p", "100", "NX", "XX"),
        ("EXPIRE", "p", "100", "GT", "LT"), ("EXPIRE", "p", "abc"), ("EXPIRE", "p", "1.5"),
        ("EXPIRE", "p", "9223372036854775807"), ("PEXPIRE", "p", "9223372036854775807"),
        ("EXPIRE", "p"), ("TTL",), ("PTTL",), ("PERSIST",), ("TTL", "a", "b"),
        ("EXPIREAT", "p", "99999999999"), ("PEXPIRETIME", "p"),
        ("PEXPIREAT", "p", "99999999999999"), ("PEXPIRETIME", "p"),
        ("EXPIRE", "p", "0"), ("EXISTS", "p"), ("SET", "p", "v"), ("EXPIRE", "p", "-1"),
        ("GET", "p"), ("SET", "p", "v"), ("PEXPIREAT", "p", "1"), ("EXISTS", "p"),
    ])
    assert pair.c.cmd("SET", "q", "v") == b"+OK\r\n"
    assert pair.c.cmd("PEXPIRE", "q", "100000") == b":1\r\n"
    assert 99000 <= call(pair.c, "PTTL", "q") <= 100000


def test_expiretime_rounds_like_redis(pair):
    deadline = (int(time.time()) + 100000) * 1000 + 700   # .7 s past a whole second
    pair.same("SET", "k", "v", "PXAT", str(deadline))
    assert pair.same("EXPIRETIME", "k") == b":%d\r\n" % ((deadline + 500) // 1000)


def test_rename_keeps_value_and_ttl(pair):
    run_same(pair, [
        ("SET", "a", "v", "EX", "100"), ("RENAME", "a", "b"), ("GET", "b"), ("TTL", "b"),
        ("EXISTS", "a"), ("RENAME", "nope", "x"), ("SET", "c", "1"), ("RENAMENX", "b", "c"),
        ("RENAMENX", "b", "d"), ("TTL", "d"), ("RENAME", "d", "d"), ("GET", "d"),
    ])


# --- integers -------------------------------------------------------------------------------

def test_incr_decr_family(pair):
    run_same(pair, [
        ("INCR", "i"), ("INCR", "i"), ("INCRBY", "i", "10"), ("DECR", "i"), ("DECRBY", "i", "5"),
        ("INCRBY", "i", "-20"), ("DECRBY", "i", "-3"), ("GET", "i"), ("DECR", "new"),
        ("INCRBY", "i", "abc"), ("INCRBY", "i", "1.5"), ("INCRBY", "i", ""),
        ("INCRBY", "i", "99999999999999999999"), ("DECRBY", "i", "x"),
        ("DECRBY", "i", "-9223372036854775808"),
        ("SET", "m", "9223372036854775807"), ("INCR", "m"), ("INCRBY", "m", "1"), ("GET", "m"),
        ("SET", "m", "-9223372036854775808"), ("DECR", "m"), ("DECRBY", "m", "1"),
        ("INCRBY", "m", "9223372036854775807"),
        ("SET", "s", "abc"), ("INCR", "s"), ("SET", "s", " 1"), ("INCR", "s"),
        ("SET", "s", "01"), ("INCR", "s"), ("SET", "s", "+1"), ("INCR", "s"),
        ("SET", "s", ""), ("INCR", "s"), ("SET", "s", "1.0"), ("INCR", "s"),
        ("SET", "s", "-0"), ("INCR", "s"), ("GET", "s"),
        ("INCR",), ("INCR", "a", "b"), ("INCRBY", "i"), ("DECRBY", "i"), ("DECR",),
        ("SET", "t", "5", "EX", "100"), ("INCR", "t"), ("TTL", "t"),     # keeps the TTL
    ])


# --- multi-key, APPEND, STRLEN --------------------------------------------------------------

def test_mget_mset_msetnx(pair):
    run_same(pair, [
        ("MSET", "a", "1", "b", "2"), ("MGET", "a", "b", "nope"), ("MSET", "a", "1", "a", "2"),
        ("GET", "a"), ("MSETNX", "a", "x", "c", "3"), ("EXISTS", "c"),
        ("MSETNX", "c", "3", "d", "4"), ("MGET", "c", "d"), ("MSETNX", "e", "1", "e", "2"),
        ("MSET",), ("MSET", "a"), ("MSET", "a", "1", "b"), ("MGET",), ("MSETNX", "a"),
        ("SET", "t", "v", "EX", "100"), ("MSET", "t", "w"), ("TTL", "t"),
    ])


def test_append_strlen(pair):
    run_same(pair, [
        ("APPEND", "ap", "hello"), ("APPEND", "ap", " world"), ("GET", "ap"), ("STRLEN", "ap"),
        ("STRLEN", "nope"), ("APPEND", "ap", ""), ("APPEND", "bin", "\x00\r\n"),
        ("STRLEN", "bin"), ("SET", "n", "10"), ("APPEND", "n", "5"), ("INCR", "n"),
        ("APPEND",), ("APPEND", "a"), ("STRLEN",), ("STRLEN", "a", "b"),
        ("SET", "t", "v", "EX", "100"), ("APPEND", "t", "w"), ("TTL", "t"),
    ])


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("foo",), ("foo", "a", "b", "c"), ("FOO", "x"), ("foo", "a b", "c"),
    ("fo\r\no", "x\ny"), ("GET2",), ("", ""),
    ("c" * 200, "x"),
])
def test_unknown_command_error_same_as_redis(pair, args):
    reply = pair.same(*args)
    assert reply.startswith(b"-ERR unknown command '")


@pytest.mark.parametrize("args", [
    ("foo", "a" * 200, "b"),
    ("foo",) + tuple(f"arg{i}" for i in range(60)),
])
def test_unknown_command_long_arguments_truncated_like_redis(pair, args):
    pair.same(*args)


@pytest.mark.parametrize("name,args", [
    ("get", ()), ("get", ("a", "b")), ("set", ("k",)), ("del", ()), ("exists", ()),
    ("type", ()), ("keys", ()), ("dbsize", ("x",)), ("select", ()), ("ttl", ()),
    ("pttl", ()), ("expire", ("k",)), ("pexpire", ("k",)), ("persist", ()), ("incr", ()),
    ("decr", ()), ("incrby", ("k",)), ("decrby", ("k",)), ("mget", ()), ("mset", ("k",)),
    ("append", ("k",)), ("strlen", ()), ("echo", ()), ("wait", ("0",)), ("config", ()),
    ("client", ()), ("getdel", ()), ("rename", ("a",)), ("setex", ("k", "1")),
])
def test_wrong_arity_same_as_redis(pair, name, args):
    reply = pair.same(name, *args)
    assert reply == b"-ERR wrong number of arguments for '%s' command\r\n" % name.encode()


def test_arity_error_uses_lowercase_name(pair):
    assert pair.same("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert pair.same("mSeT", "a") == b"-ERR wrong number of arguments for 'mset' command\r\n"


def test_not_an_integer_errors(pair):
    err = b"-ERR value is not an integer or out of range\r\n"
    pair.same("SET", "s", "abc")
    for args in [("INCR", "s"), ("INCRBY", "x", "abc"), ("DECRBY", "x", "1e3"),
                 ("EXPIRE", "x", "ten"), ("SELECT", "zero"), ("SET", "x", "v", "EX", "1.0")]:
        assert pair.same(*args) == err


@pytest.fixture
def typed_pair(start_redis, start_credis, tmp_path):
    """credis loaded from an RDB file that a real redis-server wrote with a key of every type,
    and that redis-server still holding the same keys."""
    peer = start_redis(workdir=str(tmp_path))
    with Raw(peer.port) as r:
        for args in [("RPUSH", "list", "a", "b"), ("SADD", "set", "x", "y"),
                     ("HSET", "hash", "f", "v"), ("ZADD", "zset", "1", "m"), ("SET", "str", "v"),
                     ("SET", "num", "10")]:
            assert not r.cmd(*args).startswith(b"-"), args
        assert r.cmd("SAVE") == b"+OK\r\n"
    credis = start_credis(["--save", ""], workdir=str(tmp_path))
    p = Pair(credis.port, peer.port)
    yield p
    p.close()


NON_STRINGS = ["list", "set", "hash", "zset"]


@pytest.mark.parametrize("key", NON_STRINGS)
def test_wrongtype_error(typed_pair, key):
    wrongtype = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    for args in [("GET", key), ("INCR", key), ("DECRBY", key, "2"), ("APPEND", key, "x"),
                 ("STRLEN", key), ("SET", key, "v", "GET"), ("GETSET", key, "v"),
                 ("GETDEL", key)]:
        assert typed_pair.same(*args) == wrongtype, args
    for args in [("TYPE", key), ("EXISTS", key), ("MGET", "str", key, "num"), ("TTL", key),
                 ("KEYS", key), ("SET", key, "v", "NX"), ("EXPIRE", key, "100"), ("TTL", key),
                 ("PERSIST", key), ("RENAME", key, key + "2"), ("TYPE", key + "2"),
                 ("GET", key + "2"), ("SET", key + "2", "now-a-string"), ("TYPE", key + "2"),
                 ("GET", key + "2"), ("DEL", key), ("DBSIZE",)]:
        typed_pair.same(*args)


def test_loaded_types_reported_like_redis(typed_pair):
    for key in NON_STRINGS + ["str", "num", "nope"]:
        typed_pair.same("TYPE", key)
    typed_pair.same("DBSIZE")
    typed_pair.same("INCR", "num")
    typed_pair.same("DEL", *NON_STRINGS)
    typed_pair.same("DBSIZE")


# --- WAIT, CLIENT, QUIT ---------------------------------------------------------------------

def test_wait_without_replicas(pair):
    run_same(pair, [
        ("WAIT", "0", "0"), ("SET", "k", "v"), ("WAIT", "0", "100"), ("WAIT", "1", "50"),
        ("WAIT", "a", "0"), ("WAIT", "0", "-1"), ("WAIT",), ("WAIT", "0"),
    ])


def test_wait_bad_timeout_error_like_redis(pair):
    pair.same("WAIT", "0", "abc")


@pytest.fixture(params=["credis", "redis"])
def either(request, server, redis_peer):
    """The port of a fresh credis, or of the real redis-server (flushed): the same test runs
    against both where a reply's timing is what is compared."""
    if request.param == "credis":
        return server.port
    with Raw(redis_peer.port) as c:
        c.cmd("FLUSHALL")
    return redis_peer.port


def blocked_clients(port):
    with Raw(port) as c:
        return int(parse_info(c.cmd("INFO", "clients").decode())["blocked_clients"])


def test_wait_for_missing_replicas_blocks_until_the_timeout(either):
    with Raw(either) as c, Raw(either) as other:
        start = time.monotonic()
        c.send(b"SET k v\r\nWAIT 1 300\r\nPING\r\nGET k\r\n")
        assert c.read_reply() == b"+OK\r\n"  # the command before WAIT is answered at once
        assert time.monotonic() - start < 0.25
        assert blocked_clients(either) == 1
        assert other.cmd("PING") == b"+PONG\r\n"  # other clients are served meanwhile
        assert c.read_reply() == b":0\r\n"
        assert time.monotonic() - start >= 0.29
        # The requests behind WAIT ran only after it.
        assert c.read_reply() == b"+PONG\r\n"
        assert c.read_reply() == b"$1\r\nv\r\n"
        assert blocked_clients(either) == 0
        assert c.cmd("WAIT", "0", "0") == b":0\r\n"  # nothing to wait for: at once


def test_wait_without_timeout_blocks_until_the_client_leaves(either):
    c = Raw(either)
    c.send(b"WAIT 1 0\r\nPING\r\n")
    wait_until(lambda: blocked_clients(either) == 1, what="client blocked in WAIT")
    c.sock.settimeout(0.2)
    with pytest.raises(TimeoutError):
        c.read_reply()
    c.close()
    wait_until(lambda: blocked_clients(either) == 0, what="blocked client gone")
    with Raw(either) as fresh:
        assert fresh.cmd("PING") == b"+PONG\r\n"


def test_client_setname_getname_id(pair):
    run_same(pair, [
        ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", "myname"), ("CLIENT", "GETNAME"),
        ("client", "setname", "a b"), ("CLIENT", "SETNAME", "a\nb"), ("CLIENT", "GETNAME"),
        ("CLIENT", "SETNAME", ""), ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME"),
        ("CLIENT", "GETNAME", "x"), ("CLIENT", "ID", "x"), ("CLIENT", "nosuch"), ("CLIENT",),
    ])


def test_client_id_unique_and_names_per_connection(server):
    conns = [Raw(server.port) for _ in range(5)]
    try:
        ids = [call(c, "CLIENT", "ID") for c in conns]
        assert all(isinstance(i, int) and i > 0 for i in ids)
        assert len(set(ids)) == 5
        assert ids == sorted(ids)  # ids grow with each connection
        assert call(conns[0], "CLIENT", "ID") == ids[0]  # stable on one connection
        for i, c in enumerate(conns):
            assert c.cmd("CLIENT", "SETNAME", f"conn-{i}") == b"+OK\r\n"
        for i, c in enumerate(conns):
            assert call(c, "CLIENT", "GETNAME") == f"conn-{i}".encode()
    finally:
        for c in conns:
            c.close()
    with Raw(server.port) as c:
        assert c.cmd("CLIENT", "GETNAME") == b"$-1\r\n"
        assert call(c, "CLIENT", "ID") > ids[-1]


def test_quit(pair):
    for conn in (pair.c, pair.r):
        conn.send(b"*1\r\n$4\r\nQUIT\r\n")
        assert conn.read_until_close() == b"+OK\r\n"


# --- CONFIG ---------------------------------------------------------------------------------

def config_dict(conn, *patterns):
    flat = call(conn, "CONFIG", "GET", *patterns)
    assert isinstance(flat, list) and len(flat) % 2 == 0, flat
    d = dict(zip(flat[::2], flat[1::2]))
    assert len(d) == len(flat) // 2, "a parameter listed twice"
    return {k.decode(): v.decode() for k, v in d.items()}


CONFIG_NAMES = ["dir", "dbfilename", "port", "bind", "save", "appendonly", "maxmemory",
                "databases"]


def test_config_get_values(server):
    with Raw(server.port) as c:
        got = config_dict(c, *CONFIG_NAMES)
    assert got == {
        "dir": os.path.realpath(server.dir), "dbfilename": "dump.rdb",
        "port": str(server.port), "bind": "127.0.0.1 -::1", "save": "", "appendonly": "no",
        "maxmemory": "0", "databases": "16",
    }


def test_config_get_globs_like_redis(pair):
    for pattern in ["d*", "*", "dir", "db*", "dbfile?ame", "*port", "[bd]*", "nosuch", "*max*"]:
        got = config_dict(pair.c, pattern)
        want = config_dict(pair.r, pattern)
        assert bool(got) == (pattern != "nosuch"), pattern
        for name in got:
            assert re.fullmatch(pattern.replace("*", ".*").replace("?", "."), name), (pattern,
                                                                                     name)
        # Every parameter credis knows that Redis also reports for this pattern must agree on
        # membership; the values that do not depend on the server instance must agree too.
        for name in set(got) & set(CONFIG_NAMES):
            assert name in want, (pattern, name)
        for name in ("dbfilename", "appendonly", "maxmemory", "databases"):
            if name in want:
                assert got.get(name) == want[name], (pattern, name)
    assert set(config_dict(pair.c, "*")) >= set(CONFIG_NAMES)
    assert set(config_dict(pair.c, "d*")) >= {"dir", "dbfilename", "databases"}
    assert config_dict(pair.c, "nosuch") == {}
    assert config_dict(pair.c, "port", "dir").keys() == {"port", "dir"}
    assert config_dict(pair.c, "port", "port").keys() == {"port"}


def test_config_errors_same_as_redis(pair):
    run_same(pair, [("CONFIG",), ("CONFIG", "GET"), ("CONFIG", "nosuch"), ("CONFIG", "GET", "nosuch")])


def test_config_get_uppercase_name_like_redis(pair):
    assert call(pair.c, "CONFIG", "GET", "DBFILENAME") == \
        call(pair.r, "CONFIG", "GET", "DBFILENAME")


def test_config_set_then_get(server):
    with Raw(server.port) as c:
        assert c.cmd("CONFIG", "SET", "dbfilename", "other.rdb") == b"+OK\r\n"
        assert config_dict(c, "dbfilename") == {"dbfilename": "other.rdb"}


# --- INFO -----------------------------------------------------------------------------------

def info(conn, *sections):
    text = call(conn, "INFO", *sections)
    assert isinstance(text, bytes), text
    return text.decode()


def section_titles(text):
    return [line[2:] for line in text.split("\r\n") if line.startswith("# ")]


def test_info_default_has_all_sections(server):
    with Raw(server.port) as c:
        text = info(c)
    titles = section_titles(text)
    for s in ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "Keyspace"]:
        assert s in titles
    assert all(line.startswith("#") or ":" in line for line in text.split("\r\n") if line)
    assert "\n" not in text.replace("\r\n", "")


@pytest.mark.parametrize("section,title", [
    ("server", "Server"), ("clients", "Clients"), ("memory", "Memory"),
    ("persistence", "Persistence"), ("stats", "Stats"), ("replication", "Replication"),
    ("keyspace", "Keyspace"), ("SERVER", "Server"), ("KeySpace", "Keyspace"),
])
def test_info_single_section(server, section, title):
    with Raw(server.port) as c:
        assert section_titles(info(c, section)) == [title]


def test_info_several_sections_and_unknown(pair):
    assert section_titles(info(pair.c, "server", "clients")) == ["Server", "Clients"]
    assert section_titles(info(pair.r, "server", "clients")) == ["Server", "Clients"]
    pair.same("INFO", "nosuchsection")


def test_info_server_fields(server):
    with Raw(server.port) as c:
        f = parse_info(info(c, "server"))
    assert re.fullmatch(r"7\.0\.\d+", f["redis_version"])
    assert f["tcp_port"] == str(server.port)
    assert f["redis_mode"] == "standalone"
    assert int(f["process_id"]) == server.proc.pid
    assert int(f["uptime_in_seconds"]) >= 0


def test_info_server_run_id(server):
    with Raw(server.port) as c:
        f = parse_info(info(c, "server"))
    assert re.fullmatch(r"[0-9a-f]{40}", f["run_id"])


def test_info_clients_counts_connections(server):
    def connected():
        with Raw(server.port) as c:
            return int(parse_info(info(c, "clients"))["connected_clients"])

    assert connected() == 1
    extra = [Raw(server.port) for _ in range(3)]
    try:
        for e in extra:
            assert e.cmd("PING") == b"+PONG\r\n"
        assert connected() == 4
    finally:
        for e in extra:
            e.close()
    wait_until(lambda: connected() == 1, timeout=5, what="connected_clients back to 1")


def test_info_memory_and_persistence(server):
    with Raw(server.port) as c:
        m = parse_info(info(c, "memory"))
        assert int(m["used_memory_rss"]) > 0
        assert m["used_memory_human"]
        if not sanitized_build():
            assert int(m["used_memory"]) > 0
            before = int(m["used_memory"])
            assert c.cmd("SET", "big", "x" * (8 << 20)) == b"+OK\r\n"
            after = int(parse_info(info(c, "memory"))["used_memory"])
            assert after >= before + (8 << 20) * 0.9
        else:
            assert c.cmd("SET", "big", "x") == b"+OK\r\n"
        p = parse_info(info(c, "persistence"))
        assert p["loading"] == "0"
        assert int(p["rdb_changes_since_last_save"]) >= 1


@pytest.mark.skipif(sanitized_build(), reason="used_memory is not tracked under ASan")
def test_memory_usage_of_big_aggregates_matches_used_memory(server):
    """MEMORY USAGE of a 100,000-element set, hash and sorted set (the big containers) is within
    15% of what creating it added to used_memory (fewer elements: jemalloc's thread cache
    blurs the growth)."""
    with Raw(server.port) as c:
        for kind in ("set", "hash", "zset"):
            before = int(parse_info(info(c, "memory"))["used_memory"])
            for first in range(0, 100000, 1000):
                args = []
                for i in range(first, first + 1000):
                    args += ([f"element:{i}"] if kind == "set" else
                             [f"element:{i}", f"value:{i}"] if kind == "hash" else
                             [str(i), f"element:{i}"])
                cmd = {"set": "SADD", "hash": "HSET", "zset": "ZADD"}[kind]
                assert c.cmd(cmd, kind, *args) == b":1000\r\n"
            growth = int(parse_info(info(c, "memory"))["used_memory"]) - before
            usage = int(c.cmd("MEMORY", "USAGE", kind, "SAMPLES", "0")[1:-2])
            assert 0.85 * growth <= usage <= 1.15 * growth, (kind, usage, growth)


def test_info_stats_counts_commands_and_connections(server):
    with Raw(server.port) as c:
        s1 = parse_info(info(c, "stats"))
        for _ in range(10):
            c.cmd("PING")
        s2 = parse_info(info(c, "stats"))
    assert int(s2["total_commands_processed"]) - int(s1["total_commands_processed"]) >= 11
    assert int(s2["total_connections_received"]) >= 1
    with Raw(server.port) as c2:
        s3 = parse_info(info(c2, "stats"))
    assert int(s3["total_connections_received"]) == int(s2["total_connections_received"]) + 1


def test_info_replication_master(server):
    with Raw(server.port) as c:
        f = parse_info(info(c, "replication"))
        assert call(c, "WAIT", "0", "0") == 0
    assert f["role"] == "master"
    assert f["connected_slaves"] == "0"
    assert re.fullmatch(r"[0-9a-f]{40}", f["master_replid"])
    assert f["master_repl_offset"].isdigit()


def test_info_keyspace(pair):
    for conn in (pair.c, pair.r):
        assert info(conn, "keyspace") == "# Keyspace\r\n"
        conn.cmd("SET", "a", "1")
        conn.cmd("SET", "b", "1", "EX", "1000")
        conn.cmd("SET", "c", "1", "PX", "500000")
        conn.cmd("SELECT", "3")
        conn.cmd("SET", "z", "1")
        conn.cmd("SELECT", "0")
        f = parse_info(info(conn, "keyspace"))
        assert set(f) == {"db0", "db3"}
        m = re.fullmatch(r"keys=3,expires=2,avg_ttl=(\d+)", f["db0"])
        assert m, f["db0"]
        assert int(m.group(1)) <= 1000 * 1000
        assert f["db3"] == "keys=1,expires=0,avg_ttl=0"


# --- COMMAND --------------------------------------------------------------------------------

def test_command_count_list_and_info(pair):
    c = pair.c
    count = call(c, "COMMAND", "COUNT")
    everything = call(c, "COMMAND")
    names = {e[0] for e in everything}
    assert count == len(everything) == len(names)
    for name in [b"get", b"set", b"del", b"ping", b"echo", b"keys", b"config", b"info",
                 b"command", b"client", b"select", b"expire", b"incr", b"mget", b"wait"]:
        assert name in names
    # COMMAND LIST adds the subcommand entries ("client|unblock"), as Redis's does.
    listed = set(call(c, "COMMAND", "LIST"))
    assert {n for n in listed if b"|" not in n} == names
    assert b"xgroup|create" in listed and b"memory|usage" in listed
    # name, arity and key positions agree with Redis for every command credis has.
    for name in names:
        got = call(c, "COMMAND", "INFO", name)[0]
        want = call(pair.r, "COMMAND", "INFO", name)[0]
        assert got[:2] + got[3:6] == want[:2] + want[3:6], name
    assert call(c, "COMMAND", "INFO", "nosuch") == [None]
    pair.same("COMMAND", "COUNT", "x")
    pair.same("COMMAND", "nosuch")


def docs_map(reply):
    out = {}
    for name, body in zip(reply[::2], reply[1::2]):
        out[name] = dict(zip(body[::2], body[1::2]))
    return out


def test_command_docs(pair):
    docs = docs_map(call(pair.c, "COMMAND", "DOCS", "get", "set"))
    assert set(docs) == {b"get", b"set"}
    want = docs_map(call(pair.r, "COMMAND", "DOCS", "get", "set"))
    for name in docs:
        assert docs[name][b"summary"] == want[name][b"summary"]
        assert docs[name][b"group"] == want[name][b"group"] == b"string"
    assert call(pair.c, "COMMAND", "DOCS", "nosuch") == []
    pair.same("COMMAND", "DOCS", "nosuch")
    all_docs = docs_map(call(pair.c, "COMMAND", "DOCS"))
    assert len(all_docs) == call(pair.c, "COMMAND", "COUNT")


def test_command_docs_group_and_since_like_redis(pair):
    names = call(pair.c, "COMMAND", "LIST")
    got = docs_map(call(pair.c, "COMMAND", "DOCS", *names))
    want = docs_map(call(pair.r, "COMMAND", "DOCS", *names))
    diffs = []
    for name in names:
        for field in (b"summary", b"group", b"since"):
            if got[name].get(field) != want[name].get(field):
                diffs.append((name, field, got[name].get(field), want[name].get(field)))
    assert diffs == []


# --- redis-py end to end --------------------------------------------------------------------

def test_redis_py_round_trip(r):
    assert r.ping() is True
    assert r.set("k", "v", ex=100) is True
    assert r.get("k") == b"v"
    assert r.ttl("k") == 100
    assert r.set("k", "w", nx=True) is None
    assert r.mset({"a": 1, "b": 2}) is True
    assert r.mget("a", "b", "c") == [b"1", b"2", None]
    assert r.incrby("a", 41) == 42
    assert r.exists("a", "b", "c") == 2
    assert r.delete("a", "b") == 2
    assert r.dbsize() == 1
    assert r.type("k") == b"string"
    assert r.config_get("port") == {"port": str(r.connection_pool.connection_kwargs["port"])}
    assert r.info("replication")["role"] == "master"
    assert r.client_setname("py") is True
    assert r.client_getname() == "py"
    with pytest.raises(Exception, match="wrong number of arguments for 'get' command"):
        r.execute_command("GET")
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"p{i}", i)
        pipe.get(f"p{i}")
    results = pipe.execute()
    assert results[1::2] == [str(i).encode() for i in range(100)]


# --- RESET ----------------------------------------------------------------------------------

def test_reset_returns_the_connection_to_its_first_state_as_redis(pair, server, redis_peer):
    """RESET after MULTI, WATCH, SELECT, CLIENT SETNAME, HELLO 3, CLIENT REPLY OFF and
    subscriptions: the same replies as redis-server, and the state really gone (a watched key
    changed afterwards does not abort a later EXEC, a publish reaches nobody, db 0 again)."""
    run_same(pair, [("SET", "w", "1"), ("WATCH", "w"), ("SELECT", "5"),
                    ("CLIENT", "SETNAME", "before"), ("MULTI",), ("SET", "x", "1"),
                    ("RESET",), ("CLIENT", "GETNAME"), ("SET", "in0", "v"), ("SELECT", "0"),
                    ("GET", "in0"), ("EXEC",), ("WATCH", "w"), ("RESET",)])
    # Another client changes the key the reset connection watched: its EXEC still runs.
    for port in (server.port, redis_peer.port):
        with Raw(port) as other:
            assert other.cmd("SET", "w", "2") == b"+OK\r\n"
    run_same(pair, [("MULTI",), ("INCR", "w"), ("EXEC",)])
    # HELLO 3 then RESET: RESP2 replies again; a subscribed connection may RESET and then
    # runs any command; its channel has no subscriber left.
    assert all(r.startswith(b"%7\r\n") for r in pair.both("HELLO", "3"))  # (ids differ)
    run_same(pair, [("HGETALL", "none"), ("RESET",), ("HGETALL", "none"), ("SUBSCRIBE", "ch"),
                    ("RESET",), ("PUBLISH", "ch", "m"), ("PUBSUB", "NUMSUB", "ch")])
    for raw in (pair.c, pair.r):
        raw.send(encode("CLIENT", "REPLY", "OFF"))  # no reply: RESET's is the next
    run_same(pair, [("RESET",), ("PING",)])
