"""Pub/Sub on the real binary: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH,
SPUBLISH and PUBSUB give byte-identical replies and messages from credis and from a real
redis-server; redis-py's PubSub works; every one of many subscribers gets every message in
order; a subscriber that never reads is cut off by the pubsub output-buffer class while the
publisher goes on; a master's PUBLISH reaches its replicas' subscribers; a subscriber that
disconnects is forgotten.

Waits poll with a timeout; nothing sleeps to synchronise."""
import socket
import time

import pytest

from conftest import wait_until
from helpers import Raw, encode, parse_info
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import Servers, wait_link_up
from test_replication import topo


def numsub(port, channel):
    with Raw(port) as c:
        reply = c.cmd("PUBSUB", "NUMSUB", channel)
    return int(reply.split(b"\r\n")[-2][1:])


def wait_numsub(port, channel, n):
    wait_until(lambda: numsub(port, channel) == n, timeout=10, what=f"{n} subscribers")


def session(port):
    """Two subscribers and a publisher; every reply and message each one receives, in order."""
    a, b, p = Raw(port), Raw(port), Raw(port)
    got = []
    try:
        got.append(a.cmd("SUBSCRIBE", "news", "sport"))
        got.append(a.read_reply())
        got.append(a.cmd("PSUBSCRIBE", "n*"))
        got.append(b.cmd("SSUBSCRIBE", "shard"))
        wait_numsub(port, "news", 1)
        got.append(p.cmd("PUBLISH", "news", "hello"))
        got += [a.read_reply(), a.read_reply()]  # message, then pmessage
        got.append(p.cmd("PUBLISH", "nothing", "x"))  # the pattern only
        got.append(a.read_reply())
        got.append(p.cmd("SPUBLISH", "shard", "s"))
        got.append(b.read_reply())
        got.append(p.cmd("PUBSUB", "NUMSUB", "news", "none"))
        got.append(p.cmd("PUBSUB", "NUMPAT"))
        got.append(p.cmd("PUBSUB", "SHARDCHANNELS"))
        got.append(p.cmd("PUBSUB", "SHARDNUMSUB", "shard"))
        got.append(b"".join(sorted(p.cmd("PUBSUB", "CHANNELS").split(b"\r\n"))))
        got.append(p.cmd("PUBSUB", "CHANNELS", "s*"))
        got.append(a.cmd("GET", "k"))
        got.append(a.cmd("PING"))
        got.append(a.cmd("PING", "hi"))
        got.append(a.cmd("UNSUBSCRIBE", "news"))
        a.send(encode("UNSUBSCRIBE"))
        got.append(a.read_reply())
        got.append(a.cmd("UNSUBSCRIBE"))
        got.append(a.cmd("PUNSUBSCRIBE"))
        got.append(a.cmd("PING"))
        got.append(b.cmd("SUNSUBSCRIBE"))
        got.append(p.cmd("PUBSUB", "NOPE"))
        got.append(p.cmd("MULTI") + p.cmd("PUBLISH", "news", "m") + p.cmd("EXEC"))
    finally:
        for c in (a, b, p):
            c.close()
    return got


def test_same_replies_and_messages_as_redis(start_credis, start_redis):
    ours = session(start_credis(["--save", ""]).port)
    theirs = session(start_redis(["--save", ""]).port)
    for i, (g, w) in enumerate(zip(ours, theirs)):
        assert g == w, f"step {i}: credis {g!r}, redis-server {w!r}"
    assert len(ours) == len(theirs)


def test_redis_py_pubsub(server):
    r = server.client()
    ps = r.pubsub()
    ps.subscribe("events")
    ps.psubscribe("ev*")
    assert ps.get_message(timeout=5)["type"] == "subscribe"
    assert ps.get_message(timeout=5)["type"] == "psubscribe"
    assert r.publish("events", "one") == 2
    m = ps.get_message(timeout=5)
    assert (m["type"], m["channel"], m["data"]) == ("message", b"events", b"one")
    m = ps.get_message(timeout=5)
    assert (m["type"], m["pattern"], m["channel"], m["data"]) == \
        ("pmessage", b"ev*", b"events", b"one")
    assert r.pubsub_numsub("events") == [(b"events", 1)]
    ps.close()
    wait_numsub(server.port, "events", 0)
    assert r.pubsub_numpat() == 0


def test_every_subscriber_gets_every_message_in_order(server):
    subscribers = [Raw(server.port) for _ in range(200)]
    try:
        for s in subscribers:
            s.send(encode("SUBSCRIBE", "fan"))
        for s in subscribers:
            assert s.read_reply() == b"*3\r\n$9\r\nsubscribe\r\n$3\r\nfan\r\n:1\r\n"
        with Raw(server.port) as p:
            p.send(b"".join(encode("PUBLISH", "fan", f"m{i}") for i in range(300)))
            assert [p.read_reply() for _ in range(300)] == [b":200\r\n"] * 300
        for s in subscribers:
            for i in range(300):
                body = f"m{i}".encode()
                assert s.read_reply() == \
                    b"*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$%d\r\n%s\r\n" % (len(body), body)
            # Nothing more came: the next frame is the answer to this PING.
            assert s.cmd("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    finally:
        for s in subscribers:
            s.close()


def test_slow_subscriber_is_cut_off_and_publisher_goes_on(server):
    with Raw(server.port) as admin:
        assert admin.cmd("CONFIG", "SET", "client-output-buffer-limit",
                         "pubsub 1mb 256kb 60") == b"+OK\r\n"
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(encode("SUBSCRIBE", "flood"))
    wait_numsub(server.port, "flood", 1)
    payload = "x" * 10_000
    start = time.monotonic()
    with Raw(server.port) as p:
        for _ in range(20):  # 20 rounds of 50 messages: 10 MB for a reader that never reads
            p.send(b"".join(encode("PUBLISH", "flood", payload) for _ in range(50)))
            replies = [p.read_reply() for _ in range(50)]
            assert all(r in (b":1\r\n", b":0\r\n") for r in replies), replies[:3]
    assert time.monotonic() - start < 30, "the publisher was held up by the slow subscriber"
    wait_numsub(server.port, "flood", 0)
    with Raw(server.port) as c:
        stats = parse_info(c.cmd("INFO", "stats"))
    assert int(stats["client_output_buffer_limit_disconnections"]) >= 1
    slow.close()


@pytest.mark.parametrize("mk,rk", [topo("credis", "credis"), topo("redis", "credis")])
def test_publish_on_master_reaches_replica_subscribers(start_credis, start_redis, mk, rk):
    servers = Servers(start_credis, start_redis)
    m = servers.start(mk)
    rep = servers.start(rk, replicaof=m)
    wait_link_up(rep, m)
    with Raw(rep.port) as sub, Raw(m.port) as pub:
        assert sub.cmd("SUBSCRIBE", "repl") == b"*3\r\n$9\r\nsubscribe\r\n$4\r\nrepl\r\n:1\r\n"
        assert pub.cmd("PUBLISH", "repl", "from master") == b":0\r\n"  # none on the master
        assert sub.read_reply() == b"*3\r\n$7\r\nmessage\r\n$4\r\nrepl\r\n$11\r\nfrom master\r\n"


# Every class and both channel kinds, over commands of each family; keys in db 0 and 3.
NOTIFIED_SCRIPT = [
    ("SET", "s", "1"), ("SET", "s", "2", "EX", "100"), ("SETNX", "s", "3"), ("APPEND", "s", "x"),
    ("INCR", "n"), ("DECRBY", "n", "5"), ("INCRBYFLOAT", "n", "1.5"), ("SETRANGE", "s", "0", "z"),
    ("MSET", "m1", "a", "m2", "b"), ("GETSET", "m1", "c"), ("GETDEL", "m2"), ("SETBIT", "b", "3", "1"),
    ("GETEX", "s", "PX", "50000"), ("GETEX", "s", "PERSIST"), ("EXPIRE", "m1", "100"),
    ("PERSIST", "m1"), ("PEXPIRE", "m1", "0"),
    ("LPUSH", "l", "a", "b", "c"), ("RPUSH", "l", "d"), ("LINSERT", "l", "BEFORE", "a", "x"),
    ("LSET", "l", "0", "y"), ("LREM", "l", "1", "x"), ("LTRIM", "l", "0", "2"), ("LPOP", "l"),
    ("RPOPLPUSH", "l", "l2"), ("LMOVE", "l", "l2", "LEFT", "RIGHT"), ("LMPOP", "2", "zz", "l2",
                                                                     "LEFT", "COUNT", "5"),
    ("SADD", "st", "a", "b"), ("SREM", "st", "x"), ("SREM", "st", "a"), ("SMOVE", "st", "st2", "b"),
    ("SADD", "st", "q"), ("SPOP", "st"), ("SADD", "u", "1", "2"), ("SINTERSTORE", "dst", "u", "st2"),
    ("SUNIONSTORE", "dst", "u", "st2"),
    ("HSET", "h", "f", "1"), ("HINCRBY", "h", "f", "2"), ("HINCRBYFLOAT", "h", "f", "0.5"),
    ("HSETNX", "h", "g", "1"), ("HDEL", "h", "f", "g"),
    ("ZADD", "z", "1", "a", "2", "b"), ("ZADD", "z", "INCR", "1", "a"), ("ZINCRBY", "z", "1", "b"),
    ("ZREM", "z", "a"), ("ZPOPMIN", "z"), ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
    ("ZREMRANGEBYSCORE", "z", "0", "1"), ("ZUNIONSTORE", "zu", "1", "z"), ("ZRANGESTORE", "zr", "z", "0", "-1"),
    ("XADD", "x", "1-0", "f", "v"), ("XADD", "x", "MAXLEN", "0", "2-0", "f", "v"),
    ("XGROUP", "CREATE", "x", "g", "0"), ("XGROUP", "CREATECONSUMER", "x", "g", "c"),
    ("XADD", "x", "3-0", "f", "v"), ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "x", ">"),
    ("XDEL", "x", "3-0"), ("XTRIM", "x", "MAXLEN", "0"), ("XSETID", "x", "9-0"),
    ("XGROUP", "DELCONSUMER", "x", "g", "alice"), ("XGROUP", "DESTROY", "x", "g"),
    ("RENAME", "s", "s2"), ("COPY", "s2", "s3"), ("COPY", "s2", "s3", "DB", "3"),
    ("MOVE", "s3", "3"), ("DEL", "s2", "nothing", "n"), ("UNLINK", "u"),
    ("RESTORE", "r", "0", b"\x00\x01v\n\x00\x91\x08\xce\xb2\x198\x8a\xce"),
]


def notifications(port, flags):
    """The messages a `*` pattern subscriber gets while NOTIFIED_SCRIPT runs under `flags`."""
    with Raw(port) as admin, Raw(port) as sub:
        assert admin.cmd("CONFIG", "SET", "notify-keyspace-events", flags) == b"+OK\r\n"
        assert sub.cmd("PSUBSCRIBE", "*").startswith(b"*3\r\n")
        for cmd in NOTIFIED_SCRIPT:
            admin.cmd(*cmd)
        assert admin.cmd("PUBLISH", "end", "x") == b":1\r\n"  # a marker: all came before it
        got = []
        while True:
            msg = sub.read_reply()
            if b"\r\nend\r\n" in msg:
                return got
            got.append(msg)


@pytest.mark.parametrize("flags", ["KEA", "Eg$", "Klshz", "Etx", "En", "KEAn"])
def test_keyspace_notifications_as_redis(start_credis, start_redis, flags):
    ours = notifications(start_credis(["--save", ""]).port, flags)
    theirs = notifications(start_redis(["--save", ""]).port, flags)
    assert ours == theirs


def test_expired_event_without_a_command(server):
    """Active expiry publishes `expired` though no command touches the key."""
    with Raw(server.port) as admin, Raw(server.port) as sub:
        admin.cmd("CONFIG", "SET", "notify-keyspace-events", "Ex")
        assert sub.cmd("SUBSCRIBE", "__keyevent@0__:expired").startswith(b"*3\r\n")
        admin.cmd("SET", "soon", "1", "PX", "20")
        sub.sock.settimeout(5)
        assert sub.read_reply() == encode("message", "__keyevent@0__:expired", "soon")
