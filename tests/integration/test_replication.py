"""Replication through the real binaries: credis as master and as replica, against each other
and against a real redis-server 7.0 in the other role, so that every topology test also runs
with redis-server alone (the "redis-redis" ids) to prove the test itself.

  topology ids "<master>-<replica>[-<sub-replica>]", each credis or redis.

What is covered (the issue's list): master with two replicas, with a real redis replica, with a
real master in diskless and disk mode; 10k keys by snapshot plus 10k by stream compared key by
key with TTLs; WAIT; SIGKILL of a replica and its restart; SIGTERM restart of the master; a
replica behind 100k pipelined writes; a chain; promotion with REPLICAOF NO ONE; garbage from a
fake master and from fake replicas; the handshake and stream on the wire both ways; read-only
replicas.

Nothing sleeps to synchronise: every wait polls (wait_until) with a generous deadline.
"""
import os
import random
import re
import signal
import socket
import time
import warnings

import pytest

from conftest import CREDIS, wait_until
from helpers import Raw, encode, sanitized_build
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import (
    FAKE_REPLID, FakeMaster, Link, assert_same_data, build_rdb, crc64, dbsize,
    describe, expect_command, info, pipeline, replica_entries, replica_handshake,
    send_full_sync, serve_handshake, wait_link_up, wait_online, wait_synced)

READONLY = b"-READONLY You can't write against a read only replica.\r\n"


def _sanitized():
    return os.path.exists(CREDIS) and sanitized_build()


# A case with redis-server alone is the control: it proves the test, not credis. CI runs the
# module against a sanitizer build and a release build; the controls need to run only once.
CONTROL = pytest.mark.skipif(_sanitized(), reason="redis-server alone: run in the plain pass")


def topo(*kinds):
    return pytest.param(*kinds, id="-".join(kinds),
                        marks=() if "credis" in kinds else CONTROL)


def either(kind):
    return pytest.param(kind, id=kind, marks=CONTROL if kind == "redis" else ())


PAIRS = [topo("credis", "credis"), topo("credis", "redis"), topo("redis", "credis"),
         topo("redis", "redis")]


@pytest.fixture
def fake_master():
    fm = FakeMaster()
    yield fm
    fm.close()


def client(server):
    return Raw(server.port)


def cmd(server, *args):
    with Raw(server.port) as c:
        return c.cmd(*args)


def timed(conn, *args):
    t = time.monotonic()
    reply = conn.cmd(*args)
    return reply, time.monotonic() - t


# --- data for the tests -----------------------------------------------------------------------

def value_for(rnd, i):
    """Values of every string encoding an RDB writer distinguishes: integers, short and long
    (LZF-compressible) strings, binary, empty."""
    kind = i % 6
    if kind == 0:
        return str(rnd.randrange(-10 ** 12, 10 ** 12))
    if kind == 1:
        return f"v{i}"
    if kind == 2:
        return ("long-" * rnd.randrange(5, 60)) + str(i)
    if kind == 3:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))
    if kind == 4:
        return ""
    return str(rnd.randrange(0, 127))


def write_keys(server, count, dbs, prefix, seed):
    """`count` new string keys spread over `dbs`, a quarter with a TTL (relative, absolute,
    SETEX), sent pipelined. Returns nothing; the master is the reference."""
    rnd = random.Random(seed)
    now_ms = int(time.time() * 1000)
    cmds = []
    for n, db in enumerate(dbs):
        cmds.append(("SELECT", db))
        for i in range(n, count, len(dbs)):
            k, v = f"{prefix}:{i}", value_for(rnd, i)
            r = rnd.randrange(12)
            if r == 0:
                cmds.append(("SET", k, v, "PX", rnd.randrange(200_000, 2_000_000)))
            elif r == 1:
                cmds += [("SET", k, v), ("PEXPIREAT", k, now_ms + rnd.randrange(200_000, 10**7))]
            elif r == 2:
                cmds.append(("SETEX", k, rnd.randrange(300, 100_000), v))
            else:
                cmds.append(("SET", k, v))
    replies = pipeline(server.port, cmds)
    errors = [r for r in replies if not isinstance(r, (bytes, int))]
    assert not errors, errors[:3]


def mutate_keys(server, dbs, prefix, count, seed):
    """Changes existing keys with other write commands (INCR, APPEND, DEL, PERSIST, EXPIRE,
    RENAME, MSET, GETDEL, PSETEX, INCRBYFLOAT, SETRANGE, GETEX, list pushes and pops, hash, set
    and sorted set writes with HINCRBYFLOAT, SPOP, ZINCRBY, ZMPOP and ZUNIONSTORE), so the
    stream carries more than SETs."""
    rnd = random.Random(seed)
    cmds = []
    for n, db in enumerate(dbs):
        cmds.append(("SELECT", db))
        for i in range(n, count, len(dbs)):
            k = f"{prefix}:{i}"
            op = rnd.randrange(17)
            if op == 0:
                cmds.append(("INCRBY", f"ctr:{i % 50}", rnd.randrange(1, 1000)))
            elif op == 1:
                cmds.append(("APPEND", k, "+app"))
            elif op == 2:
                cmds.append(("DEL", k))
            elif op == 3:
                cmds.append(("PERSIST", k))
            elif op == 4:
                cmds.append(("EXPIRE", k, rnd.randrange(300, 5000)))
            elif op == 5:
                cmds.append(("RENAME", k, f"renamed:{i}"))
            elif op == 6:
                cmds.append(("MSET", k, "m1", f"mset:{i}", "m2"))
            elif op == 7:
                cmds.append(("GETDEL", k))
            elif op == 8:
                cmds.append(("INCRBYFLOAT", f"flt:{i % 50}", rnd.choice(["0.1", "-2.5", "1e3"])))
            elif op == 9:
                cmds.append(("SETRANGE", k, rnd.randrange(0, 20), "sr"))
            elif op == 11:
                cmds.append((rnd.choice(["LPUSH", "RPUSH"]), f"list:{i % 40}", f"e{i}", "x"))
            elif op == 12:
                cmds.append((rnd.choice(["LPOP", "RPOP"]), f"list:{i % 40}",
                             *rnd.choice([[], [2]])))
            elif op == 10:
                cmds.append(rnd.choice([("GETEX", k, "EX", rnd.randrange(300, 5000)),
                                        ("GETEX", k, "PERSIST"), ("GETEX", k, "EXAT", 100)]))
            elif op == 13:
                h = f"hash:{i % 30}"
                cmds.append(rnd.choice([("HSET", h, f"f{i % 7}", f"v{i}", "g", i),
                                        ("HINCRBYFLOAT", h, "flt", rnd.choice(["0.1", "-2.5"])),
                                        ("HDEL", h, f"f{i % 7}")]))
            elif op == 14:
                s = f"set:{i % 30}"
                cmds.append(rnd.choice([("SADD", s, i % 9, f"m{i % 11}"), ("SPOP", s),
                                        ("SPOP", s, 2), ("SREM", s, i % 9)]))
            elif op == 15:
                z = f"zset:{i % 30}"
                cmds.append(rnd.choice([("ZADD", z, i % 13, f"m{i % 11}", "0.5", f"x{i % 200}"),
                                        ("ZINCRBY", z, "0.25", f"m{i % 11}"),
                                        ("ZPOPMIN", z), ("ZMPOP", 2, "none", z, "MAX", "COUNT", 2),
                                        ("ZREMRANGEBYSCORE", z, "(2", 5),
                                        ("ZUNIONSTORE", f"zu:{i % 5}", 2, z, f"set:{i % 30}")]))
            else:
                cmds.append(("PSETEX", k, rnd.randrange(300_000, 900_000), "ps"))
    pipeline(server.port, cmds)  # RENAME of a key an earlier op deleted may fail: fine


def assert_readonly(replica):
    with client(replica) as c:
        assert c.cmd("SET", "ro", "x") == READONLY
        for args in [("DEL", "k"), ("INCR", "n"), ("EXPIRE", "k", "10"), ("APPEND", "k", "x"),
                     ("FLUSHDB",)]:
            assert c.cmd(*args).startswith(b"-READONLY "), args
        assert c.cmd("PING") == b"+PONG\r\n"


# --- 1, 2, 3: a master with two replicas -------------------------------------------------------

BASIC = [
    pytest.param("credis", "credis", True, id="credis-credis-diskless"),
    pytest.param("credis", "credis", False, id="credis-credis-disk"),
    pytest.param("credis", "redis", True, id="credis-redis-diskless"),
    pytest.param("credis", "redis", False, id="credis-redis-disk"),
    pytest.param("redis", "credis", True, id="redis-credis-diskless"),
    pytest.param("redis", "credis", False, id="redis-credis-disk"),
    pytest.param("redis", "redis", True, id="redis-redis-diskless", marks=CONTROL),
]


@pytest.mark.parametrize("mk,rk,diskless", BASIC)
def test_master_with_two_replicas(servers, mk, rk, diskless):
    m = servers.start(mk, diskless=diskless, extra=["--repl-backlog-size", "1mb"])
    write_keys(m, 300, [0, 2], "before", seed=1)
    a = servers.start(rk, replicaof=m)
    b = servers.start(rk, replicaof=m)
    wait_online(m, [a, b])
    wait_synced(m, a, b)

    mi = info(m)
    assert mi["role"] == "master"
    assert mi["connected_slaves"] == "2"
    entries = replica_entries(mi)
    assert sorted(int(e["port"]) for e in entries) == sorted([a.port, b.port])
    for e in entries:
        assert e["ip"] == "127.0.0.1" and e["state"] == "online", e
        assert int(e["offset"]) >= 0 and int(e["lag"]) >= 0, e
    assert re.fullmatch(r"[0-9a-f]{40}", mi["master_replid"]), mi
    assert mi["repl_backlog_active"] == "1", mi
    assert mi["repl_backlog_size"] == "1048576", mi
    assert int(mi["master_repl_offset"]) >= 0, mi
    for r in (a, b):
        ri = info(r)
        assert ri["role"] == "slave", ri
        assert ri["master_host"] == "127.0.0.1" and ri["master_port"] == str(m.port), ri
        assert ri["master_link_status"] == "up", ri
        assert ri["master_sync_in_progress"] == "0", ri
        assert ri["slave_read_only"] == "1", ri
        assert int(ri["master_last_io_seconds_ago"]) >= 0, ri
        assert ri["master_replid"] == mi["master_replid"], (ri, mi)

    # The stream: writes of several kinds, in several databases.
    write_keys(m, 300, [0, 5, 15], "after", seed=2)
    mutate_keys(m, [0, 2], "before", 300, seed=3)
    with client(m) as c:
        assert c.cmd("SELECT", "2") == b"+OK\r\n"
        assert c.cmd("SET", "short", "lived", "PX", "300") == b"+OK\r\n"
        assert c.cmd("SELECT", "7") == b"+OK\r\n"
        assert c.cmd("SET", "gone", "soon") == b"+OK\r\n"
        assert c.cmd("FLUSHDB") == b"+OK\r\n"
        assert c.cmd("SET", "after-flush", "1") == b"+OK\r\n"
    # A key that expires on the master goes away on the replicas too: the master's DEL
    # removes it there (DBSIZE counts a replica's logically expired keys until then).
    wait_until(lambda: pipeline(m.port, [("SELECT", 2), ("EXISTS", "short")])[1] == 0,
               timeout=30, interval=0.05, what="the short-lived key to expire")
    left = len(pipeline(m.port, [("SELECT", 2), ("KEYS", "*")])[1])
    wait_until(lambda: [dbsize(s, 2) for s in (m, a, b)] == [left] * 3, timeout=30,
               interval=0.05, what=f"DBSIZE {left} in db 2 on master and replicas")
    wait_synced(m, a, b)
    for r in (a, b):
        assert_same_data(m, r, [0, 2, 5, 7, 15], at_least=600)
        assert_readonly(r)


# --- 4: 10k keys by snapshot, 10k by stream -----------------------------------------------------

@pytest.mark.parametrize("mk,rk", PAIRS)
def test_snapshot_then_stream_of_10k_keys_each(servers, mk, rk):
    dbs = [0, 1, 3, 9]
    m = servers.start(mk)
    write_keys(m, 10_000, dbs, "snap", seed=10)
    r = servers.start(rk, replicaof=m)
    wait_synced(m, r)
    assert sum(dbsize(r, db) for db in dbs) == 10_000
    write_keys(m, 10_000, dbs, "stream", seed=11)
    mutate_keys(m, dbs, "snap", 2_000, seed=12)
    wait_synced(m, r)
    assert_same_data(m, r, dbs, at_least=19_000)


# --- 5: WAIT -------------------------------------------------------------------------------------

def assert_wait(conn, n, timeout_ms, want, blocks):
    """WAIT n timeout replies :want; `blocks`: it must take about the timeout, else return
    well before it."""
    reply, took = timed(conn, "WAIT", n, timeout_ms)
    assert reply == b":%d\r\n" % want, f"WAIT {n} {timeout_ms} -> {reply!r}, want {want}"
    if blocks:
        assert timeout_ms / 1000 - 0.01 <= took < timeout_ms / 1000 + 5, \
            f"WAIT {n} {timeout_ms} took {took:.3f}s"
    else:
        limit = min(timeout_ms / 2000, 5) if timeout_ms else 1
        assert took < limit, f"WAIT {n} {timeout_ms} took {took:.3f}s; expected at once"


@pytest.mark.parametrize("mk,rk", PAIRS)
def test_wait_counts_replicas(servers, mk, rk):
    m = servers.start(mk)
    with client(m) as c:  # no replica
        assert_wait(c, 0, 0, 0, blocks=False)
        assert c.cmd("SET", "k", "0") == b"+OK\r\n"
        assert_wait(c, 0, 0, 0, blocks=False)
        assert_wait(c, 1, 300, 0, blocks=True)

    a = servers.start(rk, replicaof=m)
    wait_online(m, [a])
    wait_synced(m, a)
    with client(m) as c:
        # No write by this client yet: every online replica counts at once.
        assert_wait(c, 0, 0, 1, blocks=False)
        assert_wait(c, 1, 10_000, 1, blocks=False)
        assert c.cmd("SET", "k", "1") == b"+OK\r\n"
        assert_wait(c, 1, 10_000, 1, blocks=False)
        assert_wait(c, 2, 300, 1, blocks=True)

    b = servers.start(rk, replicaof=m)
    wait_online(m, [a, b])
    wait_synced(m, a, b)
    with client(m) as c:
        assert_wait(c, 2, 10_000, 2, blocks=False)
        assert c.cmd("SET", "k", "2") == b"+OK\r\n"
        assert_wait(c, 2, 10_000, 2, blocks=False)
        assert_wait(c, 1, 10_000, 2, blocks=False)
        assert_wait(c, 3, 300, 2, blocks=True)
        assert_wait(c, 5, 300, 2, blocks=True)
        # Right after a write WAIT 0 0 answers at once with however many have acknowledged.
        assert c.cmd("SET", "k", "3") == b"+OK\r\n"
        reply, took = timed(c, "WAIT", "0", "0")
        assert reply in (b":0\r\n", b":1\r\n", b":2\r\n") and took < 1, (reply, took)
    for r in (a, b):
        assert cmd(r, "GET", "k") == b"$1\r\n3\r\n"


# --- 6: SIGKILL of a replica, restart ------------------------------------------------------------

@pytest.mark.parametrize("mk,rk", PAIRS)
def test_replica_killed_and_restarted_resyncs(servers, mk, rk):
    m = servers.start(mk)
    write_keys(m, 2000, [0, 4], "k", seed=20)
    a = servers.start(rk, replicaof=m)
    b = servers.start(rk, replicaof=m)
    wait_online(m, [a, b])
    wait_synced(m, a, b)
    with client(m) as c:
        assert c.cmd("SET", "w", "1") == b"+OK\r\n"
        assert_wait(c, 2, 10_000, 2, blocks=False)

    assert a.stop(signal.SIGKILL) == -signal.SIGKILL
    wait_online(m, [b])  # the master noticed the closed link
    with client(m) as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("SET", "w", "2") == b"+OK\r\n"
        assert_wait(c, 2, 500, 1, blocks=True)  # b acknowledges in time, a is gone
        assert_wait(c, 1, 10_000, 1, blocks=False)
    # Writes while it is down, in a database the snapshot had too.
    write_keys(m, 1000, [0, 4], "while-down", seed=21)
    mutate_keys(m, [0, 4], "k", 500, seed=22)

    a = servers.restart(a)
    wait_online(m, [a, b])
    wait_synced(m, a, b)
    assert_same_data(m, a, [0, 4], at_least=2500)
    with client(m) as c:
        assert c.cmd("SET", "w", "3") == b"+OK\r\n"
        assert_wait(c, 2, 10_000, 2, blocks=False)
    assert cmd(a, "GET", "w") == b"$1\r\n3\r\n"
    if rk == "redis":  # what the restarted replica logged (credis: data convergence only)
        log = a.output()
        assert ("MASTER <-> REPLICA sync: Finished with success" in log
                or "Successful partial resynchronization with master" in log), log[-2000:]


# --- 7: restart of the master --------------------------------------------------------------------

@pytest.mark.parametrize("mk,rk", PAIRS)
def test_master_restarted_replicas_reconnect(servers, mk, rk):
    m = servers.start(mk, save="3600 1")
    write_keys(m, 2000, [0, 6], "k", seed=30)
    replicas = [servers.start(rk, replicaof=m) for _ in range(2)]
    wait_synced(m, *replicas)
    write_keys(m, 500, [0, 6], "streamed", seed=31)
    wait_synced(m, *replicas)
    before = {db: dbsize(m, db) for db in (0, 6)}

    assert m.stop(signal.SIGTERM) == 0, "the master should exit 0 on SIGTERM"
    assert os.path.exists(os.path.join(m.dir, "dump.rdb")), "no RDB written at shutdown"
    for r in replicas:
        wait_until(lambda: info(r)["master_link_status"] == "down", timeout=30,
                   interval=0.05, what=f"replica {describe(r)} to see its master gone")
        # The replica keeps serving its data, read-only.
        assert {db: dbsize(r, db) for db in (0, 6)} == before
        assert cmd(r, "SET", "x", "y") == READONLY

    m = servers.restart(m)
    assert {db: dbsize(m, db) for db in (0, 6)} == before, "master lost data across restart"
    for r in replicas:
        wait_link_up(r, m)
    with client(m) as c:
        assert c.cmd("SET", "after-restart", "1") == b"+OK\r\n"
    write_keys(m, 500, [0, 6], "new", seed=32)
    wait_synced(m, *replicas)
    for r in replicas:
        assert cmd(r, "GET", "after-restart") == b"$1\r\n1\r\n"
        assert_same_data(m, r, [0, 6], at_least=3000)


# --- 8: a replica behind 100k pipelined writes ---------------------------------------------------

@pytest.mark.parametrize("mk,rk", PAIRS)
def test_replica_catches_up_after_100k_pipelined_writes(servers, mk, rk):
    n = 100_000
    m = servers.start(mk)
    r = servers.start(rk, replicaof=m)
    wait_synced(m, r)
    cmds = [encode("SET", f"key:{i}", f"value:{i}:{'x' * (i % 32)}") for i in range(n)]
    cmds += [encode("INCR", "counter")] * 1000
    replies = pipeline(m.port, cmds, chunk=10_000)
    assert replies[:n] == [b"OK"] * n and replies[-1] == 1000
    mi = info(m)
    assert int(mi["master_repl_offset"]) >= sum(len(c) for c in cmds)
    wait_synced(m, r)
    assert dbsize(r) == dbsize(m) == n + 1
    keys = [f"key:{i}" for i in range(n)]
    for start in range(0, n, 10_000):
        part = ("MGET", *keys[start:start + 10_000])
        assert pipeline(r.port, [part]) == pipeline(m.port, [part]), f"keys from {start}"
    assert cmd(r, "GET", "counter") == b"$4\r\n1000\r\n"
    # The replica's acknowledgements reach the master's INFO (Redis ACKs every second).
    wait_until(lambda: [e["offset"] for e in replica_entries(info(m))]
               == [info(m)["master_repl_offset"]], timeout=30, interval=0.1,
               what="the master's slave0 offset to reach master_repl_offset")


# --- 9: a chain ----------------------------------------------------------------------------------

CHAINS = [topo("credis", "credis", "credis"), topo("redis", "credis", "credis"),
          topo("credis", "credis", "redis"), topo("redis", "redis", "credis"),
          topo("redis", "redis", "redis")]


@pytest.mark.parametrize("mk,ak,bk", CHAINS)
def test_chain_master_replica_subreplica(servers, mk, ak, bk):
    m = servers.start(mk)
    write_keys(m, 1000, [0, 3], "snap", seed=40)
    a = servers.start(ak, replicaof=m)
    wait_synced(m, a)
    b = servers.start(bk)
    with client(b) as c:
        assert c.cmd("SLAVEOF", "127.0.0.1", str(a.port)) == b"+OK\r\n"
    wait_link_up(b, a)
    wait_online(a, [b])
    write_keys(m, 1000, [0, 3, 8], "stream", seed=41)
    mutate_keys(m, [0, 3], "snap", 500, seed=42)
    wait_synced(m, a)
    wait_until(lambda: info(b)["slave_repl_offset"] == info(m)["master_repl_offset"],
               timeout=30, interval=0.05,
               what="the sub-replica's offset to reach the top master's")
    for r in (a, b):
        assert_same_data(m, r, [0, 3, 8], at_least=1800)
    ai = info(a)
    assert ai["role"] == "slave" and ai["connected_slaves"] == "1", ai
    assert info(b)["master_replid"] == info(m)["master_replid"]  # one history down the chain
    assert_readonly(b)


# --- 10: promotion --------------------------------------------------------------------------------

PROMOTIONS = [topo("credis", "credis", "credis"), topo("redis", "credis", "credis"),
              topo("credis", "credis", "redis"), topo("credis", "redis", "credis"),
              topo("redis", "redis", "redis")]


@pytest.mark.parametrize("mk,ak,bk", PROMOTIONS)
def test_promotion_with_replicaof_no_one(servers, mk, ak, bk):
    """Replicas A and B of M; M dies; A is promoted (REPLICAOF NO ONE) and B follows it
    (REPLICAOF A): B keeps its data, gets A's new writes, and (PSYNC2) continues partially."""
    m = servers.start(mk)
    write_keys(m, 1000, [0, 2], "k", seed=50)
    a = servers.start(ak, replicaof=m)
    b = servers.start(bk, replicaof=m)
    wait_synced(m, a, b)
    write_keys(m, 300, [0, 2], "streamed", seed=52)  # some history in the stream too
    wait_synced(m, a, b)
    m.stop(signal.SIGKILL)
    wait_until(lambda: info(a)["master_link_status"] == "down"
               and info(b)["master_link_status"] == "down",
               timeout=30, interval=0.05, what="both replicas to see the master gone")
    old = info(a)  # the master's history as the replica holds it
    assert info(b)["slave_repl_offset"] == old["slave_repl_offset"]

    assert cmd(a, "REPLICAOF", "NO", "ONE") == b"+OK\r\n"
    ai = info(a)
    assert ai["role"] == "master", ai
    assert ai["master_replid"] != old["master_replid"], ai
    assert ai["master_replid2"] == old["master_replid"], (ai, old)
    assert ai["second_repl_offset"] == str(int(old["slave_repl_offset"]) + 1), (ai, old)
    with client(a) as c:
        assert c.cmd("SET", "promoted", "yes") == b"+OK\r\n"  # writable now

    assert cmd(b, "REPLICAOF", "127.0.0.1", str(a.port)) == b"+OK\r\n"
    wait_online(a, [b])
    write_keys(a, 500, [0, 2], "after", seed=51)
    wait_synced(a, b)
    assert cmd(b, "GET", "promoted") == b"$3\r\nyes\r\n"
    assert_same_data(a, b, [0, 2], at_least=1500)
    assert info(b)["master_replid"] == info(a)["master_replid"]

    # Partial resync: a redis-server new master logs that it accepted one, and a redis-server
    # sibling that its master did (it got +CONTINUE). Between two credis only credis's own
    # log line (the same text as Redis's) tells: a soft check.
    accepted = f"Partial resynchronization request from 127.0.0.1:{b.port} accepted"
    continued = "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization"
    if ak == "redis":
        assert accepted in a.output(), a.output()[-3000:]
    elif bk == "redis":
        assert continued in b.output(), b.output()[-3000:]
    elif accepted not in a.output():
        warnings.warn(f"credis new master {describe(a)} did not log {accepted!r}: was the "
                      "sibling's resync full?")


# --- 11a: garbage from a fake master ------------------------------------------------------------

OLD = {"old1": "one", "old2": "two"}
RDB_WITH_KEYS = build_rdb({0: {f"fake:{i}": f"value-{i}" * 5 for i in range(200)}})


def rdb_bad_checksum():
    good = RDB_WITH_KEYS
    return good[:-8] + (crc64(good[:-8]) ^ 0xDEADBEEF).to_bytes(8, "little")


def rdb_bad_type():
    body = b"REDIS0010\xfe\x00\xfb\x01\x00\x63\x03key\x03val\xff"
    return body + b"\x00" * 8


def _to_psync(link):
    """Answers PING and the REPLCONFs like a master (PING already read); returns
    (capas, the PSYNC arguments)."""
    link.send(b"+PONG\r\n")
    capas = []
    while True:
        args, _ = link.read_command()
        if args[0].lower() != b"replconf":
            return capas, args
        if len(args) > 2 and args[1].lower() == b"capa":
            capas += [a.lower() for a in args[2::2]]
        link.send(b"+OK\r\n")


FULLRESYNC = f"+FULLRESYNC {FAKE_REPLID} 0\r\n".encode()
HALF = RDB_WITH_KEYS[:len(RDB_WITH_KEYS) // 2]


def attempt_ping_reply_garbage(link):
    link.send(b"\x00\xff\xfe garbage \x01\r\n")


def attempt_random_bytes_after_pong(link):
    link.send(b"+PONG\r\n" + bytes(random.Random(3).randrange(256) for _ in range(4096)))
    link.close()


def attempt_not_a_bulk_after_fullresync(link):
    _to_psync(link)
    link.send(FULLRESYNC + b"garbage-not-a-bulk\r\n")


def make_length_attempt(name, header):
    def attempt(link):
        _to_psync(link)
        link.send(FULLRESYNC + header + RDB_WITH_KEYS[:1000])
        link.close()
    attempt.__name__ = f"attempt_length_{name}"
    return attempt


def attempt_truncated_len_payload(link):
    _to_psync(link)
    link.send(FULLRESYNC + b"$%d\r\n" % len(RDB_WITH_KEYS) + HALF)
    link.close()


def attempt_truncated_eof_payload(link):
    _to_psync(link)
    link.send(FULLRESYNC + b"$EOF:" + b"m" * 40 + b"\r\n" + HALF)
    link.close()


def make_payload_attempt(name, payload, form="len"):
    def attempt(link):
        _to_psync(link)
        send_full_sync(link, payload, form=form)  # and the link stays open
    attempt.__name__ = f"attempt_{name}"
    return attempt


GARBAGE = {
    "handshake": [attempt_ping_reply_garbage, attempt_random_bytes_after_pong,
                  attempt_not_a_bulk_after_fullresync],
    "absurd-length": [make_length_attempt("int64-max", b"$9223372036854775807\r\n"),
                      make_length_attempt("negative", b"$-7\r\n"),
                      make_length_attempt("overflow", b"$99999999999999999999999\r\n")],
    "truncated": [attempt_truncated_len_payload, attempt_truncated_eof_payload],
    "corrupt-rdb": [make_payload_attempt("bad-checksum", rdb_bad_checksum()),
                    make_payload_attempt("bad-type-byte", rdb_bad_type()),
                    make_payload_attempt("rdb-version-9999",
                                         build_rdb({0: {"a": "b"}}, version=b"9999")),
                    make_payload_attempt("eof-form-not-an-rdb",
                                         b"this is not an RDB file at all" * 10, form="eof")],
}


def check_replica_survived(replica, fake_port, what):
    assert replica.alive(), f"replica died after {what}:\n{replica.output()[-3000:]}"
    with client(replica) as c:
        assert c.cmd("PING") == b"+PONG\r\n", what
        for k, v in OLD.items():
            assert c.cmd("GET", k) == b"$%d\r\n%s\r\n" % (len(v), v.encode()), \
                f"old data lost after {what}"
        assert c.cmd("SET", "k", "v") == READONLY, what
    ri = info(replica)
    assert ri["role"] == "slave" and ri["master_port"] == str(fake_port), ri
    assert ri["master_link_status"] == "down", (what, ri)


@pytest.mark.parametrize("case", list(GARBAGE))
def test_replica_survives_garbage_from_master(servers, fake_master, case):
    """Each attempt is served on one connection of the replica; the next connection (its
    retry) proves it gave up on that one. Meanwhile it keeps its data and serves reads."""
    r = servers.start("credis")
    with client(r) as c:
        for k, v in OLD.items():
            assert c.cmd("SET", k, v) == b"+OK\r\n"
        assert c.cmd("REPLICAOF", "127.0.0.1", str(fake_master.port)) == b"+OK\r\n"
    link = fake_master.accept()
    expect_command(link, "PING")
    for attempt in GARBAGE[case]:
        attempt(link)
        what = f"{case}: {attempt.__name__}"
        link = fake_master.accept(what=f"the replica to retry after {what}")
        expect_command(link, "PING")
        check_replica_survived(r, fake_master.port, what)
    # At last a good master: the replica syncs and has the new dataset only.
    _to_psync(link)
    send_full_sync(link, RDB_WITH_KEYS)
    wait_until(lambda: info(r)["master_link_status"] == "up", timeout=30, interval=0.05,
               what="link up with the good master")
    wait_until(lambda: dbsize(r) == 200, timeout=30, interval=0.05, what="the new dataset")
    assert cmd(r, "GET", "fake:7") == b"$35\r\n" + b"value-7" * 5 + b"\r\n"
    assert cmd(r, "EXISTS", "old1") == b":0\r\n"


def test_replica_survives_garbage_in_the_stream(servers, fake_master):
    r = servers.start("credis")
    with client(r) as c:
        assert c.cmd("REPLICAOF", "127.0.0.1", str(fake_master.port)) == b"+OK\r\n"
    link = fake_master.accept()
    serve_handshake(link, r.port)
    send_full_sync(link, build_rdb({0: OLD}))
    streamed = encode("SET", "streamed", "1")
    link.send(streamed + encode("REPLCONF", "GETACK", "*"))
    args, _ = link.read_command()
    while args[:2] != [b"REPLCONF", b"ACK"] or int(args[2]) < len(streamed):
        args, _ = link.read_command()
    assert int(args[2]) == len(streamed), args
    link.send(b"*2\r\n$3\r\nSET\r\n$-99\r\n" + b"*x\r\n" + bytes(range(256)) * 8)
    retry = fake_master.accept(what="the replica to reconnect after garbage in the stream")
    expect_command(retry, "PING")
    assert r.alive()
    assert cmd(r, "PING") == b"+PONG\r\n"
    # What it had acknowledged stays: the snapshot and the SET before the garbage.
    assert cmd(r, "GET", "streamed") == b"$1\r\n1\r\n"
    assert cmd(r, "GET", "old1") == b"$3\r\none\r\n"
    assert info(r)["master_link_status"] == "down"


# --- 11b: garbage from fake replicas ---------------------------------------------------------------

JUNK = [
    [encode("PSYNC", "junk", "junk")],
    [encode("PSYNC")],
    [encode("PSYNC", "?", "notanumber"), encode("PSYNC", "0" * 40, "-5")],
    [encode("REPLCONF", "ACK", "notanumber"), encode("REPLCONF", "ACK"),
     encode("REPLCONF", "GETACK"), encode("REPLCONF", "listening-port", "notaport"),
     encode("REPLCONF", "capa"), encode("REPLCONF", "ACK", "99999999999999999999999")],
    [bytes(random.Random(5).randrange(256) for _ in range(65536))],
    [encode("SYNC")],
    [b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$999999999999\r\n"],
]


@pytest.mark.parametrize("mk", [either("credis"), either("redis")])
def test_master_survives_junk_from_fake_replicas(servers, mk):
    m = servers.start(mk)
    r = servers.start(mk, replicaof=m)
    wait_synced(m, r)
    for n, junk in enumerate(JUNK):
        with Link(m.port) as j:
            for piece in junk:
                j.send(piece)
            j.send(encode("PING"))
            # Some answer (an error, +PONG, +FULLRESYNC...) or the connection closed: either
            # way the master has read the junk.
            assert j.response_or_close(), f"no answer to junk #{n} within 10s"
        assert m.alive(), f"master died on junk #{n}:\n{m.output()[-3000:]}"
        with client(m) as c:
            assert c.cmd("PING") == b"+PONG\r\n", n
            assert c.cmd("SET", f"after-junk-{n}", "1") == b"+OK\r\n"

    # A fake replica that completes the handshake, then sends garbage on its link.
    with Link(m.port) as j:
        replica_handshake(j, 1)
        j.send(encode("REPLCONF", "ACK", "notanumber") + encode("REPLCONF", "ACK", "-5") +
               encode("REPLCONF", "ACK", "99999999999999999999999") +
               bytes(random.Random(6).randrange(256) for _ in range(16384)))
        with client(m) as c:
            assert c.cmd("PING") == b"+PONG\r\n"
    # And one that leaves in the middle of its transfer.
    with Link(m.port) as j:
        j.send(encode("PING") + encode("REPLCONF", "capa", "eof", "capa", "psync2") +
               encode("PSYNC", "?", "-1"))
    with client(m) as c:
        assert c.cmd("SET", "last", "1") == b"+OK\r\n"
    wait_online(m, [r])  # only the real replica is left
    wait_synced(m, r)
    assert cmd(r, "GET", "last") == b"$1\r\n1\r\n"
    assert cmd(r, "GET", f"after-junk-{len(JUNK) - 1}") == b"$1\r\n1\r\n"


# --- the wire, both ways ---------------------------------------------------------------------------

def next_command(link):
    """The next command of the stream that is not a keepalive PING -> (args, bytes it and
    the PINGs before it took)."""
    total = 0
    while True:
        args, size = link.read_command()
        total += size
        if [a.upper() for a in args] != [b"PING"]:
            return args, total


@pytest.mark.parametrize("mk", [either("credis"), either("redis")])
@pytest.mark.parametrize("diskless", [True, False], ids=["diskless", "disk"])
def test_handshake_and_stream_from_our_master(servers, mk, diskless):
    """A raw-socket replica: the reply to each handshake step, the RDB transfer (either form,
    no CRLF after a $<len> payload), the stream, ACKs seen in INFO, and GETACK for WAIT."""
    m = servers.start(mk, diskless=diskless)
    with client(m) as c:
        assert c.cmd("SET", "in-snapshot", "yes") == b"+OK\r\n"
    fake_port = 45678
    with Link(m.port) as link:
        replid, offset, form, rdb = replica_handshake(link, fake_port)
        if mk == "redis":  # what Redis does; credis may use either form
            assert form == ("eof" if diskless else "len"), form
        assert rdb.startswith(b"REDIS0010"), rdb[:20]
        assert rdb[-9:-8] == b"\xff", rdb[-9:]
        assert rdb[-8:] in (b"\x00" * 8, crc64(rdb[:-8]).to_bytes(8, "little")), "bad CRC64"
        assert b"in-snapshot" in rdb
        with client(m) as c:
            assert c.cmd("SET", "foo", "bar") == b"+OK\r\n"
        # The replica acknowledges the snapshot, as a real one does every second: Redis starts
        # a diskless replica's stream on the first ACK after it has seen the transfer end.
        link.ack_until_data(offset)
        assert link.buf[:1] == b"*", \
            f"after the payload the stream must follow directly: {link.buf[:40]!r}"
        args, size = next_command(link)
        offset += size
        if args[0].upper() == b"SELECT":
            assert args == [b"SELECT", b"0"], args
            args, size = next_command(link)
            offset += size
        assert args == [b"SET", b"foo", b"bar"], args
        link.send(encode("REPLCONF", "ACK", offset))
        wait_until(lambda: [(e["port"], e["state"], e["offset"])
                            for e in replica_entries(info(m))]
                   == [(str(fake_port), "online", str(offset))],
                   timeout=30, interval=0.05, what=f"slave0 with offset={offset}")
        mi = info(m)
        # (The master may have sent PINGs since: they count in its offset.)
        assert mi["master_replid"] == replid and int(mi["master_repl_offset"]) >= offset, mi

        # WAIT makes the master ask for an ACK; the reply unblocks the client.
        with client(m) as c:
            assert c.cmd("SET", "foo2", "bar2") == b"+OK\r\n"
            c.send(encode("WAIT", "1", "10000"))
            args, size = next_command(link)
            assert args == [b"SET", b"foo2", b"bar2"], args
            offset += size
            args, size = next_command(link)
            assert [a.upper() for a in args] == [b"REPLCONF", b"GETACK", b"*"], args
            link.send(encode("REPLCONF", "ACK", offset))
            offset += size
            assert c.read_reply() == b":1\r\n"


@pytest.mark.parametrize("rk", [either("credis"), either("redis")])
@pytest.mark.parametrize("form", ["len", "eof"])
def test_handshake_and_acks_of_our_replica(servers, fake_master, rk, form):
    """A fake master checks what the replica sends and the offsets of its ACKs."""
    r = servers.start(rk, replicaof=fake_master.port)
    link = fake_master.accept()
    expect_command(link, "PING")
    link.send(b"+PONG\r\n")
    args = expect_command(link, "REPLCONF", "listening-port")
    assert args == [b"REPLCONF", b"listening-port", str(r.port).encode()], args
    link.send(b"+OK\r\n")
    args = expect_command(link, "REPLCONF", "capa")
    assert len(args) in (3, 5) and (len(args) == 3 or args[3].lower() == b"capa"), args
    capas = [a.lower() for a in args[2::2]]
    assert b"psync2" in capas, args
    link.send(b"+OK\r\n")
    args = expect_command(link, "PSYNC")
    assert args == [b"PSYNC", b"?", b"-1"], args
    if form == "eof" and b"eof" not in capas:
        pytest.skip("the replica does not announce capa eof")
    # A real master may send newline keepalives before both replies (the eof case does).
    deadline = int(time.time() * 1000) + 500_000
    rdb = build_rdb({0: {"snap": "shot", "ttl": ("t", deadline)}, 3: {"db3": "x"}})
    send_full_sync(link, rdb, form=form, newlines=2 if form == "eof" else 0)

    def ack(expected):
        """Reads the replica's REPLCONF ACKs (periodic ones too) until one has `expected`."""
        while True:
            got, size = link.read_command()
            assert got[:2] == [b"REPLCONF", b"ACK"] and len(got) == 3, got
            assert size == len(encode(*got)), f"ACK not in canonical RESP: {got!r}"
            assert int(got[2]) <= expected, f"ACK {got[2]!r} beyond {expected}"
            if int(got[2]) == expected:
                return

    if form == "eof":
        # The end of an EOF-marked transfer is only known from its last bytes, so a master
        # sends nothing more until the replica's first ACK (Redis sends it at once).
        ack(0)
    getack = encode("REPLCONF", "GETACK", "*")
    link.send(getack)
    ack(0)
    assert cmd(r, "GET", "snap") == b"$4\r\nshot\r\n"
    pttl = int(cmd(r, "PTTL", "ttl")[1:-2])
    assert 490_000 < pttl <= 500_000, pttl
    stream = encode("PING") + encode("SET", "foo", "123")
    link.send(stream + getack)
    ack(len(getack) + len(stream))
    assert len(getack) + len(stream) == 82
    assert cmd(r, "GET", "foo") == b"$3\r\n123\r\n"  # acknowledged, so applied
    more = encode("SELECT", "3") + encode("SET", "bar", "456") + encode("DEL", "db3")
    link.send(more + getack)
    total = 2 * len(getack) + len(stream) + len(more)
    ack(total)
    total += len(getack)
    assert pipeline(r.port, [("SELECT", 3), ("GET", "bar"), ("EXISTS", "db3")])[1:] == \
        [b"456", 0]
    wait_until(lambda: info(r)["slave_repl_offset"] == str(total), timeout=30,
               what=f"slave_repl_offset {total}")
    ri = info(r)
    assert ri["master_link_status"] == "up" and ri["master_port"] == str(fake_master.port), ri
    assert ri["master_replid"] == FAKE_REPLID, ri
    assert cmd(r, "SET", "x", "y") == READONLY
