"""Back-pressure: a client whose replies back up stops being read until they drain, so a client
that sends and never reads costs the server a bounded amount of memory (its requests wait in the
kernel's socket buffers), other clients are served meanwhile, and every reply still arrives, in
order, once the client reads."""
import signal
import socket
import threading
import time

import pytest

from helpers import Raw, encode, sanitized_build
from server_process import wait_until

VALUE = b"v" * 1000
GET = encode("GET", "k")
REPLY = b"$1000\r\n" + VALUE + b"\r\n"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def send_until_blocked(sock, request, limit, stall=1.0):
    """Sends `request` repeatedly (non-blocking) until the kernel has taken nothing for `stall`
    seconds, or `limit` copies went out; returns how many complete copies were sent (a copy
    cut short stays incomplete: the server answers the complete ones)."""
    sock.setblocking(False)
    payload = request * 1000
    sent = 0
    last_progress = time.monotonic()
    while sent < limit * len(request):
        try:
            n = sock.send(payload[sent % len(payload):])
        except BlockingIOError:
            if time.monotonic() - last_progress > stall:
                break
            time.sleep(0.005)
            continue
        sent += n
        last_progress = time.monotonic()
    sock.setblocking(True)
    return sent // len(request)


def read_exactly(sock, n, timeout=60.0):
    sock.settimeout(timeout)
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        assert k > 0, f"connection closed after {got} of {n} bytes"
        got += k
    return bytes(buf)


def test_client_that_never_reads_costs_bounded_memory(server):
    with Raw(server.port) as c:
        assert c.cmd("SET", "k", VALUE) == b"+OK\r\n"
    rss_before = rss_mb(server.proc.pid)
    hostile = socket.create_connection(("127.0.0.1", server.port))
    try:
        sent = send_until_blocked(hostile, GET, limit=2_000_000)
        # The server stopped reading long before two million requests: the kernel's buffers
        # (a few MB each way on loopback) hold the rest.
        assert sent < 2_000_000
        grown = rss_mb(server.proc.pid) - rss_before
        # Others are served while it is paused.
        with Raw(server.port) as other:
            t0 = time.monotonic()
            assert other.cmd("PING") == b"+PONG\r\n"
            assert other.cmd("GET", "k") == REPLY
            assert time.monotonic() - t0 < 1.0
        if not sanitized_build():
            # 1000-byte replies to every request would be about `sent` KB; a few MB are held.
            assert grown < 8, f"RSS grew {grown:.1f} MB for {sent} unread GETs"
        # Every reply arrives, in order, once the client reads.
        got = read_exactly(hostile, sent * len(REPLY))
        assert got == REPLY * sent
    finally:
        hostile.close()


def test_pipeline_larger_than_the_reply_limit_is_answered_in_order(server):
    """A pipeline whose replies pass the per-batch reply limit is run a part at a time; the
    client reads while it sends, as it must when both directions exceed the kernel's buffers."""
    n = 200_000
    with Raw(server.port) as c:
        assert c.cmd("SET", "k", VALUE) == b"+OK\r\n"
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        requests = b"".join(encode("INCR", "counter") + GET for _ in range(1000))
        sender = threading.Thread(target=lambda: [sock.sendall(requests) for _ in range(n // 1000)])
        sender.start()
        expected = b"".join(b":%d\r\n" % (i + 1) + REPLY for i in range(n))
        got = read_exactly(sock, len(expected))
        sender.join(timeout=30)
        assert got == expected
    finally:
        sock.close()


def test_redis_py_pipeline_of_large_replies(server):
    """redis-py sends a whole pipeline before it reads: 50,000 GETs of 1000 bytes (50 MB of
    replies, 1.2 MB of requests) fit in the kernel's buffers while the server pauses."""
    r = server.client()
    r.set("k", VALUE)
    pipe = r.pipeline(transaction=False)
    for _ in range(50_000):
        pipe.get("k")
    replies = pipe.execute()
    assert len(replies) == 50_000 and all(v == VALUE for v in replies)


@pytest.mark.parametrize("value_size", [100, 40_000])
def test_unread_replies_do_not_stop_other_clients(server, value_size):
    """While one client's replies back up, another client's pipeline runs at full speed."""
    value = b"x" * value_size
    with Raw(server.port) as c:
        assert c.cmd("SET", "big", value) == b"+OK\r\n"
    hostile = socket.create_connection(("127.0.0.1", server.port))
    try:
        send_until_blocked(hostile, encode("GET", "big"), limit=500_000, stall=0.5)
        with Raw(server.port) as other:
            t0 = time.monotonic()
            for i in range(2000):
                other.send(encode("INCR", "n"))
            for i in range(2000):
                assert other.read_reply() == b":%d\r\n" % (i + 1)
            assert time.monotonic() - t0 < 5.0
    finally:
        hostile.close()


def test_shutdown_is_not_held_up_by_a_client_that_never_reads(start_credis):
    """SIGTERM ends the server promptly even while a client that reads nothing has replies
    waiting that no socket buffer can take (as Redis, which drops them)."""
    s = start_credis(["--save", ""])
    with Raw(s.port) as c:
        assert c.cmd("SET", "big", b"x" * 100_000) == b"+OK\r\n"
    hostile = socket.create_connection(("127.0.0.1", s.port))
    try:
        sent = send_until_blocked(hostile, encode("GET", "big"), limit=100_000, stall=0.5)
        assert sent * 100_000 > 50_000_000   # far beyond what the kernel's buffers hold
        t = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=10) == 0, s.output()
        assert time.monotonic() - t < 2.0
    finally:
        hostile.close()


def used_memory(client):
    return client.info("memory")["used_memory"]


@pytest.mark.skipif(sanitized_build(), reason="used_memory is jemalloc's count")
def test_batch_buffers_of_a_deep_pipeline_are_freed_once_the_client_is_idle(server):
    """A client pipelining big RPUSHes keeps its batch buffers between batches (none allocated per
    batch); once it has been idle for two seconds they are freed, as Redis frees an idle client's
    query buffer."""
    r = server.client()
    request = b"".join(encode("RPUSH", "list", *[f"element:{i}" for i in range(j, j + 1000)])
                       for j in range(0, 40_000, 1000))
    with Raw(server.port) as raw:
        raw.send(request)
        assert [raw.read_reply() for _ in range(40)][-1] == b":40000\r\n"
        busy = used_memory(r)
        # Idle now: about two batches of ~3,500 arguments (16 bytes each, and their bytes) go.
        wait_until(lambda: used_memory(r) < busy - 100_000, timeout=6.0,
                   what="the idle connection's batch buffers to be freed")
        raw.send(encode("LLEN", "list"))
        assert raw.read_reply() == b":40000\r\n"
