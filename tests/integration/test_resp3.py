"""RESP3 (HELLO 3): the same bytes as redis-server 7.0 for the replies whose type changes under
protocol 3 (maps, sets, doubles, nulls, pairs, pushes, verbatim text), switching back with
HELLO 2, and redis-cli -3 reading them."""
import re
import subprocess

import pytest

from conftest import REDIS_CLI
from helpers import Raw, encode
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)

SCRIPT = [
    ("HSET", "h", "f", "1", "g", "2"), ("HGETALL", "h"), ("HGETALL", "nohash"),
    ("HSET", "h1", "f", "1"), ("HRANDFIELD", "h1", "-2", "WITHVALUES"),
    ("CONFIG", "GET", "maxclients"), ("CONFIG", "GET", "nothing*"),
    ("SADD", "s", "3", "1", "2"), ("SMEMBERS", "s"), ("SMEMBERS", "noset"),
    ("SINTER", "s", "s"), ("SUNION", "s"), ("SDIFF", "s", "noset"), ("SISMEMBER", "s", "1"),
    ("ZADD", "z", "1.5", "a", "2", "b", "3", "c"), ("ZSCORE", "z", "a"), ("ZSCORE", "z", "x"),
    ("ZMSCORE", "z", "a", "x"), ("ZINCRBY", "z", "1", "a"), ("ZADD", "z", "INCR", "1", "b"),
    ("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("ZRANGE", "z", "0", "-1"),
    ("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES"), ("ZREVRANGE", "z", "0", "0", "WITHSCORES"),
    ("ZUNION", "1", "z", "WITHSCORES"), ("ZPOPMIN", "z"), ("ZPOPMAX", "z", "1"),
    ("ZADD", "z", "inf", "big"), ("ZSCORE", "z", "big"), ("ZADD", "z1", "2.5", "m"),
    ("ZRANDMEMBER", "z1", "-2", "WITHSCORES"),
    ("GET", "missing"), ("LPOP", "nolist"), ("LPOP", "nolist", "2"), ("BLPOP", "nolist", "0.01"),
    ("SRANDMEMBER", "noset"), ("LMOVE", "nolist", "x", "LEFT", "LEFT"),
    ("XADD", "x", "1-1", "a", "b"), ("XREAD", "STREAMS", "x", "0"), ("XREAD", "STREAMS", "x", "$"),
    ("XINFO", "STREAM", "x"), ("XGROUP", "CREATE", "x", "g", "0"), ("XINFO", "GROUPS", "x"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">"),
    ("MULTI",), ("GET", "missing"), ("ZSCORE", "z", "big"), ("EXEC",),
    ("HELLO", "2"), ("HGETALL", "h"), ("ZSCORE", "z", "big"), ("GET", "missing"),
]


def run(port):
    with Raw(port) as c:
        out = [c.cmd("HELLO", "3")] + [c.cmd(*cmd) for cmd in SCRIPT]
        # HELLO's client id differs between the servers.
        return [re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:N\r\n", r) for r in out]


def test_replies_as_redis(start_credis, start_redis):
    ours = run(start_credis(["--save", ""]).port)
    theirs = run(start_redis([]).port)
    names = ["HELLO 3"] + [" ".join(c) for c in SCRIPT]
    for i, (g, w) in enumerate(zip(ours, theirs)):
        assert g == w, f"step {i} ({names[i]}): credis {g!r}, redis-server {w!r}"
    assert len(ours) == len(theirs)


def pushes(port):
    """A RESP3 subscriber's frames, also under CLIENT REPLY OFF (Redis's pubsub test)."""
    with Raw(port) as sub, Raw(port) as pub:
        sub.cmd("HELLO", "3")
        got = [sub.cmd("SUBSCRIBE", "ch"), sub.cmd("PSUBSCRIBE", "c*")]
        got.append(pub.cmd("PUBLISH", "ch", "hi"))
        got += [sub.read_reply(), sub.read_reply()]
        got.append(sub.cmd("PING"))
        sub.send(encode("CLIENT", "REPLY", "OFF"))
        got.append(sub.cmd("UNSUBSCRIBE", "ch"))
        got.append(pub.cmd("PUBLISH", "ch", "again"))
        got.append(sub.read_reply())
        sub.send(encode("CLIENT", "REPLY", "ON"))
        got.append(sub.read_reply())
        return got


def test_pubsub_pushes_as_redis(start_credis, start_redis):
    assert pushes(start_credis(["--save", ""]).port) == pushes(start_redis([]).port)


def test_verbatim_info_and_client_info(server):
    with Raw(server.port) as c:
        c.cmd("HELLO", "3")
        info = c.cmd("INFO", "server")
        assert info.startswith(b"=") and b"\r\ntxt:# Server\r\n" in info, info[:40]
        assert c.cmd("CLIENT", "INFO").split(b"\r\n")[1].startswith(b"txt:id=")
        c.cmd("HELLO", "2")
        assert c.cmd("INFO", "server").startswith(b"$")


@pytest.mark.parametrize("args, want", [
    (["HGETALL", "h"], "1# \"f\" => \"1\""),
    (["ZSCORE", "z", "a"], "(double) 1.5"),
    (["GET", "missing"], "(nil)"),
    (["SMEMBERS", "s"], "1~ \"x\""),
])
def test_redis_cli_reads_resp3(server, args, want):
    with Raw(server.port) as c:
        c.cmd("HSET", "h", "f", "1")
        c.cmd("ZADD", "z", "1.5", "a")
        c.cmd("SADD", "s", "x")
    out = subprocess.run([REDIS_CLI, "-3", "--no-raw", "-p", str(server.port)] + args,
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert want in out.stdout, out.stdout
