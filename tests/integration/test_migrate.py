"""MIGRATE between credis and real redis-server 7.0 in every direction: the same replies, the
same data and TTLs left on both sides, AUTH/AUTH2, a target that sleeps or is down, the source's
replicas and keyspace events, MONITOR's redaction, the connection cache, and a source that keeps
serving its other clients while a MIGRATE waits for a slow target."""
import threading
import time

import pytest

from conftest import free_port, wait_until
from helpers import Raw, keyspace_notifications, parse_info
from replication_support import dump_db, wait_synced

DEST_DB = 5
# A target that DEBUG SLEEP can freeze.
SLEEPER = ["--save", "", "--enable-debug-command", "yes"]


def fill_source(c):
    c.cmd("FLUSHALL")
    c.cmd("SET", "a", "1")
    c.cmd("SET", "b", "2", "PX", "100000")
    c.cmd("RPUSH", "l", "x", "y", "z")
    c.cmd("HSET", "h", "f", "v", "g", "w")
    c.cmd("SADD", "st", "m", "n")
    c.cmd("SET", "c", "3")
    c.cmd("SET", "busy", "source")
    c.cmd("MSET", "k1", "v1", "k2", "v2")
    c.cmd("SET", "big", "x" * 300000)


def migrate_lines(port):
    """A run of MIGRATEs to 127.0.0.1:port covering Redis's paths (after fill_source)."""
    m = ("MIGRATE", "127.0.0.1", str(port))
    db = str(DEST_DB)
    return [
        (*m, "a", db, "5000"),
        (*m, "b", db, "5000"),  # its TTL goes along
        (*m, "missing", db, "5000"),  # +NOKEY
        (*m, "", db, "5000", "KEYS", "l", "h", "nokey", "st"),
        (*m, "busy", db, "5000"),  # BUSYKEY on the target
        (*m, "busy", db, "5000", "COPY", "REPLACE"),
        (*m, "c", db, "5000", "COPY"),
        (*m, "c", db, "5000"),  # BUSYKEY: the copy is there
        (*m, "", db, "5000", "KEYS", "k1", "c", "k2"),  # k1 and k2 moved, c refused
        (*m, "c", "99", "5000"),  # SELECT refused
        (*m, "c", db, "5000", "REPLACE"),  # a new SELECT after the refused one
        (*m, "big", db, "5000"),
        (*m, "c", db, "5000", "bogus"),
        (*m, "c", db, "5000", "KEYS", "x"),
        (*m, "c", db, "soon"),
        (*m, "c", db),
    ]


def ttl_class(data):
    """PTTLs as -1 or their value rounded to 10 s, to compare two runs' data."""
    return {k: (v, ttl if ttl < 0 else round(ttl, -4)) for k, (v, ttl) in data.items()}


def run_scenario(src, dst):
    with Raw(src.port) as s, Raw(dst.port) as d:
        fill_source(s)
        d.cmd("FLUSHALL")
        d.cmd("SELECT", DEST_DB)
        d.cmd("SET", "busy", "target")
        replies = [s.cmd(*line) for line in migrate_lines(dst.port)]
    return replies, ttl_class(dump_db(src.port, 0)), ttl_class(dump_db(dst.port, DEST_DB))


def test_same_replies_and_data_as_redis_in_every_direction(start_credis, start_redis):
    ours = [start_credis(["--save", ""]) for _ in range(2)]
    theirs = [start_redis() for _ in range(2)]
    want = run_scenario(theirs[0], theirs[1])
    assert want[0][0] == b"+OK\r\n" and want[0][2] == b"+NOKEY\r\n"
    for src, dst in [(ours[0], theirs[1]), (theirs[0], ours[1]), (ours[0], ours[1])]:
        got = run_scenario(src, dst)
        for line, g, w in zip(migrate_lines(0), got[0], want[0]):
            assert g == w, f"{line[3:]}: {g!r}, redis-server {w!r}"
        assert got[1] == want[1], "source data"
        assert got[2] == want[2], "target data"


@pytest.mark.parametrize("target_kind", ["credis", "redis"])
def test_auth_and_auth2_as_redis(start_credis, start_redis, target_kind):
    start_target = start_credis if target_kind == "credis" else start_redis
    target = start_target(["--requirepass", "foobar"] +
                          (["--save", ""] if target_kind == "credis" else []))
    sources = {"credis": start_credis(["--save", ""]), "redis": start_redis()}
    m = ("MIGRATE", "127.0.0.1", str(target.port))
    lines = [(*m, "list", "9", "5000"),  # NOAUTH
             (*m, "list", "9", "5000", "AUTH", "wrong"),
             (*m, "list", "9", "5000", "AUTH", "foobar"),
             (*m, "list", "9", "5000", "AUTH2", "default", "foobar", "REPLACE"),
             (*m, "list", "9", "5000", "AUTH2", "nobody", "foobar")]
    replies = {}
    for name, src in sources.items():
        with Raw(src.port) as s, Raw(target.port) as t:
            assert t.cmd("AUTH", "foobar") == b"+OK\r\n"
            t.cmd("FLUSHALL")
            out = []
            for line in lines:
                s.cmd("DEL", "list")
                s.cmd("RPUSH", "list", "a", "b")
                out.append(s.cmd(*line))
            replies[name] = out
            t.cmd("SELECT", 9)
            assert t.cmd("LRANGE", "list", 0, -1) == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert replies["credis"] == replies["redis"]
    assert replies["credis"][2] == b"+OK\r\n"
    assert b"WRONGPASS" in replies["credis"][1]


def test_timeout_against_a_sleeping_target_and_a_target_that_is_down(start_credis):
    src, dst = start_credis(["--save", ""]), start_credis(SLEEPER)
    with Raw(src.port) as s, Raw(dst.port) as sleeper:
        s.cmd("SET", "key", "v")
        sleeper.send(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n1.5\r\n")
        start = time.monotonic()
        reply = s.cmd("MIGRATE", "127.0.0.1", dst.port, "key", 0, 300)
        elapsed = time.monotonic() - start
        assert reply == b"-IOERR error or timeout reading to target instance\r\n"
        assert 0.25 < elapsed < 1.4, elapsed
        assert s.cmd("EXISTS", "key") == b":1\r\n"
        assert sleeper.read_reply() == b"+OK\r\n"
        # Not retried after a timeout, and the connection is not kept: a new one works.
        assert s.cmd("MIGRATE", "127.0.0.1", dst.port, "key", 0, 2000, "REPLACE") == b"+OK\r\n"
        down = free_port()
        assert s.cmd("SET", "key", "again") == b"+OK\r\n"
        assert (s.cmd("MIGRATE", "127.0.0.1", down, "key", 0, 1000) ==
                b"-IOERR error or timeout connecting to the client\r\n")
        assert s.cmd("GET", "key") == b"$5\r\nagain\r\n"


def test_other_clients_are_served_while_a_migrate_waits(start_credis):
    src, dst = start_credis(["--save", ""]), start_credis(SLEEPER)
    with Raw(src.port) as s, Raw(src.port) as other, Raw(dst.port) as sleeper:
        s.cmd("SET", "key", "v")
        sleeper.send(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n1\r\n")
        # MIGRATE and a GET pipelined behind it: the GET runs after MIGRATE's outcome.
        s.send(b"*6\r\n$7\r\nMIGRATE\r\n$9\r\n127.0.0.1\r\n$%d\r\n%d\r\n$3\r\nkey\r\n$1\r\n0\r\n"
               b"$4\r\n5000\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
               % (len(str(dst.port)), dst.port))
        replies = []
        reader = threading.Thread(target=lambda: replies.extend([s.read_reply(),
                                                                 s.read_reply()]))
        reader.start()
        latencies = []
        while reader.is_alive() and len(latencies) < 20:
            start = time.monotonic()
            assert other.cmd("SET", "other", len(latencies)) == b"+OK\r\n"
            latencies.append(time.monotonic() - start)
            time.sleep(0.02)
        reader.join(10)
        assert replies == [b"+OK\r\n", b"$-1\r\n"]
        assert len(latencies) >= 10, "the MIGRATE did not wait for the sleeping target"
        assert max(latencies) < 0.2, latencies
        assert sleeper.read_reply() == b"+OK\r\n"
        sleeper.cmd("SELECT", 0)
        assert sleeper.cmd("GET", "key") == b"$1\r\nv\r\n"


def test_replicas_get_a_del_of_the_migrated_keys(start_credis):
    master = start_credis(["--save", ""])
    replica = start_credis(["--save", "", "--replicaof", "127.0.0.1", str(master.port)])
    target = start_credis(["--save", ""])
    with Raw(master.port) as m:
        m.cmd("MSET", "a", "1", "b", "2", "c", "3")
        wait_synced(master, replica)
        assert m.cmd("MIGRATE", "127.0.0.1", target.port, "", 0, 5000,
                     "KEYS", "a", "b") == b"+OK\r\n"
        assert m.cmd("MIGRATE", "127.0.0.1", target.port, "c", 0, 5000, "COPY") == b"+OK\r\n"
        wait_synced(master, replica)
    assert dump_db(replica.port, 0) == {b"c": (b"3", -1)}
    assert sorted(dump_db(target.port, 0)) == [b"a", b"b", b"c"]


def test_keyspace_events_as_redis(start_credis, start_redis):
    target = start_redis()
    events = {}
    for name, src in {"credis": start_credis(["--save", ""]), "redis": start_redis()}.items():
        with Raw(target.port) as t:
            t.cmd("FLUSHALL")
            t.cmd("SET", "busy", "x")
        cmds = [("MSET", "a", "1", "b", "2", "busy", "3"),
                ("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", "a", "busy", "b"),
                ("MIGRATE", "127.0.0.1", target.port, "busy", 0, 5000, "COPY")]
        events[name] = keyspace_notifications(src.port, cmds, "KEA")
    assert events["credis"] == events["redis"]
    assert any(b"__keyevent@0__:del" in e for e in events["credis"][1])


def test_monitor_redacts_auth_arguments(start_credis):
    src = start_credis(["--save", ""])
    with Raw(src.port) as mon, Raw(src.port) as c:
        assert mon.cmd("MONITOR") == b"+OK\r\n"
        c.cmd("MIGRATE", "127.0.0.1", src.port, "key", 9, 5000)
        c.cmd("MIGRATE", "127.0.0.1", src.port, "key", 9, 5000, "AUTH", "user")
        c.cmd("MIGRATE", "127.0.0.1", src.port, "key", 9, 5000, "AUTH2", "user", "password")
        lines = [mon.read_reply() for _ in range(3)]
    assert lines[0].endswith(b'"key" "9" "5000"\r\n')
    assert lines[1].endswith(b'"key" "9" "5000" "AUTH" "(redacted)"\r\n')
    assert lines[2].endswith(b'"key" "9" "5000" "AUTH2" "(redacted)" "(redacted)"\r\n')


def test_connections_are_cached_then_released(start_credis):
    src, dst = start_credis(["--save", ""]), start_credis(["--save", ""])

    def cached():
        with Raw(src.port) as c:
            return int(parse_info(c.cmd("INFO", "stats").split(b"\r\n", 1)[1])
                       ["migrate_cached_sockets"])

    assert cached() == 0
    with Raw(src.port) as s, Raw(dst.port) as d:
        s.cmd("MSET", "a", "1", "b", "2")
        assert s.cmd("MIGRATE", "127.0.0.1", dst.port, "a", 3, 1000) == b"+OK\r\n"
        assert cached() == 1
        before = parse_info(d.cmd("INFO", "stats").split(b"\r\n", 1)[1])
        assert s.cmd("MIGRATE", "127.0.0.1", dst.port, "b", 3, 1000) == b"+OK\r\n"
        after = parse_info(d.cmd("INFO", "stats").split(b"\r\n", 1)[1])
        assert after["total_connections_received"] == before["total_connections_received"]
        # Kept for 10 s after its last use, then closed.
        wait_until(lambda: cached() == 0, timeout=15, what="the cached connection to close")
        d.cmd("SELECT", 3)
        assert d.cmd("MGET", "a", "b") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"


def test_inside_multi_it_is_refused(start_credis):
    src = start_credis(["--save", ""])
    with Raw(src.port) as s:
        s.cmd("SET", "k", "v")
        assert s.cmd("MULTI") == b"+OK\r\n"
        assert s.cmd("MIGRATE", "127.0.0.1", src.port, "k", 0, 100) == b"+QUEUED\r\n"
        reply = s.cmd("EXEC")
        assert b"MIGRATE is not supported inside MULTI/EXEC" in reply
        assert s.cmd("GET", "k") == b"$1\r\nv\r\n"


def test_host_names_are_looked_up_aside(start_credis):
    src, dst = start_credis(["--save", ""]), start_credis(["--save", ""])
    with Raw(src.port) as s:
        s.cmd("MSET", "k", "v", "k2", "v2")
        assert s.cmd("MIGRATE", "localhost", dst.port, "k", 0, 2000) == b"+OK\r\n"
        assert (s.cmd("MIGRATE", "no-such-host.invalid", dst.port, "k2", 0, 2000) ==
                b"-IOERR error or timeout connecting to the client\r\n")
        assert s.cmd("GET", "k2") == b"$2\r\nv2\r\n"
    with Raw(dst.port) as d:
        assert d.cmd("GET", "k") == b"$1\r\nv\r\n"


def test_a_client_that_leaves_mid_migrate_still_moves_its_keys(start_credis):
    src, dst = start_credis(["--save", ""]), start_credis(SLEEPER)
    with Raw(dst.port) as sleeper, Raw(src.port) as s:
        s.cmd("SET", "key", "v")
        sleeper.send(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$3\r\n0.5\r\n")
        with Raw(src.port) as leaving:
            leaving.send(b"*6\r\n$7\r\nMIGRATE\r\n$9\r\n127.0.0.1\r\n$%d\r\n%d\r\n$3\r\nkey\r\n"
                         b"$1\r\n0\r\n$4\r\n5000\r\n" % (len(str(dst.port)), dst.port))
            wait_until(lambda: b"cmd=migrate" in s.cmd("CLIENT", "LIST"), timeout=5,
                       what="the MIGRATE to start")
        # What the target took is deleted here even though nobody waits for the reply.
        wait_until(lambda: s.cmd("EXISTS", "key") == b":0\r\n", timeout=5,
                   what="the source to delete the key")
        assert sleeper.read_reply() == b"+OK\r\n"
        assert sleeper.cmd("GET", "key") == b"$1\r\nv\r\n"
        assert s.cmd("PING") == b"+PONG\r\n"
