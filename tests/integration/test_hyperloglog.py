"""HyperLogLog commands side by side with a real redis-server 7.0.15: the same commands must give
the same replies byte for byte AND leave the same bytes in the keys (GET), in both encodings,
through PFMERGE of mixed encodings, hll-sparse-max-bytes, corrupted sketches (the same random
corruptions on both), RDB files either way, keyspace events and replication (PFCOUNT's cache
reaches replicas, as Redis propagates it)."""
import os
import random
import shutil
import time

import pytest

from conftest import wait_until
from helpers import keyspace_notifications, Raw


@pytest.fixture
def pair(start_credis, start_redis):
    ours = Raw(start_credis(["--save", ""]).port)
    theirs = Raw(start_redis().port)
    yield ours, theirs
    ours.close()
    theirs.close()


def same(pair, *cmd):
    """Runs `cmd` on both servers; their raw replies must be equal. Returns the reply."""
    ours, theirs = pair
    a, b = ours.cmd(*cmd), theirs.cmd(*cmd)
    assert a == b, f"{cmd[:4]}: credis {a[:200]!r} redis {b[:200]!r}"
    return a


def same_bytes(pair, *keys):
    for k in keys:
        same(pair, "GET", k)


def elements(prefix, n):
    return [f"{prefix}{i}" for i in range(n)]


def pfadd_in_chunks(pair, key, items, chunk=100):
    for i in range(0, len(items), chunk):
        same(pair, "PFADD", key, *items[i:i + chunk])


def test_replies_and_bytes_in_both_encodings(pair):
    same(pair, "PFADD", "empty")
    same_bytes(pair, "empty")
    same(pair, "PFCOUNT", "empty")
    same_bytes(pair, "empty")
    rng = random.Random(7)
    # Sparse, growing into dense, one element or many per PFADD; binary and empty elements.
    for n in (1, 3, 50, 400, 1500, 4000, 20000):
        key = f"h{n}"
        items = [str(rng.random()) for _ in range(n)] + ["", "\x00\xff", "é" * 10]
        pfadd_in_chunks(pair, key, items, chunk=1 if n < 100 else 97)
        same_bytes(pair, key)
        same(pair, "PFCOUNT", key)
        same_bytes(pair, key)  # the cached cardinality
        same(pair, "PFADD", key, *items[:10])  # nothing changes: 0, cache stays valid
        same_bytes(pair, key)
        same(pair, "PFDEBUG", "ENCODING", key)
        same(pair, "OBJECT", "ENCODING", key)
        if n < 400:
            same(pair, "PFDEBUG", "DECODE", key)
    same(pair, "PFCOUNT", "h1", "h50", "h4000", "missing")
    same(pair, "PFCOUNT", "h20000", "h400")
    same_bytes(pair, "h1", "h50", "h4000")  # a count of several keys writes nothing
    same(pair, "PFDEBUG", "GETREG", "h50")
    same_bytes(pair, "h50")  # now dense
    same(pair, "PFDEBUG", "TODENSE", "h3")
    same(pair, "PFDEBUG", "TODENSE", "h3")
    same_bytes(pair, "h3")
    same(pair, "PFDEBUG", "DECODE", "h3")
    same(pair, "PFADD", "h3", "more")
    same_bytes(pair, "h3")


def test_sparse_max_bytes(pair):
    assert same(pair, "CONFIG", "GET", "hll-sparse-max-bytes") == \
        b"*2\r\n$20\r\nhll-sparse-max-bytes\r\n$4\r\n3000\r\n"
    for limit in ("0", "64", "300", "1kb", "12000"):
        same(pair, "CONFIG", "SET", "hll-sparse-max-bytes", limit)
        same(pair, "CONFIG", "GET", "hll-sparse-max-bytes")
        key = f"s{limit}"
        for i in range(0, 3000, 7):
            same(pair, "PFADD", key, *elements(f"{limit}-", 3000)[i:i + 7])
            if i % 70 == 0:
                same(pair, "PFDEBUG", "ENCODING", key)
        same_bytes(pair, key)
        same(pair, "PFCOUNT", key)
    same(pair, "CONFIG", "SET", "hll-sparse-max-bytes", "-1")
    same(pair, "CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_pfmerge_of_mixed_encodings(pair):
    pfadd_in_chunks(pair, "sp1", elements("a", 120))
    pfadd_in_chunks(pair, "sp2", elements("b", 300))
    pfadd_in_chunks(pair, "de1", elements("c", 5000))
    same(pair, "PFADD", "de2", "x")
    same(pair, "PFDEBUG", "TODENSE", "de2")
    same(pair, "PFMERGE", "new_sparse", "sp1", "sp2")
    same(pair, "PFMERGE", "new_dense", "sp1", "de1")
    same(pair, "PFMERGE", "sp1", "sp2")          # into an existing sparse one
    same(pair, "PFMERGE", "de2", "sp1", "sp2")   # into an existing dense one from sparse ones
    same(pair, "PFMERGE", "only")                # no sources: an empty sketch
    same(pair, "PFMERGE", "missing_src", "nope", "nope2")
    same(pair, "PFMERGE", "sp2", "sp2")
    same(pair, "SET", "ttl", "x")
    same(pair, "DEL", "ttl")
    same(pair, "PFADD", "ttl", "a")
    same(pair, "EXPIRE", "ttl", "1000")
    same(pair, "PFMERGE", "ttl", "sp1")
    same(pair, "TTL", "ttl")                     # the deadline stays
    for key in ("new_sparse", "new_dense", "sp1", "de2", "only", "missing_src", "sp2", "ttl"):
        same_bytes(pair, key)
        same(pair, "PFCOUNT", key)
        same_bytes(pair, key)
    same(pair, "PFCOUNT", "sp1", "sp2", "de1", "de2")


def test_errors(pair):
    same(pair, "SET", "str", "bar")
    same(pair, "RPUSH", "list", "a")
    same(pair, "PFADD", "abc", "a", "b", "c")
    for cmd in (("PFADD", "str", "1"), ("PFCOUNT", "str"), ("PFCOUNT", "abc", "str"),
                ("PFMERGE", "dest", "str"), ("PFMERGE", "str", "abc"), ("PFADD", "list", "1"),
                ("PFCOUNT", "list"), ("PFMERGE", "list"), ("PFDEBUG", "GETREG", "str"),
                ("PFDEBUG", "GETREG", "nokey"), ("PFDEBUG", "nosuch", "abc"),
                ("PFDEBUG", "Nosuch", "nokey"), ("PFDEBUG", "GETREG"), ("PFDEBUG", "a", "b", "c"),
                ("PFADD",), ("PFCOUNT",), ("PFMERGE",), ("PFSELFTEST", "x"),
                ("EXISTS", "dest"), ("PFDEBUG", "DECODE", "list")):
        same(pair, *cmd)
    # Broken magic, unknown encoding, a dense one of the wrong length, bytes appended.
    for name, change in (("magic", ("SETRANGE", 0, "0123")), ("enc", ("SETRANGE", 4, "x")),
                         ("len", ("SETRANGE", 4, "\x00")), ("tail", ("APPEND", "hello"))):
        same(pair, "PFADD", name, "a", "b", "c")
        same(pair, change[0], name, *change[1:])
        for cmd in (("PFCOUNT", name), ("PFADD", name, "zz"), ("PFMERGE", "d", name),
                    ("PFCOUNT", name, "abc"), ("PFDEBUG", "ENCODING", name),
                    ("PFDEBUG", "DECODE", name), ("PFDEBUG", "GETREG", name)):
            same(pair, *cmd)
        same_bytes(pair, name)


def test_random_corruptions_behave_as_redis(pair):
    """Redis's fuzz test, with the same corruption on both servers: the same replies (errors
    included) and the same bytes after PFADDs into the corrupted sketch."""
    rng = random.Random(int(os.environ.get("HLL_SEED", "2024")))
    for round_ in range(int(os.environ.get("HLL_ROUNDS", "150"))):
        same(pair, "DEL", "hll")
        items = [str(rng.random()) for _ in range(rng.randrange(3000))]
        pfadd_in_chunks(pair, "hll", items, chunk=500)
        size = int(same(pair, "STRLEN", "hll")[1:-2])
        for _ in range(5):
            same(pair, "SETRANGE", "hll", rng.randrange(size), bytes([rng.randrange(256)]))
            if rng.random() < 0.5:
                break
        same(pair, "PFCOUNT", "hll")
        same(pair, "PFCOUNT", "hll", "nothing")
        same(pair, "PFADD", "hll", *[str(rng.random()) for _ in range(5)])
        same_bytes(pair, "hll")
        same(pair, "PFMERGE", "copy", "hll")
        same_bytes(pair, "copy")
    for server in pair:
        assert server.cmd("PING") == b"+PONG\r\n"


def test_pfselftest(pair):
    same(pair, "PFSELFTEST")


@pytest.mark.parametrize("flags", ["KEA", "KEAn", "E$"])
def test_keyspace_events(start_credis, start_redis, flags):
    commands = [("PFADD", "h", "a"), ("PFADD", "h", "a"), ("PFADD", "h2"), ("PFCOUNT", "h"),
                ("PFMERGE", "m", "h", "h2"), ("PFMERGE", "m", "h"), ("PFCOUNT", "h", "m"),
                ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "GETREG", "m"), ("SET", "s", "x"),
                ("PFADD", "s", "a")]
    ours = keyspace_notifications(start_credis(["--save", ""]).port, commands, flags)
    theirs = keyspace_notifications(start_redis().port, commands, flags)
    assert ours == theirs


def save_and_wait(conn):
    assert conn.cmd("SAVE") == b"+OK\r\n"


def hll_script():
    """Sketches of every kind: empty, sparse, dense by size, dense by PFDEBUG, merged, with a
    deadline, with a cached cardinality and with a stale one, in two databases."""
    s = [("PFADD", "empty"), ("PFADD", "small", "a", "b", "c"), ("PFCOUNT", "small")]
    s += [("PFADD", "sparse", *elements("s", 500)), ("PFADD", "stale", *elements("t", 100))]
    s += [("PFADD", "dense", *elements("d", 8000)), ("PFCOUNT", "dense")]
    s += [("PFADD", "forced", "x"), ("PFDEBUG", "TODENSE", "forced")]
    s += [("PFMERGE", "merged", "small", "dense"), ("PFADD", "ttl", "q"),
          ("PEXPIRE", "ttl", "100000000"), ("SELECT", "3"), ("PFADD", "db3", "z"),
          ("SELECT", "0")]
    return s


KEYS = ("empty", "small", "sparse", "stale", "dense", "forced", "merged", "ttl")


def snapshot(conn):
    out = {}
    for k in KEYS:
        out[k] = (conn.cmd("GET", k), conn.cmd("PFDEBUG", "ENCODING", k))
    conn.cmd("SELECT", "3")
    out["db3"] = conn.cmd("GET", "db3")
    conn.cmd("SELECT", "0")
    return out


def counts(conn):
    return {k: conn.cmd("PFCOUNT", k) for k in KEYS} | {"union": conn.cmd("PFCOUNT", *KEYS)}


@pytest.mark.parametrize("writer", ["redis", "credis"])
def test_rdb_interop(start_credis, start_redis, tmp_path, writer):
    """A dump.rdb with sketches, written by one server, loads into the other with the same
    bytes, encodings and counts."""
    wdir, rdir = tmp_path / "w", tmp_path / "r"
    wdir.mkdir()
    rdir.mkdir()
    start = {"redis": start_redis, "credis": start_credis}
    w = start[writer](["--save", ""], workdir=str(wdir))
    with Raw(w.port) as c:
        for cmd in hll_script():
            c.cmd(*cmd)
        before = snapshot(c)
        save_and_wait(c)
    shutil.copy(wdir / "dump.rdb", rdir / "dump.rdb")
    reader = start["credis" if writer == "redis" else "redis"](["--save", ""], workdir=str(rdir))
    with Raw(reader.port) as c, Raw(w.port) as wc:
        assert snapshot(c) == before
        assert counts(c) == counts(wc)
        assert snapshot(c) == snapshot(wc)  # the stale caches were written alike
        pttl = int(c.cmd("PTTL", "ttl")[1:-2])
        assert 0 < pttl <= 100000000


@pytest.mark.parametrize("master_kind,replica_kind",
                         [("credis", "redis"), ("redis", "credis"), ("credis", "credis")])
def test_replicas_get_the_same_sketches(start_credis, start_redis, master_kind, replica_kind):
    """PFADD, PFMERGE, PFDEBUG TODENSE and a PFCOUNT that caches reach replicas (Redis
    propagates that PFCOUNT as it came), so replicas hold the master's bytes."""
    start = {"redis": start_redis, "credis": start_credis}
    master = start[master_kind](["--save", "", "--repl-diskless-sync-delay", "0"])
    replica = start[replica_kind](["--save", "", "--replicaof", f"127.0.0.1 {master.port}"])
    with Raw(master.port) as m, Raw(replica.port) as r:
        def link_up():
            return b"master_link_status:up" in r.cmd("INFO", "replication")
        wait_until(link_up, timeout=20, what="replica link")
        m.cmd("PFADD", "h", *elements("x", 200))
        m.cmd("PFADD", "d", *elements("y", 4000))
        m.cmd("PFCOUNT", "h")
        m.cmd("PFCOUNT", "d")
        m.cmd("PFMERGE", "m", "h", "d")
        m.cmd("PFCOUNT", "m")
        m.cmd("PFADD", "t", "a")
        m.cmd("PFDEBUG", "TODENSE", "t")
        m.cmd("PFCOUNT", "h", "d")
        assert m.cmd("WAIT", "1", "5000") == b":1\r\n"
        for k in ("h", "d", "m", "t"):
            want = m.cmd("GET", k)
            wait_until(lambda: r.cmd("GET", k) == want, timeout=10, what=f"replica's {k}")
        # A PFCOUNT on the replica caches locally and is refused nothing.
        m.cmd("PFADD", "h", "new")
        assert m.cmd("WAIT", "1", "5000") == b":1\r\n"
        assert r.cmd("PFCOUNT", "h") == m.cmd("PFCOUNT", "h")


def test_watch_sees_pfcount_caching(start_credis, start_redis):
    """A PFCOUNT that writes the cached count touches the key (WATCH fails), one that reads the
    cache does not; PFDEBUG TODENSE touches nothing; PFMERGE touches only its destination."""
    def run(port):
        out = []
        with Raw(port) as a, Raw(port) as b:
            b.cmd("PFADD", "src", "y")
            for script in ([("PFADD", "h", "x")], [("PFCOUNT", "h")], [("PFCOUNT", "h")],
                           [("PFDEBUG", "TODENSE", "h")], [("PFMERGE", "other", "src", "h")],
                           [("PFMERGE", "h", "src")]):
                a.cmd("WATCH", "h")
                for cmd in script:
                    b.cmd(*cmd)
                a.cmd("MULTI")
                a.cmd("PING")
                out.append(a.cmd("EXEC"))
        return out
    ours = run(start_credis(["--save", ""]).port)
    theirs = run(start_redis().port)
    assert ours == theirs
    assert ours == [b"*-1\r\n", b"*-1\r\n", b"*1\r\n+PONG\r\n", b"*1\r\n+PONG\r\n",
                    b"*1\r\n+PONG\r\n", b"*-1\r\n"]


def replication_stream(port, commands):
    """The commands a replica is sent while `commands` run (redis-cli --replica prints them),
    up to a final marker write."""
    import subprocess
    from conftest import REDIS_CLI
    with Raw(port) as c:
        c.cmd("CONFIG", "SET", "repl-diskless-sync-delay", "0")
    proc = subprocess.Popen([REDIS_CLI, "-p", str(port), "--replica"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 20
        for line in proc.stdout:
            if "Logging commands from master" in line:
                break
            assert time.monotonic() < deadline, "no sync"
        with Raw(port) as c:
            for cmd in commands:
                c.cmd(*cmd)
            c.cmd("SET", "end-marker", "1")
        for line in proc.stdout:
            if "end-marker" in line:
                return lines
            # (SELECT comes with the first write or with the master's periodic PING, whichever
            # is first: left out, as PINGs are.)
            line = line.strip().lower()
            if line.startswith('"') and not line.startswith(('"replconf"', '"ping"', '"select"')):
                lines.append(line)
            assert time.monotonic() < deadline, f"stream so far: {lines}"
    finally:
        proc.kill()
        proc.wait()


def test_replication_stream_as_redis(start_credis, start_redis):
    commands = [("PFADD", "h", "a", "b", "c"), ("PFADD", "h", "a"), ("PFCOUNT", "h"),
                ("PFCOUNT", "h"), ("PFCOUNT", "h", "h"),
                ("EVAL", "redis.call('pfadd', KEYS[1], 'z') return redis.call('pfcount', KEYS[1])",
                 "1", "h"),
                ("MULTI",), ("PFADD", "h", "q"), ("PFCOUNT", "h"), ("PFCOUNT", "h", "h"), ("EXEC",),
                ("PFMERGE", "m", "h"), ("PFDEBUG", "TODENSE", "m"), ("PFDEBUG", "TODENSE", "m"),
                ("PFADD", "g"), ("PFDEBUG", "GETREG", "g"), ("PFDEBUG", "ENCODING", "g")]
    ours = replication_stream(start_credis(["--save", ""]).port, commands)
    theirs = replication_stream(start_redis().port, commands)
    assert ours == theirs, f"credis {ours}\nredis {theirs}"
    assert '"pfcount","h"' in ours
