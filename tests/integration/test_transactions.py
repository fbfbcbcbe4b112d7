"""MULTI/EXEC/DISCARD/WATCH/UNWATCH on the real binary: the same scripts of requests from two
clients give byte-identical replies from credis and from a real redis-server; WATCH-based
optimistic locking under concurrent redis-py clients loses no update; a transaction reaches
replicas as MULTI ... EXEC (on the wire, and applied by credis and redis-server replicas, and
from a redis-server master); a write from the master stream fails a replica client's EXEC.

Waits poll with a timeout; nothing sleeps to synchronise."""
import threading

import pytest
import redis

from conftest import wait_until
from helpers import Raw, encode
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import (Link, assert_same_data, replica_handshake,
                                 wait_link_up, wait_synced)
from test_replication import CONTROL, either, next_command, topo

# Each script is a list of (client number, request); both servers must answer it the same.
SCRIPTS = {
    "basics": [
        (0, ("RPUSH", "l", "a", "b")), (0, ("MULTI",)), (0, ("LRANGE", "l", "0", "-1")),
        (0, ("PING",)), (0, ("INCR", "l")), (0, ("SET", "k", "v")), (0, ("EXEC",)),
        (0, ("MULTI",)), (0, ("EXEC",)), (0, ("EXEC",)), (0, ("DISCARD",)),
    ],
    "queuing errors": [
        (0, ("MULTI",)), (0, ("SET", "a", "1")), (0, ("NOSUCHCOMMAND", "x")), (0, ("GET",)),
        (0, ("EXEC",)), (0, ("GET", "a")), (0, ("MULTI",)), (0, ("SAVE",)), (0, ("EXEC",)),
        (0, ("MULTI",)), (0, ("MULTI",)), (0, ("WATCH", "a")), (0, ("SET", "a", "2")),
        (0, ("EXEC",)), (0, ("GET", "a")),
    ],
    "select inside": [
        (0, ("MULTI",)), (0, ("SELECT", "4")), (0, ("SET", "x", "in 4")), (0, ("SELECT", "5")),
        (0, ("SET", "x", "in 5")), (0, ("EXEC",)), (0, ("GET", "x")), (0, ("SELECT", "4")),
        (0, ("GET", "x")), (0, ("MULTI",)), (0, ("SELECT", "6")), (0, ("DISCARD",)),
        (0, ("GET", "x")),
    ],
    "watch": [
        (0, ("SET", "x", "1")), (0, ("WATCH", "x", "y")), (1, ("SET", "x", "2")),
        (0, ("MULTI",)), (0, ("SET", "x", "3")), (0, ("EXEC",)), (0, ("GET", "x")),
        (0, ("WATCH", "x")), (1, ("SET", "other", "1")), (1, ("SET", "x", "4", "NX")),
        (0, ("MULTI",)), (0, ("INCR", "x")), (0, ("EXEC",)),
        (0, ("WATCH", "y")), (1, ("SELECT", "3")), (1, ("SET", "y", "db 3")), (0, ("MULTI",)),
        (0, ("EXEC",)), (0, ("WATCH", "x")), (1, ("SELECT", "0")), (1, ("DEL", "x")),
        (0, ("UNWATCH",)), (0, ("MULTI",)), (0, ("EXEC",)),
        (0, ("WATCH", "z")), (1, ("LPUSH", "z", "1")), (0, ("MULTI",)), (0, ("DISCARD",)),
        (0, ("MULTI",)), (0, ("EXEC",)),
        (0, ("WATCH", "f")), (1, ("SET", "f", "1")), (1, ("FLUSHALL",)), (0, ("MULTI",)),
        (0, ("EXEC",)),
    ],
    "watch and expiry": [
        (0, ("DEBUG", "SET-ACTIVE-EXPIRE", "0")), (0, ("SET", "s", "1", "PX", "1")),
        (0, ("DEBUG", "SLEEP", "0.01")), (0, ("WATCH", "s")), (1, ("SET", "s", "2")),
        (0, ("MULTI",)), (0, ("PING",)), (0, ("EXEC",)),
        (0, ("SET", "e", "1")), (0, ("WATCH", "e")), (1, ("EXPIRE", "e", "100")),
        (0, ("MULTI",)), (0, ("EXEC",)),
        (0, ("SET", "t", "1", "PX", "5")), (0, ("WATCH", "t")), (0, ("DEBUG", "SLEEP", "0.02")),
        (0, ("MULTI",)), (0, ("EXEC",)),
        # Stale when watched, then deleted, flushed or swapped away.
        (0, ("SET", "d", "1", "PX", "1")), (0, ("DEBUG", "SLEEP", "0.01")), (0, ("WATCH", "d")),
        (1, ("DEL", "d")), (0, ("MULTI",)), (0, ("EXEC",)),
        (0, ("SET", "d", "1", "PX", "1")), (0, ("DEBUG", "SLEEP", "0.01")), (0, ("WATCH", "d")),
        (1, ("FLUSHDB",)), (0, ("MULTI",)), (0, ("EXEC",)),
        (0, ("SET", "d", "1", "PX", "1")), (0, ("DEBUG", "SLEEP", "0.01")), (0, ("WATCH", "d")),
        (1, ("SWAPDB", "0", "1")), (0, ("MULTI",)), (0, ("EXEC",)),
        (1, ("SWAPDB", "0", "1")), (1, ("FLUSHALL",)),
        (1, ("SELECT", "1")), (1, ("SET", "m", "1", "PX", "1")), (0, ("DEBUG", "SLEEP", "0.01")),
        (0, ("WATCH", "m")), (1, ("SWAPDB", "0", "1")), (0, ("MULTI",)), (0, ("EXEC",)),
        (1, ("SET", "live", "1")), (0, ("WATCH", "live")), (1, ("SWAPDB", "0", "1")),
        (0, ("MULTI",)), (0, ("EXEC",)),
        (0, ("DEBUG", "SET-ACTIVE-EXPIRE", "1")),
        # Live when watched, deleted by the active expiry before EXEC.
        (0, ("SET", "a", "1", "PX", "20")), (0, ("WATCH", "a")), (0, ("DEBUG", "SLEEP", "0.3")),
        (0, ("MULTI",)), (0, ("EXEC",)),
    ],
    "blocking inside": [
        (0, ("MULTI",)), (0, ("BLPOP", "nolist", "0")), (0, ("BRPOPLPUSH", "a", "b", "0")),
        (0, ("BZPOPMAX", "nozset", "0")), (0, ("BLMPOP", "0", "1", "nolist", "LEFT")),
        (0, ("EXEC",)),
    ],
}


def run_script(port, script):
    clients = [Raw(port), Raw(port)]
    try:
        return [clients[n].cmd(*request) for n, request in script]
    finally:
        for c in clients:
            c.close()


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_same_replies_as_redis(start_credis, start_redis, name):
    ours = start_credis(["--save", "", "--enable-debug-command", "yes"])
    theirs = start_redis(["--save", "", "--enable-debug-command", "yes"])
    got = run_script(ours.port, SCRIPTS[name])
    want = run_script(theirs.port, SCRIPTS[name])
    for (n, request), g, w in zip(SCRIPTS[name], got, want):
        assert g == w, f"client {n} {request}: credis {g!r}, redis-server {w!r}"


def test_pipelined_transactions_in_one_write(server):
    """MULTI ... EXEC sent in one write with other requests around it."""
    with Raw(server.port) as c:
        c.send(b"".join(encode(*r) for r in [
            ("SET", "before", "1"), ("MULTI",), ("INCR", "n"), ("INCR", "n"), ("GET", "n"),
            ("EXEC",), ("GET", "n")]))
        assert [c.read_reply() for _ in range(7)] == [
            b"+OK\r\n", b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n",
            b"*3\r\n:1\r\n:2\r\n$1\r\n2\r\n", b"$1\r\n2\r\n"]


def test_watch_makes_concurrent_increments_safe(server):
    """Four redis-py clients increment one counter with WATCH/GET/MULTI/SET/EXEC, retrying on
    WatchError: with a working WATCH no increment is lost."""
    per_thread, threads = 150, 4
    retries = []

    def work():
        r = server.client()
        lost = 0
        for _ in range(per_thread):
            while True:
                with r.pipeline() as p:
                    try:
                        p.watch("counter")
                        value = int(p.get("counter") or 0)
                        p.multi()
                        p.set("counter", value + 1)
                        p.execute()
                        break
                    except redis.WatchError:
                        lost += 1
        retries.append(lost)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert int(server.client().get("counter")) == per_thread * threads
    assert sum(retries) > 0, "the clients never collided: the test proved nothing"


def test_redis_py_transaction_pipeline(server):
    r = server.client()
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").lpush("l", "x", "y").lrange("l", 0, -1)
    assert p.execute() == [True, 2, 2, [b"y", b"x"]]
    p = r.pipeline(transaction=True)
    p.set("a", 5).lpush("a", "wrong type")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        p.execute()
    assert r.get("a") == b"5"  # the other command ran: no rollback, as Redis


@pytest.mark.parametrize("mk", [either("credis"), either("redis")])
def test_transaction_on_the_wire(servers, mk):
    """A fake replica sees one write as itself, several as MULTI ... EXEC (SELECT first and
    between databases), and nothing for a read-only or empty transaction."""
    m = servers.start(mk)
    with Link(m.port) as link, Raw(m.port) as c:
        replid, offset, form, rdb = replica_handshake(link, 45679)
        for request in [("MULTI",), ("GET", "a"), ("EXEC",), ("MULTI",), ("EXEC",),
                        ("MULTI",), ("SET", "one", "1"), ("EXEC",),
                        ("MULTI",), ("SET", "a", "1"), ("GET", "a"), ("SELECT", "2"),
                        ("SET", "b", "2"), ("EXEC",)]:
            c.cmd(*request)
        # A diskless Redis starts the stream at the replica's first ACK after the transfer.
        link.ack_until_data(offset)
        seen = []
        while len(seen) < 7:
            args, size = next_command(link)
            offset += size
            seen.append([a.decode() for a in args])
        assert seen == [["SELECT", "0"], ["SET", "one", "1"], ["MULTI"], ["SET", "a", "1"],
                        ["SELECT", "2"], ["SET", "b", "2"], ["EXEC"]]


@pytest.mark.parametrize("mk,rk", [topo("credis", "credis"), topo("credis", "redis"),
                                   topo("redis", "credis")])
def test_replicas_apply_transactions(servers, mk, rk):
    m = servers.start(mk)
    rep = servers.start(rk, replicaof=m)
    wait_link_up(rep, m)
    with Raw(m.port) as c:
        for i in range(50):
            script = [("MULTI",), ("SET", f"k{i}", i), ("INCR", "total"), ("SELECT", 1),
                      ("RPUSH", "log", i), ("SELECT", 0), ("EXEC",)]
            replies = [c.cmd(*r) for r in script]
            assert replies[-1].startswith(b"*5\r\n"), replies[-1]
    wait_synced(m, rep)
    assert_same_data(m, rep, dbs=[0, 1], at_least=51)


def test_master_stream_fails_a_replica_clients_exec(servers):
    m = servers.start("credis")
    rep = servers.start("credis", replicaof=m)
    wait_link_up(rep, m)
    with Raw(m.port) as mc, Raw(rep.port) as rc:
        assert mc.cmd("SET", "watched", "1") == b"+OK\r\n"
        wait_synced(m, rep)
        assert rc.cmd("WATCH", "watched") == b"+OK\r\n"
        assert mc.cmd("SET", "watched", "2") == b"+OK\r\n"
        wait_until(lambda: rc.cmd("GET", "watched") == b"$1\r\n2\r\n", timeout=30,
                   what="the write on the replica")
        assert rc.cmd("MULTI") == b"+OK\r\n"
        assert rc.cmd("GET", "watched") == b"+QUEUED\r\n"
        assert rc.cmd("EXEC") == b"*-1\r\n"
        # A replica refuses a transaction that writes, as a whole.
        assert rc.cmd("MULTI") == b"+OK\r\n"
        assert rc.cmd("SET", "x", "1") == b"+QUEUED\r\n"
        assert rc.cmd("EXEC").startswith(b"-EXECABORT Transaction discarded because of: READONLY")
