"""Large values (32 KB .. 512 MB bulk strings) through the real binary: byte-exact round trips
at sizes around Redis's big-argument threshold (PROTO_MBULK_BIG_ARG, 32 KB), the string
commands on big values compared with a real redis-server 7.0, big bulks arriving in awkward
pieces and pipelined among small commands, a slow sender that must not stall others, a client
that declares 500 MB and leaves after 20 MB, over-limit and malformed lengths, big values
through replication (credis and redis-server in both roles) and through RDB files, and big
GET replies that are pipelined or never read.

Values are random bytes (os.urandom) or carry their own offsets, so that a chunk landing in the
wrong place cannot go unnoticed. Big values are compared with `assert_bytes_equal`, which
reports the first differing offset instead of letting pytest diff 100 MB.

Nothing sleeps to synchronise: every wait polls with a deadline (wait_until).
"""
import os
import socket
import tempfile
import threading
import time

import pytest

from conftest import wait_until
from helpers import Raw, encode, pair, raw_exchange, redis_peer, sanitized_build  # noqa: F401
from helpers import _private_tempdir, no_sanitizer_reports  # noqa: F401 (fixtures)
from replication_support import info, wait_synced

KB = 1024
MB = 1024 * 1024
BIG_ARG = 32 * KB  # Redis's PROTO_MBULK_BIG_ARG
MAX_BULK = 512 * MB  # proto-max-bulk-len
INVALID_BULK = b"-ERR Protocol error: invalid bulk length\r\n"


# --- helpers ----------------------------------------------------------------------------------

def payload(n, tag=b""):
    """`n` bytes that do not repeat: `tag` (so two values differ from the first byte) followed
    by random bytes."""
    return (tag + os.urandom(n))[:n]


def numbered(n):
    """`n` bytes of 16-byte records "<offset>|...\\n" that each name their own offset:
    compressible (for the RDB writers' LZF) yet still without a repeated chunk."""
    out = b"".join(b"%015d\n" % i for i in range(0, n + 16, 16))
    return out[:n]


def assert_bytes_equal(got, want, what="value"):
    """Compares big byte strings without pytest's diff: on a mismatch, names the lengths and
    the first differing offset."""
    if got is not None and len(got) == len(want) and got == want:
        return
    if got is None:
        raise AssertionError(f"{what}: got nil, expected {len(want)} bytes")
    step, i = MB, 0
    limit = min(len(got), len(want))
    while i < limit and got[i:i + step] == want[i:i + step]:
        i += step
    while i < limit and got[i] == want[i]:
        i += 1
    raise AssertionError(f"{what}: got {len(got)} bytes, expected {len(want)}; first "
                         f"difference at offset {i}: got {bytes(got[i:i + 24])!r}, "
                         f"expected {bytes(want[i:i + 24])!r}")


def read_bulk(conn, timeout=60.0):
    """Reads one bulk-string reply on a Raw connection into a buffer of the announced size
    (Raw's own reader re-copies its buffer at every recv, quadratic for 100 MB). Returns the
    value (a bytearray) or None for a nil reply; fails on any other reply."""
    conn.sock.settimeout(timeout)
    head = conn._line()
    assert head[:1] == b"$", f"expected a bulk reply, got {head[:200]!r} + {conn.buf[:200]!r}"
    n = int(head[1:-2])
    if n < 0:
        return None
    out = bytearray(n + 2)
    have = min(len(conn.buf), n + 2)
    out[:have] = conn.buf[:have]
    conn.buf = conn.buf[have:]
    view = memoryview(out)
    while have < n + 2:
        got = conn.sock.recv_into(view[have:], min(n + 2 - have, 4 * MB))
        if not got:
            raise ConnectionError(f"connection closed after {have} of {n + 2} bytes")
        have += got
    view.release()
    assert out[n:] == b"\r\n", f"bulk of {n} bytes not ended by CRLF: {bytes(out[n:])!r}"
    del out[n:]
    return out


def set_big(conn, key, value, timeout=60.0):
    conn.sock.settimeout(timeout)
    reply = conn.cmd("SET", key, value)
    assert reply == b"+OK\r\n", f"SET {key} ({len(value)} bytes) -> {reply[:200]!r}"


def get_big(conn, key, timeout=60.0):
    conn.send(encode("GET", key))
    return read_bulk(conn, timeout)


def bulk(value):
    return b"$%d\r\n%s\r\n" % (len(value), value)


def same(p, *args):
    """Runs a command on credis and redis-server (a helpers.Pair) and asserts identical raw
    replies without dumping megabytes on a mismatch; returns the reply."""
    got, want = p.both(*args)
    name = " ".join(a if isinstance(a, str) else f"<{len(a)} bytes>" if isinstance(a, bytes)
                    else str(a) for a in args)
    if got != want:
        assert_bytes_equal(got, want, f"{name}: credis's raw reply vs redis-server's")
    return got


def nodelay(conn):
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def nothing_received(conn):
    """True when no byte is waiting on the connection (and it is still open)."""
    conn.sock.setblocking(False)
    try:
        data = conn.sock.recv(1 << 16)
    except BlockingIOError:
        return True
    finally:
        conn.sock.settimeout(10.0)
    conn.buf += data
    return False


def connected_clients(port):
    return int(info(port, "clients")["connected_clients"])


# --- 1. round trips around the big-argument threshold ------------------------------------------

SIZES = [
    pytest.param(BIG_ARG - 1, id="32KB-1"),
    pytest.param(BIG_ARG, id="32KB"),
    pytest.param(BIG_ARG + 1, id="32KB+1"),
    pytest.param(100 * KB, id="100KB"),
    pytest.param(1 * MB, id="1MB"),
    pytest.param(10 * MB, id="10MB"),
    pytest.param(100 * MB, id="100MB"),
]


@pytest.mark.parametrize("size", SIZES)
def test_set_get_round_trip(server, size):
    value = payload(size, b"v%d:" % size)
    with Raw(server.port, timeout=60) as c:
        # Small values before and after on the same connection: the big one must not leave
        # state behind in the connection's input handling.
        assert c.cmd("SET", "before", "b") == b"+OK\r\n"
        set_big(c, "big", value)
        assert c.cmd("SET", "after", "a") == b"+OK\r\n"
        assert c.cmd("STRLEN", "big") == b":%d\r\n" % size
        assert_bytes_equal(get_big(c, "big"), value, f"GET of a {size}-byte value")
        assert c.cmd("GET", "before") == b"$1\r\nb\r\n"
        assert c.cmd("GET", "after") == b"$1\r\na\r\n"
        # Overwriting with another value of the same size replaces every byte.
        other = payload(size, b"w%d:" % size)
        set_big(c, "big", other)
        assert_bytes_equal(get_big(c, "big"), other, f"GET after overwriting {size} bytes")
        assert c.cmd("DBSIZE") == b":3\r\n"


BIG_SIZES = [
    pytest.param(BIG_ARG - 1, id="32KB-1"),
    pytest.param(BIG_ARG + 1, id="32KB+1"),
    pytest.param(2 * MB, id="2MB"),
]


@pytest.mark.parametrize("size", BIG_SIZES)
def test_string_commands_on_big_values_reply_as_redis_does(pair, size):
    v1, v2, v3 = (payload(size, b"%d:" % i) for i in (1, 2, 3))
    same(pair, "SET", "k", v1)
    same(pair, "STRLEN", "k")
    same(pair, "GET", "k")
    # APPEND onto a big value: a big one, then a small one; onto a missing key.
    same(pair, "APPEND", "k", v2)
    same(pair, "APPEND", "k", "tail")
    same(pair, "STRLEN", "k")
    same(pair, "GET", "k")
    same(pair, "APPEND", "new", v3)
    same(pair, "GET", "new")
    # SETEX / PSETEX with big values; SETNX on a missing and an existing key.
    same(pair, "SETEX", "ex", 1000, v1)
    same(pair, "PSETEX", "pex", 1_000_000, v2)
    same(pair, "GET", "ex")
    same(pair, "GET", "pex")
    for key in ("ex", "pex"):
        ttls = [int(r[1:-2]) for r in pair.both("TTL", key)]
        assert all(0 < t <= 1000 for t in ttls), (key, ttls)
    same(pair, "SETNX", "nx", v3)
    same(pair, "SETNX", "nx", v1)
    same(pair, "GET", "nx")
    # GETSET and SET ... GET return the old big value.
    same(pair, "GETSET", "nx", v2)
    same(pair, "SET", "nx", v1, "GET")
    same(pair, "GET", "nx")
    # MSET with two big values in one command, MGET of both, MSETNX refused by one.
    same(pair, "MSET", "m1", v1, "m2", v2)
    same(pair, "MGET", "m1", "m2", "missing")
    same(pair, "MSETNX", "m3", v3, "m1", v3)
    same(pair, "EXISTS", "m3")
    # GETDEL returns the big value once.
    same(pair, "GETDEL", "m1")
    same(pair, "EXISTS", "m1")
    same(pair, "GETDEL", "m1")
    same(pair, "DBSIZE")


def skip_unless_credis_has(p, *commands):
    """GETRANGE, SETRANGE and GETEX are not in credis's command table yet: those cases skip
    (with the reason) rather than fail, and run as soon as the commands exist."""
    missing = [c for c in commands
               if p.c.cmd(c).startswith(b"-ERR unknown command")]
    if missing:
        pytest.skip(f"credis has no {', '.join(missing)}")


@pytest.mark.parametrize("size", BIG_SIZES)
def test_getrange_setrange_getex_on_big_values_reply_as_redis_does(pair, size):
    skip_unless_credis_has(pair, "GETRANGE", "SETRANGE", "GETEX")
    v1, v3 = payload(size, b"1:"), payload(size, b"3:")
    chunk = payload(BIG_ARG + 7, b"chunk:")
    same(pair, "SET", "k", v1)
    # GETRANGE across the value and the threshold.
    for start, end in [(0, 99), (-100, -1), (BIG_ARG - 10, BIG_ARG + 10), (0, -1),
                       (size // 2, size * 2), (size - 1, size - 1), (size, size + 5),
                       (-size * 2, 10)]:
        same(pair, "GETRANGE", "k", start, end)
    # SETRANGE inside, across the end, and past the end of a big value; on a missing key.
    same(pair, "SETRANGE", "k", 100, chunk)
    same(pair, "SETRANGE", "k", size - 3, "0123456789")
    same(pair, "SETRANGE", "k", 2 * size, chunk)
    same(pair, "GET", "k")
    same(pair, "SETRANGE", "fresh", 50_000, v3)
    same(pair, "GETRANGE", "fresh", 49_990, 50_010)
    same(pair, "GET", "fresh")
    same(pair, "SETRANGE", "k", MAX_BULK, "x")  # would exceed proto-max-bulk-len
    same(pair, "SETRANGE", "k", MAX_BULK - 1, "")  # empty: no change, no error
    # GETEX returns the big value and changes only its TTL.
    same(pair, "GETEX", "k", "EX", 1000)
    ttls = [int(r[1:-2]) for r in pair.both("TTL", "k")]
    assert all(0 < t <= 1000 for t in ttls), ttls
    same(pair, "GETEX", "k", "PERSIST")
    same(pair, "TTL", "k")
    same(pair, "GETEX", "k")
    same(pair, "DBSIZE")


# --- 2. a big bulk in awkward pieces, and pipelined --------------------------------------------

def test_split_at_every_boundary_near_the_start_and_the_end(server):
    """Each SET is sent as two writes, split at one position: every position of the header and
    the first bytes of the data, then every position of the last bytes of the data and the
    CRLF (with the next command in the same write as the tail)."""
    with nodelay(Raw(server.port)) as c:
        values = {}
        for size in (BIG_ARG + 1, 300 * KB):
            length = len(encode("SET", "k000", b"x" * size))
            header = length - size - 2
            positions = list(range(1, header + 24)) + [length - j for j in range(1, 24)]
            for pos in positions:
                key = f"k{len(values):03d}"  # every key as long, so every header is too
                value = payload(size, b"%d:%d:" % (size, pos))
                cmd = encode("SET", key, value)
                assert len(cmd) == length
                c.send(cmd[:pos])
                c.send(cmd[pos:] + encode("STRLEN", key))
                assert c.read_reply() == b"+OK\r\n", f"SET split at {pos} of {len(cmd)}"
                assert c.read_reply() == b":%d\r\n" % size, f"split at {pos}"
                values[key] = value
        for key, value in values.items():
            assert_bytes_equal(get_big(c, key), value, f"GET {key}")
        assert c.cmd("DBSIZE") == b":%d\r\n" % len(values)


def test_header_byte_by_byte_data_in_odd_chunks_crlf_separately(server):
    size = 300 * KB
    value = payload(size, b"odd:")
    cmd = encode("SET", "odd", value)
    header_len = len(cmd) - size - 2
    with nodelay(Raw(server.port)) as c, Raw(server.port) as other:
        for i in range(header_len):
            c.send(cmd[i:i + 1])
        pos, sizes = header_len, [1, 7, 4093, 65537]
        k = 0
        while pos < header_len + size:
            step = min(sizes[k % len(sizes)], header_len + size - pos)
            c.send(cmd[pos:pos + step])
            pos += step
            k += 1
        # All the data is there but not the CRLF: no reply yet, and others are served.
        assert other.cmd("PING") == b"+PONG\r\n"
        assert other.cmd("EXISTS", "odd") == b":0\r\n"
        assert nothing_received(c), f"reply before the CRLF: {c.buf[:100]!r}"
        c.send(b"\r")
        assert other.cmd("PING") == b"+PONG\r\n"
        assert nothing_received(c), f"reply before the LF: {c.buf[:100]!r}"
        c.send(b"\n")
        assert c.read_reply() == b"+OK\r\n"
        assert_bytes_equal(get_big(other, "odd"), value, "GET from another client")
        assert_bytes_equal(get_big(c, "odd"), value, "GET on the same connection")


def pipelined_batch(big):
    return (encode("SET", "a", "1") + encode("SET", "big", big) + encode("GET", "a") +
            encode("GET", "big") + encode("INCR", "c"))


def expect_batch_replies(c, big, incr):
    assert c.read_reply() == b"+OK\r\n"
    assert c.read_reply() == b"+OK\r\n"
    assert c.read_reply() == b"$1\r\n1\r\n"
    assert_bytes_equal(read_bulk(c), big, "GET big in the pipeline")
    assert c.read_reply() == b":%d\r\n" % incr


def test_big_set_between_small_commands_in_one_write(server):
    big = payload(200 * KB, b"pipe:")
    with Raw(server.port) as c:
        c.send(pipelined_batch(big))
        expect_batch_replies(c, big, 1)
        # Twice in one write, with different big values.
        big2 = payload(200 * KB, b"pipe2:")
        c.send(pipelined_batch(big) + pipelined_batch(big2))
        expect_batch_replies(c, big, 2)
        expect_batch_replies(c, big2, 3)


@pytest.mark.parametrize("chunks", [
    pytest.param([1, 7, 4093, 65537], id="odd-chunks"),
    pytest.param("boundaries", id="at-the-big-bulk-boundaries"),
])
def test_pipelined_batch_in_pieces(server, chunks):
    big = payload(200 * KB, b"pieces:")
    data = pipelined_batch(big)
    if chunks == "boundaries":
        # Cut right before, inside and after the big bulk's header, after its data, between
        # CR and LF, and after the CRLF.
        head = encode("SET", "a", "1") + b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n"
        start = len(head) + len(b"$%d\r\n" % len(big))
        cuts = [len(head), len(head) + 3, start, start + len(big), start + len(big) + 1,
                start + len(big) + 2]
        pieces = [data[i:j] for i, j in zip([0] + cuts, cuts + [len(data)])]
    else:
        pieces, pos, k = [], 0, 0
        while pos < len(data):
            pieces.append(data[pos:pos + chunks[k % len(chunks)]])
            pos += chunks[k % len(chunks)]
            k += 1
    assert b"".join(pieces) == data
    with nodelay(Raw(server.port)) as c:
        for p in pieces:
            c.send(p)
        expect_batch_replies(c, big, 1)


# --- 3. a slow sender does not stall others ----------------------------------------------------

def test_value_sent_one_byte_per_write_while_others_get_answers(server):
    value = payload(64 * KB, b"slow:")
    data = encode("SET", "slow", value)
    result = {}
    done = threading.Event()

    def writer():
        try:
            with nodelay(Raw(server.port, timeout=60)) as c:
                view = memoryview(data)
                for i in range(len(data)):
                    c.send(view[i:i + 1])
                result["reply"] = c.read_reply()
        except Exception as e:  # noqa: BLE001 - asserted below
            result["error"] = repr(e)
        finally:
            done.set()

    t = threading.Thread(target=writer)
    latencies = []
    with Raw(server.port, timeout=5) as pinger:
        t.start()
        deadline = time.monotonic() + 120
        while not done.is_set():
            assert time.monotonic() < deadline, "one-byte writer still running after 120 s"
            t0 = time.monotonic()
            assert pinger.cmd("PING") == b"+PONG\r\n"  # the 5 s socket timeout bounds a stall
            latencies.append(time.monotonic() - t0)
    t.join(timeout=30)
    assert not t.is_alive()
    assert "error" not in result, result
    assert result.get("reply") == b"+OK\r\n", result
    assert len(latencies) >= 10, f"only {len(latencies)} PINGs answered during the slow SET"
    assert max(latencies) < 1.0, f"a PING took {max(latencies):.3f}s during the slow SET"
    with Raw(server.port) as c:
        assert_bytes_equal(get_big(c, "slow"), value, "the value sent one byte per write")


# --- 4. a 500 MB declaration abandoned after 20 MB ---------------------------------------------

def test_abandoned_500mb_bulk_frees_its_memory(server):
    pid = server.proc.pid
    with Raw(server.port) as c:
        assert c.cmd("SET", "small", "kept") == b"+OK\r\n"
    before = rss_kb(pid)
    sent = 20 * MB
    with nodelay(Raw(server.port, timeout=30)) as quitter:
        quitter.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$524288000\r\n")
        block = os.urandom(MB)
        for _ in range(sent // MB):
            quitter.send(block)
        with Raw(server.port) as other:
            assert other.cmd("PING") == b"+PONG\r\n"
            assert other.cmd("EXISTS", "k") == b":0\r\n"  # 480 MB still missing
        if not sanitized_build():
            # The server holds what it read so far (10 MB of it, at least, once read).
            wait_until(lambda: rss_kb(pid) - before > 10 * KB, timeout=15, interval=0.02,
                       what="the server to take in the 20 MB sent")
        assert nothing_received(quitter)
    # Disconnected: the server stays up, no key, and (plain build) the memory goes back.
    wait_until(lambda: connected_clients(server.port) == 1, timeout=10, interval=0.02,
               what="the abandoned connection to be closed")
    with Raw(server.port) as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("EXISTS", "k") == b":0\r\n"
        assert c.cmd("GET", "small") == b"$4\r\nkept\r\n"
        assert c.cmd("DBSIZE") == b":1\r\n"
    assert server.alive()
    if sanitized_build():
        return  # ASan's allocator keeps freed memory in quarantine: RSS says nothing there
    try:
        wait_until(lambda: rss_kb(pid) - before < 30 * KB, timeout=10, interval=0.05,
                   what="RSS to come back")
    except TimeoutError:
        raise AssertionError(f"RSS {rss_kb(pid)} kB after the abandoned 500 MB bulk, "
                             f"{before} kB before (limit +30 MB)") from None


# --- 5. over-limit and malformed big lengths ---------------------------------------------------

SET_K = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n"


@pytest.mark.parametrize("length", [
    pytest.param(b"536870913", id="512MB-plus-1"),
    pytest.param(b"1073741824", id="1GB"),
    pytest.param(b"99999999999999999999999", id="overflows-int64"),
    pytest.param(b"-536870912", id="negative-big"),
    pytest.param(b"-1", id="minus-1"),
    pytest.param(b"536870912x", id="trailing-letter"),
    pytest.param(b"5e8", id="exponent"),
    pytest.param(b"+40000", id="plus-sign"),
    pytest.param(b"040000", id="leading-zero"),
    pytest.param(b" 40000", id="leading-space"),
    pytest.param(b"40000 ", id="trailing-space"),
    pytest.param(b"", id="empty"),
])
def test_bad_big_length_closes_like_redis(server, redis_peer, length):
    # A good big SET first in the same write: it is answered before the error.
    good = payload(BIG_ARG + 100, b"good:")
    data = encode("SET", "good", good) + SET_K + b"$" + length + b"\r\n" + b"z" * 1000
    want = raw_exchange(redis_peer.port, data)
    assert want == b"+OK\r\n" + INVALID_BULK, f"redis-server replied {want!r}"  # the control
    got = raw_exchange(server.port, data)
    assert got == want, f"credis replied {got!r}, redis-server {want!r}"
    with Raw(server.port) as c:
        assert c.cmd("EXISTS", "k") == b":0\r\n"
        assert_bytes_equal(get_big(c, "good"), good, "the SET before the bad one")
    assert server.alive()


def test_exactly_512mb_is_accepted_as_a_length(server, redis_peer):
    # The maximum itself is a valid length: no error, the connection waits for the data.
    for port in (server.port, redis_peer.port):
        with Raw(port) as c:
            c.send(SET_K + b"$536870912\r\n" + b"x" * 100)
            with Raw(port) as other:
                assert other.cmd("PING") == b"+PONG\r\n"
            assert nothing_received(c), f"port {port} replied {c.buf[:200]!r}"


def exchange_until_marker(port, data, marker=b"end-of-test"):
    """Sends `data` and then ECHO <marker>; returns everything received up to and including
    the marker's reply, or up to the server closing the connection."""
    end = bulk(marker)
    with Raw(port, timeout=10) as c:
        c.send(data + encode("ECHO", marker))
        got = b""
        deadline = time.monotonic() + 10
        while not got.endswith(end):
            assert time.monotonic() < deadline, f"no marker after 10 s; got {got[:300]!r}"
            try:
                chunk = c.sock.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
        return got


@pytest.mark.parametrize("trailer", [
    pytest.param(b"XY", id="two-other-bytes"),
    pytest.param(b"\n\r", id="lf-cr"),
    pytest.param(b"\r", id="only-cr"),
    pytest.param(b"", id="nothing"),
    pytest.param(b"ABCD\r\n", id="four-extra-bytes"),
])
def test_big_bulk_not_ended_by_crlf_like_redis(server, redis_peer, trailer):
    """Redis takes the two bytes after the data as the CRLF without looking at them; whatever
    follows is parsed as the next command (here a GET, and ECHO as the end marker)."""
    value = payload(BIG_ARG + 500, b"nocrlf:")
    data = SET_K + b"$%d\r\n" % len(value) + value + trailer + encode("GET", "k")
    redis_peer.cli("FLUSHALL")
    want = exchange_until_marker(redis_peer.port, data)
    got = exchange_until_marker(server.port, data)
    assert_bytes_equal(got, want, "credis's replies vs redis-server's")
    with Raw(server.port) as c, Raw(redis_peer.port) as r:
        assert_bytes_equal(c.cmd("GET", "k"), r.cmd("GET", "k"), "GET k afterwards")
    assert server.alive()


# --- 6. replication ----------------------------------------------------------------------------

def test_100mb_value_reaches_a_credis_replica(servers):
    m = servers.start("credis")
    r = servers.start("credis", replicaof=m)
    wait_synced(m, r)
    value = payload(100 * MB, b"repl:")
    with Raw(m.port, timeout=120) as c:
        set_big(c, "big", value, timeout=120)
        assert c.cmd("WAIT", 1, 60_000) == b":1\r\n"
    with Raw(r.port) as c:
        assert_bytes_equal(get_big(c, "big", timeout=120), value, "GET on the replica")
        assert c.cmd("STRLEN", "big") == b":%d\r\n" % len(value)


@pytest.mark.parametrize("mk,rk", [
    pytest.param("credis", "redis", id="credis-master-redis-replica"),
    pytest.param("redis", "credis", id="redis-master-credis-replica"),
])
def test_20mb_values_between_credis_and_redis(servers, mk, rk):
    m = servers.start(mk)
    snap = payload(20 * MB, b"snapshot:")
    stream = payload(20 * MB, b"stream:")
    with Raw(m.port, timeout=60) as c:
        set_big(c, "snap", snap)  # reaches the replica in the full sync's RDB
    r = servers.start(rk, replicaof=m)
    wait_synced(m, r, timeout=60)
    with Raw(m.port, timeout=60) as c:
        set_big(c, "stream", stream)  # reaches it in the command stream
        assert c.cmd("APPEND", "snap", "+tail") == b":%d\r\n" % (len(snap) + 5)
        assert c.cmd("WAIT", 1, 60_000) == b":1\r\n"
    with Raw(r.port) as c:
        assert_bytes_equal(get_big(c, "snap"), snap + b"+tail", f"{rk} replica: snap")
        assert_bytes_equal(get_big(c, "stream"), stream, f"{rk} replica: stream")
        assert c.cmd("DBSIZE") == b":2\r\n"


# --- 7. RDB files --------------------------------------------------------------------------------

def test_100mb_value_survives_save_and_restart(start_credis):
    value = payload(100 * MB, b"rdb:")
    s = start_credis(["--save", ""])
    with Raw(s.port, timeout=120) as c:
        set_big(c, "big", value, timeout=120)
        c.sock.settimeout(120)
        assert c.cmd("SAVE") == b"+OK\r\n"
    assert s.stop() == 0
    assert os.path.getsize(os.path.join(s.dir, "dump.rdb")) > len(value)  # random: no LZF win
    s2 = start_credis(["--save", ""], workdir=s.dir)
    with Raw(s2.port) as c:
        assert_bytes_equal(get_big(c, "big", timeout=120), value, "GET after restart")
        assert c.cmd("DBSIZE") == b":1\r\n"


def test_20mb_rdb_from_redis_loads_in_credis_and_back(start_credis, start_redis):
    work = tempfile.mkdtemp(prefix="large-rdb-")
    random_value = payload(20 * MB, b"random:")
    patterned = numbered(4 * MB)  # compressible: an LZF-compressed string in the file
    real = start_redis(workdir=work)
    with Raw(real.port, timeout=60) as c:
        set_big(c, "random", random_value)
        set_big(c, "patterned", patterned)
        assert c.cmd("SAVE") == b"+OK\r\n"
    assert real.stop() == 0
    path = os.path.join(work, "dump.rdb")
    with open(path, "rb") as f:
        redis_file = f.read()

    ours = start_credis(["--save", ""], workdir=work)
    with Raw(ours.port, timeout=60) as c:
        assert_bytes_equal(get_big(c, "random"), random_value, "credis loading redis's file")
        assert_bytes_equal(get_big(c, "patterned"), patterned, "credis loading redis's file")
        assert c.cmd("SAVE") == b"+OK\r\n"  # over redis-server's file
    assert ours.stop() == 0
    with open(path, "rb") as f:
        assert f.read() != redis_file, "credis's SAVE did not rewrite dump.rdb"
    del redis_file

    back = start_redis(workdir=work)
    with Raw(back.port, timeout=60) as c:
        assert_bytes_equal(get_big(c, "random"), random_value, "redis loading credis's file")
        assert_bytes_equal(get_big(c, "patterned"), patterned, "redis loading credis's file")
        assert c.cmd("DBSIZE") == b":2\r\n"


# --- 8. big replies: pipelined, and never read ----------------------------------------------------

def test_twenty_pipelined_gets_of_a_5mb_value(server):
    value = payload(5 * MB, b"gets:")
    with Raw(server.port, timeout=60) as c:
        set_big(c, "v", value)
        c.send(encode("GET", "v") * 20 + encode("PING"))
        for i in range(20):
            assert_bytes_equal(read_bulk(c), value, f"GET #{i + 1} of 20")
        assert c.read_reply() == b"+PONG\r\n"


def test_client_closing_without_reading_a_50mb_reply(server):
    value = payload(50 * MB, b"unread:")
    with Raw(server.port, timeout=60) as c:
        set_big(c, "v", value)
    # One client closes without reading anything, another after 1 MB of its reply.
    with Raw(server.port) as quitter:
        quitter.send(encode("GET", "v"))
    with Raw(server.port) as partial:
        partial.send(encode("GET", "v") * 2)
        partial.sock.settimeout(30)
        while len(partial.buf) < MB:
            partial._fill()
    wait_until(lambda: connected_clients(server.port) == 1, timeout=30, interval=0.02,
               what="the clients that did not read to be closed")
    with Raw(server.port, timeout=60) as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        assert_bytes_equal(get_big(c, "v"), value, "GET after the others left")
        assert c.cmd("DBSIZE") == b":1\r\n"
    assert server.alive()


def client_omem(port, name):
    with Raw(port) as c:
        for line in c.cmd("CLIENT", "LIST").decode().split("\n"):
            fields = dict(p.split("=", 1) for p in line.split() if "=" in p)
            if fields.get("name") == name:
                return int(fields["omem"])
    return None


def test_a_big_reply_waits_in_the_server_not_in_the_kernel(server):
    """While a large value waits to be sent, the server keeps at most 64 KB of it unsent in its
    socket (TCP_NOTSENT_LOWAT): the rest stays in its output queue, counted in omem, and goes as
    the reader drains. (Queued in the kernel whole, a 1 MB reply was transmitted from inside the
    reader's recv() calls.)"""
    value = payload(8 * MB, b"unsent:")
    with Raw(server.port, timeout=60) as c:
        set_big(c, "v", value)
    reader = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * KB)  # a small window
    reader.settimeout(60)
    reader.connect(("127.0.0.1", server.port))
    try:
        reader.sendall(encode("CLIENT", "SETNAME", "reader") + encode("GET", "v"))
        # The reader's window and 64 KB unsent are all the kernel may hold; a few hundred KB.
        wait_until(lambda: (client_omem(server.port, "reader") or 0) > 7 * MB, timeout=10,
                   interval=0.02, what="the unsent reply counted in the reader's omem")
        got = b""
        while len(got) < len(b"+OK\r\n") + len(bulk(value)):
            chunk = reader.recv(1 << 20)
            assert chunk, "connection closed before the reply was complete"
            got += chunk
        assert got[:5] == b"+OK\r\n"
        assert_bytes_equal(got[5:], bulk(value), "the reply read after the wait")
    finally:
        reader.close()
