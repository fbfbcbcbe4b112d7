"""Helpers shared by bench.py, repl_bench.py and rdb_bench.py: start/stop servers on free loopback
ports, poll readiness, read /proc, a minimal RESP client for pipelined loading, the markdown
table and the section loop that prints and writes it.

Only processes started here are ever signalled (by their Popen object, never by name).
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from server_process import answers_ping, cpu_seconds, free_port, wait_until  # noqa: E402,F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREDIS = os.path.abspath(os.environ.get("CREDIS_SERVER", os.path.join(ROOT, "build", "credis-server")))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"

_started = []  # every Server still running; stopped at exit even if a section fails


def on_cpu_seconds(pid):
    """Time the process's threads spent on a CPU, user and kernel, in the scheduler's own
    accounting (/proc/<pid>/task/*/schedstat, nanoseconds). utime+stime come in clock ticks
    (10 ms here): a light-load run's tenth of a second of CPU would be counted to +-10%.
    Threads that ended are not counted (the servers keep theirs). Falls back to utime+stime."""
    total, found = 0, False
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
                    found = True
            except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                continue
    except FileNotFoundError:
        pass
    return total / 1e9 if found else cpu_seconds(pid)


# ---------------------------------------------------------------- RESP client


class RespError(Exception):
    """An error reply (-ERR ...); returned in reply lists, raised by Conn.call."""


def encode(*args):
    """One command as a RESP array of bulk strings; args are bytes or str."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A blocking RESP2 connection with pipelining: send raw bytes, then read N replies."""

    def __init__(self, port, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line, self.pos = self.buf[self.pos:end], end + 2
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data, self.pos = self.buf[self.pos:self.pos + n], self.pos + n + 2
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise ValueError(f"bad RESP reply line {line[:80]!r}")

    def pipeline(self, payload, count):
        """Sends `payload` (count encoded commands) and returns the `count` replies."""
        self.sock.sendall(payload)
        return [self.read_reply() for _ in range(count)]

    def expect_ok(self, payload, count):
        """Like pipeline() for commands that all answer +OK; fast path for bulk loads."""
        self.sock.sendall(payload)
        want = b"+OK\r\n" * count
        while len(self.buf) - self.pos < len(want):
            self._fill()
        got = self.buf[self.pos:self.pos + len(want)]
        if got != want:  # some error: report the first non-OK reply
            bad = next(r for r in (self.read_reply() for _ in range(count)) if r != "OK")
            raise RuntimeError(f"bulk load failed: {bad}")
        self.pos += len(want)

    def call(self, *args):
        reply = self.pipeline(encode(*args), 1)[0]
        if isinstance(reply, RespError):
            raise reply
        return reply


def dbsize(port):
    """DBSIZE reply (int or RespError), or None if the server does not accept connections."""
    try:
        c = Conn(port, timeout=5)
        try:
            return c.pipeline(encode("DBSIZE"), 1)[0]
        finally:
            c.close()
    except OSError:
        return None


def mset_load(port, n, prefix="k:", key_len=16, value_len=32, per_cmd=1000, cmds_per_trip=8):
    """Loads n string keys (`prefix` + zero-padded index, key_len bytes; value_len-byte values)
    with pipelined MSETs. Returns the seconds it took."""
    width = key_len - len(prefix)
    assert width > 0 and len(str(n)) <= width
    vpad = b"v" * (value_len - 12)
    c = Conn(port, timeout=120)
    t0 = time.monotonic()
    i = 0
    while i < n:
        cmds = []
        for _ in range(cmds_per_trip):
            if i >= n:
                break
            j = min(n, i + per_cmd)
            args = [b"MSET"]
            for k in range(i, j):
                args.append(b"%s%0*d" % (prefix.encode(), width, k))
                args.append(b"%012d%s" % (k, vpad))
            cmds.append(encode(*args))
            i = j
        c.expect_ok(b"".join(cmds), len(cmds))
    took = time.monotonic() - t0
    c.close()
    return took


# ---------------------------------------------------------------- /proc

def rss_bytes(pid):
    """VmRSS from /proc/<pid>/status, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# ---------------------------------------------------------------- servers

class Server:
    """credis-server or redis-server on 127.0.0.1:<free port>, persistence off unless `args`
    say otherwise (later flags win in both servers)."""

    def __init__(self, name, binary, args=(), workdir=None, wait=True):
        self.name, self.binary = name, binary
        self.port = free_port()
        self.own_dir = workdir is None  # removed at stop()
        self.dir = workdir or tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.log_path = os.path.join(self.dir, f"{name}-{self.port}.log")
        self._log = open(self.log_path, "wb")
        cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
               "--save", "", "--appendonly", "no", *args]
        self.started_at = time.monotonic()
        cpus = _server_cpus  # bound now: the lambda runs in the child
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        self.pid = self.proc.pid
        _started.append(self)
        if wait:
            self.wait_ready()

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with status {self.proc.returncode}: "
                               f"{self.log_tail()}")

    def ping(self, timeout=1.0):
        """True if the server answers +PONG within `timeout` (False while refusing/LOADING)."""
        self.check_alive()
        return answers_ping(self.port, timeout)

    def wait_ready(self, timeout=30.0):
        wait_until(self.ping, timeout, interval=0.005, what=f"{self.name} on port {self.port}")

    def log_tail(self, lines=3):
        self._log.flush()
        with open(self.log_path, "rb") as f:
            text = f.read().decode(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    def cpu(self):
        return on_cpu_seconds(self.pid)

    def rss(self):
        return rss_bytes(self.pid)

    def settled_rss(self, quiet=0.1, limit=2.0, poll=0.02):
        """VmRSS once it has not changed for `quiet` seconds (at most `limit` seconds): what the
        server still does after a client's last reply (its disconnect, freeing what it used)
        is over."""
        last, since = self.rss(), time.monotonic()
        end = since + limit
        while time.monotonic() < end and time.monotonic() - since < quiet:
            time.sleep(poll)
            now = self.rss()
            if now != last:
                last, since = now, time.monotonic()
        return last

    def stop(self, timeout=30.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"warning: {self.name} ignored SIGTERM for {timeout}s; killing pid {self.pid}")
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self in _started:
            _started.remove(self)
        return self.proc.returncode


_server_cpus = None


def pin_cores():
    """Servers started from now on run on core 0, this script and its clients (redis-benchmark)
    on core 1: on a 2-core machine the scheduler otherwise moves them about and the same run
    varies by +-20%."""
    global _server_cpus
    _server_cpus = {0}
    os.sched_setaffinity(0, {1})


def start_pair(args=(), wait=True):
    """{'ours': credis, 'redis': redis-server}, both on fresh ports."""
    return {"ours": Server("ours", CREDIS, args, wait=wait),
            "redis": Server("redis", REDIS_SERVER, args, wait=wait)}


def stop_all(servers):
    for s in servers.values() if isinstance(servers, dict) else servers:
        s.stop()


@atexit.register
def _stop_leftovers():
    for s in list(_started):
        s.stop(timeout=10)


def check_binaries():
    for path in (CREDIS, REDIS_SERVER, REDIS_BENCHMARK):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"not executable: {path} (build credis or set $CREDIS_SERVER)")


# ---------------------------------------------------------------- reporting

def log(msg):
    print(msg, flush=True)


def ratio(ours, redis):
    if ours is None or redis is None or redis == 0:
        return None
    return ours / redis


def fmt(v, digits=3):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits}g}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def parse_only(ap, only, sections):
    """--only's comma-separated section names as a list; ap.error() (exit 2) on an unknown one."""
    names = [s.strip() for s in only.split(",") if s.strip()]
    bad = [s for s in names if s not in sections]
    if bad:
        ap.error(f"unknown section(s) {bad}; choose from {sections}")
    return names


def write_report(text, out=None):
    """Prints the final report after a blank line and, if `out` is given, writes it there too."""
    print("\n" + text)
    if out:
        with open(out, "w") as f:
            f.write(text)


def run_sections(opts, sections, measures, notes=()):
    """Runs measures[s](opts) for each s in `sections` that is in opts.only, in that order; a
    section that raises is logged and listed as a FAILED note while the others go on. Prints the
    table of the returned rows (objects with .cells()) followed by `notes`, writes it to opts.out
    if set, and returns the exit status: 1 if any section failed, else 0."""
    rows, failed = [], []
    for section in sections:
        if section not in opts.only:
            continue
        log(f"== {section}")
        try:
            rows += measures[section](opts)
        except Exception as e:  # report and go on with the other sections
            log(f"  FAILED: {type(e).__name__}: {e}")
            failed.append(f"{section}: {e}")
    table = markdown_table(["metric", "ours", "redis", "ratio ours/redis", "target", "met"],
                           [r.cells() for r in rows])
    notes = list(notes) + [f"FAILED {f}" for f in failed]
    write_report(table + "".join(f"\n\n- {n}" for n in notes) + "\n", opts.out)
    return 1 if failed else 0
