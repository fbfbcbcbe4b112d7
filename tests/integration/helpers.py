"""Helpers for the integration tests: a raw RESP2 client that returns replies exactly as sent on
the wire (so credis and a real redis-server can be compared byte for byte), and small utilities.
"""
import socket
import threading
import time

import pytest

from conftest import CREDIS, REDIS_SERVER, Server


_sanitized = None


def sanitized_build():
    """True when the credis binary under test is built with AddressSanitizer (whose allocator
    mallinfo2 cannot see, so INFO's used_memory stays 0 there)."""
    global _sanitized
    if _sanitized is None:
        with open(CREDIS, "rb") as f:
            _sanitized = b"__asan_init" in f.read()
    return _sanitized


def encode(*args):
    """Encodes one command as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Raw:
    """A plain socket client. `cmd(...)` sends one command and returns the raw bytes of its
    reply; `read_reply()` reads one complete reply (of any nesting) from the stream."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("connection closed by server")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[:i + 2], self.buf[i + 2:]
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_reply(self):
        """One whole reply's bytes, RESP2 or RESP3."""
        line = self._line()
        kind = line[:1]
        if kind in (b"+", b"-", b":", b"_", b",", b"#", b"("):
            return line
        if kind in (b"$", b"=", b"!"):
            n = int(line[1:-2])
            return line if n < 0 else line + self._exact(n + 2)
        if kind in (b"*", b"~", b">", b"%"):
            n = int(line[1:-2]) * (2 if kind == b"%" else 1)
            parts = [line]
            for _ in range(max(n, 0)):
                parts.append(self.read_reply())
            return b"".join(parts)
        raise AssertionError(f"unexpected reply line {line!r}")

    def cmd(self, *args):
        self.send(encode(*args))
        return self.read_reply()

    def read_until_close(self, timeout=5.0):
        """Reads everything the server sends until it closes the connection; fails the test
        if the connection is still open after `timeout` seconds."""
        self.sock.settimeout(timeout)
        data = self.buf
        self.buf = b""
        deadline = time.monotonic() + timeout
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return data
            except socket.timeout:
                raise AssertionError(f"connection still open after {timeout}s; got {data!r}")
            if not chunk:
                return data
            data += chunk
            if time.monotonic() > deadline:
                raise AssertionError(f"connection still open after {timeout}s; got {data!r}")


def raw_exchange(port, data, timeout=5.0):
    """Sends `data` on a new connection and returns everything received until the server
    closes it."""
    with Raw(port, timeout=timeout) as c:
        c.send(data)
        return c.read_until_close(timeout)


class Pair:
    """The same commands against credis and a real redis-server, to compare their replies."""

    def __init__(self, credis_port, redis_port):
        self.c = Raw(credis_port)
        self.r = Raw(redis_port)

    def close(self):
        self.c.close()
        self.r.close()

    def both(self, *args):
        """Runs the command on both servers; returns (credis reply, redis reply)."""
        return self.c.cmd(*args), self.r.cmd(*args)

    def same(self, *args):
        """Runs the command on both and asserts identical raw replies; returns the reply."""
        got, want = self.both(*args)
        assert got == want, f"{args!r}: credis replied {got!r}, redis-server {want!r}"
        return got


def keyspace_notifications(port, commands, flags):
    """Runs `commands` with notify-keyspace-events set to `flags`: (their replies, every event
    message a PSUBSCRIBE * client got for them, in order)."""
    with Raw(port) as admin, Raw(port) as sub:
        assert admin.cmd("CONFIG", "SET", "notify-keyspace-events", flags) == b"+OK\r\n"
        assert sub.cmd("PSUBSCRIBE", "*").startswith(b"*3\r\n")
        replies = [admin.cmd(*c) for c in commands]
        assert admin.cmd("PUBLISH", "end", "x") == b":1\r\n"
        got = []
        while True:
            msg = sub.read_reply()
            if b"\r\nend\r\n" in msg:
                return replies, got
            got.append(msg)


def parse_info(text):
    """INFO text -> dict of field -> value (strings), skipping section headers."""
    if isinstance(text, bytes):
        text = text.decode()
    fields = {}
    for line in text.split("\r\n"):
        if not line or line.startswith("#"):
            continue
        k, _, v = line.partition(":")
        fields[k] = v
    return fields


@pytest.fixture(scope="module")
def redis_peer():
    """A real redis-server shared by the tests of one module (tests FLUSHALL it as needed)."""
    s = Server(REDIS_SERVER)
    yield s
    s.stop()


@pytest.fixture
def pair(server, redis_peer):
    """Raw connections to a fresh credis and to the (flushed) real redis-server."""
    p = Pair(server.port, redis_peer.port)
    p.r.cmd("FLUSHALL")
    yield p
    p.close()


class ReplyError(Exception):
    """An error reply, as parsed by `parse_reply`."""


def parse_reply(data):
    """Parses one raw RESP2 reply into Python values: bytes, int, None, list, or ReplyError
    (returned, not raised)."""
    parsed = parse_prefix(data, 0)
    assert parsed is not None, f"incomplete reply: {data!r}"
    value, end = parsed
    assert end == len(data), f"trailing bytes after reply: {data[end:]!r}"
    return value


def parse_prefix(data, i):
    """Parses the RESP2 reply that starts at data[i]: (value, index after it), or None while
    it is incomplete."""
    j = data.find(b"\r\n", i)
    if j < 0:
        return None
    kind, body = data[i:i + 1], data[i + 1:j]
    i = j + 2
    if kind == b"+":
        return body, i
    if kind == b"-":
        return ReplyError(body.decode(errors="replace")), i
    if kind == b":":
        return int(body), i
    if kind == b"$":
        n = int(body)
        if n < 0:
            return None, i
        if len(data) < i + n + 2:
            return None
        return data[i:i + n], i + n + 2
    if kind == b"*":
        n = int(body)
        if n < 0:
            return None, i
        items = []
        for _ in range(n):
            parsed = parse_prefix(data, i)
            if parsed is None:
                return None
            v, i = parsed
            items.append(v)
        return items, i
    raise AssertionError(f"bad reply type {kind!r} in {data[i - 2 - len(body) - 1:][:40]!r}")


def run_threads(n, target):
    """Runs target(i) for i < n on n threads started together; fails with their errors."""
    errors = []
    barrier = threading.Barrier(n)

    def wrapper(i):
        try:
            barrier.wait(timeout=30)
            target(i)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a client thread hung"
    assert errors == [], errors[:5]


def call(conn, *args):
    """Runs a command on a Raw connection and returns the parsed reply."""
    return parse_reply(conn.cmd(*args))


# --- sanitizer reports ----------------------------------------------------------------------

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")
_log_root = None


@pytest.fixture(scope="session")
def _private_tempdir():
    """Points tempfile (and so the Server class's work dirs and logs) at a directory of this
    test session only, so that sanitizer reports can be looked for in our servers' logs."""
    # Imported into several modules, this session fixture is instantiated once per module:
    # make the first instance create the directory and the others reuse it.
    global _log_root
    import tempfile
    if _log_root is None:
        _log_root = tempfile.mkdtemp(prefix="credis-itest-")
        tempfile.tempdir = _log_root
    return _log_root


def _log_sizes():
    import glob
    import os
    sizes = {}
    for path in glob.glob(os.path.join(_log_root, "**", "*.log"), recursive=True):
        try:
            sizes[path] = os.path.getsize(path)
        except OSError:
            pass
    return sizes


def sanitizer_reports(before):
    """Sanitizer report lines written to server logs under this session's temp dir since the
    snapshot `before` (from _log_sizes())."""
    found = []
    for path in _log_sizes():
        try:
            with open(path, "rb") as f:
                f.seek(before.get(path, 0))
                text = f.read().decode(errors="replace")
        except OSError:
            continue
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if any(m in line for m in SANITIZER_MARKERS):
                # The stack frames after the marker say where; CI shows nothing else.
                found.append(f"{path}: " + "\n".join(lines[i:i + 40]))
    return found


@pytest.fixture(autouse=True)
def no_sanitizer_reports(_private_tempdir):
    """Fails the test if a server it started wrote a sanitizer report to its log. Set up before
    (so torn down after) the server fixtures, when the logs are complete."""
    before = _log_sizes()
    yield
    reports = sanitizer_reports(before)
    assert not reports, "sanitizer report in server log:\n" + "\n".join(reports[:3])
