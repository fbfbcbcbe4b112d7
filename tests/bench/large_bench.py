#!/usr/bin/python3
"""Large values, credis vs redis-server 7.0 (persistence off), both started here on free
loopback ports and stopped afterwards; each measurement alternates the two servers.

Sections (run all, or pick with --only):
  throughput  redis-benchmark -t set,get -d 100000 -c 10 -P 1 -n N and -d 1000000 -n N/10 (no
              -r: every request uses the same key, so the server holds one value); req/s from
              --csv; 3 rounds, server order alternated each round; median of the 3
  redispy     redis-py (no hiredis) SET then GET of one 10 MB value 20 times and of one 100 MB
              value 3 times; wall seconds of the loop; the first GET's bytes are compared with
              what was SET; median over rounds
  pipeline    one redis-py pipeline (transaction off) of 1000 SETs alternating 10-byte and
              200 KB values (distinct keys), then 1000 GETs of those keys; wall seconds of
              execute(); every reply checked; median over rounds
  memory      a fresh server per size: VmRSS once ready, then one SET of N bytes (100 MB and
              500 MB) sent over a raw socket in 1 MB chunks; after +OK, VmHWM (peak) from
              /proc/<pid>/status: peak - empty RSS in MB, and that over N; then DEL: RSS 0.5 s
              later with the connection still open, and once it is closed (polled up to 2 s for
              a return to within 2 MB). The 500 MB size is skipped when /proc/meminfo
              MemAvailable is under 3 GB
  slow        (a) fresh server: a client declares a 500 MB bulk (SET k <500 MB>), sends 50 MB of
              it and disconnects: peak RSS growth (VmHWM) while it was connected, RSS 1 s after
              the disconnect, and the seconds until RSS is back within 2 MB of where it started
              (polled every 50 ms for up to --settle s); the server must still answer and must
              not hold k. (b) fresh server: a second process writes SET slow <1 MB> one byte per
              send() (TCP_NODELAY) for ~5 s (--quick 3 s) or until done while this one times
              PING/GET round trips (alternating, after 200 warm-up) in 3 loops of 5000; median
              of the loops' p99 during vs the same on the same server before the sender started
Prints one markdown table (work | redis-server | credis | ratio; ratio >= 1.0 means credis is as
good or better in every row) and writes it to --out FILE. A server that crashes or fails a
measurement gets FAILED in that cell (reason in a note), is restarted, and the run goes on;
the exit status is then 1. MB here is 2^20 bytes.
"""
import argparse
import csv
import io
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from common import (CREDIS, REDIS_BENCHMARK, REDIS_SERVER, Conn, RespError, Server,  # noqa: E402
                    check_binaries, log, markdown_table, parse_only, pin_cores, write_report)

try:
    import redis  # python3-redis
except ImportError:  # the redispy and pipeline sections then fail with this reason
    redis = None

SECTIONS = ["throughput", "redispy", "pipeline", "memory", "slow"]
NAMES = ["redis", "credis"]  # table column order
BINARIES = {"redis": REDIS_SERVER, "credis": CREDIS}
MB = 1 << 20
CHUNK = MB  # raw-socket sends of big values go out in 1 MB chunks
MIN_AVAILABLE_500 = 3 << 30  # MemAvailable needed for the 500 MB memory row
RSS_FLOOR_MB = 1.0  # residual-RSS ratios use max(value, this): below it is page-level noise
P99_TARGET = 2.0  # credis p99 during the slow sender / its normal p99

FAILURES = []  # note texts, numbered in the table as FAILED [n]


# ---------------------------------------------------------------- rows and failures

class Failed:
    """A cell whose measurement failed; .ref is its number among the notes."""

    def __init__(self, what, err):
        FAILURES.append(f"{what}: {err}")
        self.ref = len(FAILURES)
        log(f"  FAILED [{self.ref}] {what}: {err}")

    def __str__(self):
        return f"FAILED [{self.ref}]"


class Skipped:
    def __init__(self, why):
        self.why = why

    def __str__(self):
        return f"skipped ({self.why})"


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Row:
    """One table line. better='higher': ratio = credis/redis; 'lower': ratio = redis/credis, so
    ratio >= 1 always means credis is as good or better. floor: values below it count as it in
    the ratio (for quantities whose small values are noise)."""

    def __init__(self, work, values, better, floor=None):
        self.work, self.values, self.better, self.floor = work, values, better, floor

    def ratio(self):
        r, c = self.values.get("redis"), self.values.get("credis")
        if not (number(r) and number(c)):
            return None
        if self.floor is not None:
            r, c = max(r, self.floor), max(c, self.floor)
        num, den = (c, r) if self.better == "higher" else (r, c)
        return num / den if den > 0 else None

    def cells(self):
        vals = [self.values.get(n) for n in NAMES]
        return [self.work] + [v if number(v) or v is None else str(v) for v in vals] + [self.ratio()]


def attempt(what, srv, fn):
    """fn()'s value, or a Failed cell (with the server's exit status and log tail if it died)."""
    try:
        return fn()
    except Exception as e:
        msg = f"{type(e).__name__}: {e}"
        if srv is not None:
            try:
                srv.check_alive()
            except RuntimeError as dead:
                msg += f"; {dead}"
        return Failed(what, msg)


def median_or_failed(runs):
    """Median of a list of numbers; the first Failed if any run failed."""
    bad = [r for r in runs if isinstance(r, Failed)]
    if bad:
        return bad[0]
    return statistics.median(runs) if runs else None


class Pool:
    """One running server per name, restarted if it died since last used."""

    def __init__(self):
        self.servers = {}

    def get(self, name):
        s = self.servers.get(name)
        if s is not None and s.proc.poll() is not None:
            log(f"  {name} (pid {s.pid}) exited with status {s.proc.returncode}; starting a fresh one")
            s.stop()
            s = None
        if s is None:
            s = self.servers[name] = Server(name, BINARIES[name])
        return s

    def stop(self):
        for s in self.servers.values():
            s.stop()
        self.servers = {}


def orders(rounds):
    """Server order per round: redis first in even rounds, credis first in odd ones."""
    return [NAMES if r % 2 == 0 else NAMES[::-1] for r in range(rounds)]


# ---------------------------------------------------------------- /proc

def proc_status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def rss_mb(pid):
    return proc_status_kb(pid, "VmRSS") / 1024


def hwm_mb(pid):
    return proc_status_kb(pid, "VmHWM") / 1024


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


# ---------------------------------------------------------------- 1. throughput

def run_benchmark(port, size, n, timeout):
    """redis-benchmark -t set,get -d size -c 10 -P 1 -n n --csv: {'SET': rps, 'GET': rps}."""
    cmd = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(port), "-t", "set,get", "-d", str(size),
           "-c", "10", "-P", "1", "-n", str(n), "--csv"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    rows = {r["test"]: float(r["rps"]) for r in csv.DictReader(io.StringIO(res.stdout))}
    if res.returncode != 0 or set(rows) != {"SET", "GET"}:
        raise RuntimeError(f"redis-benchmark exit {res.returncode}, tests {sorted(rows)}: "
                           f"{(res.stderr or res.stdout).strip()[-300:]}")
    return rows


def measure_throughput(opts):
    sizes = [(100000, opts.requests), (1000000, max(1, opts.requests // 10))]
    runs = {}  # (size, test, name) -> [rps | Failed]
    pool = Pool()
    try:
        for rnd, order in enumerate(orders(opts.rounds)):
            for size, n in sizes:
                for name in order:
                    srv = pool.get(name)
                    t0 = time.monotonic()
                    res = attempt(f"{name} redis-benchmark -d {size} -n {n} (round {rnd + 1})", srv,
                                  lambda: run_benchmark(srv.port, size, n, opts.timeout))
                    wall = time.monotonic() - t0
                    for test in ("SET", "GET"):
                        runs.setdefault((size, test, name), []).append(
                            res if isinstance(res, Failed) else res[test])
                    if not isinstance(res, Failed):
                        log(f"  round {rnd + 1} -d {size:>7} -n {n:>6} {name:6} SET {res['SET']:>9,.0f}/s"
                            f"  GET {res['GET']:>9,.0f}/s  wall {wall:.1f}s")
    finally:
        pool.stop()
    rows = []
    for size, n in sizes:
        for test in ("SET", "GET"):
            rows.append(Row(f"req/s {test} -d {size} -c 10 -P 1 -n {n:,} (median of {opts.rounds})",
                            {name: median_or_failed(runs[(size, test, name)]) for name in NAMES},
                            "higher"))
    return rows


# ---------------------------------------------------------------- 2. redis-py big values

def need_redis_py():
    if redis is None:
        raise RuntimeError("python3-redis (redis-py) is not importable")


def client(port):
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=120, socket_connect_timeout=10)


def redispy_loop(port, value, count):
    """Seconds for `count` x (SET k value; GET k); checks the first GET's bytes."""
    r = client(port)
    try:
        first = None
        t0 = time.perf_counter()
        for i in range(count):
            if r.set("big", value) is not True:
                raise RuntimeError("SET did not answer OK")
            got = r.get("big")
            if i == 0:
                first = got
        took = time.perf_counter() - t0
        if first != value:
            raise RuntimeError(f"GET returned {len(first) if first is not None else None} bytes "
                               f"that differ from the {len(value)} bytes SET")
        r.delete("big")
        return took
    finally:
        r.close()


def measure_redispy(opts):
    need_redis_py()
    cases = [(10 * MB, opts.count_10mb), (100 * MB, opts.count_100mb)]
    values = {size: os.urandom(size) for size, _ in cases}
    runs = {}
    pool = Pool()
    try:
        for rnd, order in enumerate(orders(opts.pyrounds)):
            for size, count in cases:
                for name in order:
                    srv = pool.get(name)
                    what = f"{name} redis-py SET+GET {size // MB} MB x{count} (round {rnd + 1})"
                    took = attempt(what, srv, lambda: redispy_loop(srv.port, values[size], count))
                    runs.setdefault((size, name), []).append(took)
                    if not isinstance(took, Failed):
                        log(f"  round {rnd + 1} {size // MB:>3} MB x{count:<3} {name:6} {took:.3f}s "
                            f"({2 * count * size / MB / took:,.0f} MB/s both ways)")
    finally:
        pool.stop()
    return [Row(f"redis-py SET+GET of a {size // MB} MB value x{count}, seconds "
                f"(median of {opts.pyrounds})",
                {name: median_or_failed(runs[(size, name)]) for name in NAMES}, "lower")
            for size, count in cases]


# ---------------------------------------------------------------- 3. pipelined mix

def mix_data(commands, large):
    """(key, value) per SET: even ones 10 bytes, odd ones `large` bytes, all distinct."""
    block = os.urandom(large)
    data = []
    for i in range(commands):
        if i % 2 == 0:
            data.append((b"mix:s:%06d" % i, b"v%09d" % i))
        else:
            data.append((b"mix:l:%06d" % i, b"%012d" % i + block[12:]))
    return data


def pipeline_once(port, data):
    r = client(port)
    try:
        pipe = r.pipeline(transaction=False)
        for k, v in data:
            pipe.set(k, v)
        for k, _ in data:
            pipe.get(k)
        t0 = time.perf_counter()
        replies = pipe.execute(raise_on_error=False)
        took = time.perf_counter() - t0
        n = len(data)
        bad_set = [i for i, x in enumerate(replies[:n]) if x is not True]
        if bad_set:
            raise RuntimeError(f"{len(bad_set)} SETs did not answer OK (first: #{bad_set[0]} "
                               f"-> {replies[bad_set[0]]!r:.100})")
        bad_get = [i for i, (x, (_, v)) in enumerate(zip(replies[n:], data)) if x != v]
        if bad_get:
            raise RuntimeError(f"{len(bad_get)} GETs returned other bytes than SET (first: "
                               f"#{bad_get[0]})")
        r.delete(*[k for k, _ in data])
        return took
    finally:
        r.close()


def measure_pipeline(opts):
    need_redis_py()
    data = mix_data(opts.mix_commands, opts.mix_large)
    runs = {n: [] for n in NAMES}
    pool = Pool()
    try:
        for rnd, order in enumerate(orders(opts.pyrounds)):
            for name in order:
                srv = pool.get(name)
                took = attempt(f"{name} pipelined mix (round {rnd + 1})", srv,
                               lambda: pipeline_once(srv.port, data))
                runs[name].append(took)
                if not isinstance(took, Failed):
                    log(f"  round {rnd + 1} {name:6} {took:.3f}s")
    finally:
        pool.stop()
    kb = opts.mix_large // 1024
    return [Row(f"one pipeline: {opts.mix_commands} SETs alternating 10 B / {kb} KB values, then "
                f"{opts.mix_commands} GETs, seconds (median of {opts.pyrounds})",
                {name: median_or_failed(runs[name]) for name in NAMES}, "lower")]


# ---------------------------------------------------------------- 4. peak memory

def send_big_set(sock, key, size, total=None):
    """Writes SET key <size bytes> in 1 MB chunks; stops after `total` bytes of the value if
    given (an incomplete command). Returns the value bytes sent."""
    chunk = os.urandom(CHUNK)
    limit = size if total is None else min(total, size)
    sent = 0
    try:
        sock.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(key), key, size))
        while sent < limit:
            part = chunk if limit - sent >= CHUNK else chunk[:limit - sent]
            sock.sendall(part)
            sent += len(part)
        if total is None or total >= size:
            sock.sendall(b"\r\n")
    except OSError as e:  # the server closed the connection: say what it answered, if anything
        try:
            sock.settimeout(1)
            said = sock.recv(300)
        except OSError:
            said = b""
        raise RuntimeError(f"{type(e).__name__} after {sent:,} of {size:,} value bytes ({e}); the "
                           f"server had answered {said!r}") from e
    return sent


def settle_rss(pid, target, timeout, check=None):
    """Polls VmRSS every 50 ms until it is <= target MB or `timeout` s pass: (RSS MB, seconds,
    settled)."""
    t0 = time.monotonic()
    while True:
        if check:
            check()
        now = rss_mb(pid)
        took = time.monotonic() - t0
        if now <= target:
            return now, took, True
        if took > timeout:
            return now, took, False
        time.sleep(0.05)


def peak_one(name, size, timeout):
    """Fresh server; MB over its empty RSS for one SET of `size`: {'peak', 'del_open',
    'closed'} (peak from VmHWM, then RSS 0.5 s after DEL on the still open connection, then RSS
    once that connection is closed, polled up to 2 s for a return to within 2 MB)."""
    srv = Server(name, BINARIES[name])
    try:
        def run():
            empty = rss_mb(srv.pid)
            c = Conn(srv.port, timeout=timeout)
            try:
                t0 = time.monotonic()
                send_big_set(c.sock, b"big", size)
                reply = c.read_reply()
                took = time.monotonic() - t0
                if reply != "OK":
                    raise RuntimeError(f"SET of {size // MB} MB answered {reply!r:.200}")
                peak = hwm_mb(srv.pid)
                held = rss_mb(srv.pid)
                strlen = c.call("STRLEN", "big")
                if strlen != size:
                    raise RuntimeError(f"STRLEN big = {strlen}, not {size}")
                if c.call("DEL", "big") != 1:
                    raise RuntimeError("DEL big did not delete one key")
                time.sleep(0.5)
                del_open = rss_mb(srv.pid)
            finally:
                c.close()
            closed, secs, ok = settle_rss(srv.pid, empty + 2.0, 2.0, srv.check_alive)
            log(f"  {size // MB} MB {name:6} empty {empty:.1f} MB, peak {peak:.1f} MB (+{peak - empty:.1f}, "
                f"{(peak - empty) * MB / size:.3f} x N), holding {held:.1f} MB, after DEL {del_open:.1f} MB "
                f"(connection open), closed {closed:.1f} MB ({'after' if ok else 'still not back after'} "
                f"{secs:.2f}s); SET took {took:.2f}s")
            return {"peak": peak - empty, "del_open": del_open - empty, "closed": closed - empty}
        return attempt(f"{name} peak memory, one SET of {size // MB} MB", srv, run)
    finally:
        srv.stop()


def pick(res, key):
    """res[key], or res itself if it is a Failed or Skipped cell."""
    return res[key] if isinstance(res, dict) else res


def measure_memory(opts):
    rows = []
    for size in opts.big_sizes:
        avail = mem_available()
        label = f"{size // MB} MB"
        if size >= 500 * MB and avail < MIN_AVAILABLE_500:
            why = f"MemAvailable {avail / 2**30:.1f} GB < {MIN_AVAILABLE_500 / 2**30:.0f} GB"
            log(f"  skipping the {label} rows: {why}")
            res = {n: Skipped(why) for n in NAMES}
        else:
            res = {name: peak_one(name, size, opts.timeout) for name in NAMES}
        peak = {n: pick(res[n], "peak") for n in NAMES}
        per_n = {n: (v * MB / size if number(v) else v) for n, v in peak.items()}
        c = per_n["credis"]
        verdict = ("met" if c <= 1.10 else "NOT met") if number(c) else "n/a"
        rows += [Row(f"peak RSS - empty RSS, MB, one SET of {label} in 1 MB chunks", peak, "lower"),
                 Row(f"(peak - empty) / N, SET of {label} (credis target <= 1.10: {verdict})",
                     per_n, "lower"),
                 Row(f"RSS - empty, MB, 0.5 s after DEL of the {label} key, its connection still open",
                     {n: pick(res[n], "del_open") for n in NAMES}, "lower", floor=RSS_FLOOR_MB),
                 Row(f"RSS - empty, MB, after that connection closed (polled <= 2 s)",
                     {n: pick(res[n], "closed") for n in NAMES}, "lower", floor=RSS_FLOOR_MB)]
    return rows


# ---------------------------------------------------------------- 5a. aborted sender

def aborted_one(name, opts):
    """Fresh server; a 500 MB SET abandoned after 50 MB. MB over the RSS before: {'peak',
    'after1' (1 s after the disconnect), 'settle' (seconds until RSS is back within 2 MB, or
    None if not within opts.settle)}."""
    srv = Server(name, BINARIES[name])
    try:
        def run():
            time.sleep(0.2)
            before = rss_mb(srv.pid)
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=opts.timeout)
            try:
                send_big_set(s, b"k", opts.abort_declared, total=opts.abort_sent)
                # let the server take in what was sent before it sees the disconnect
                deadline = time.monotonic() + 5
                last, still = rss_mb(srv.pid), 0
                while time.monotonic() < deadline and still < 3:
                    time.sleep(0.05)
                    now = rss_mb(srv.pid)
                    still = still + 1 if abs(now - last) < 0.5 else 0
                    last = now
                connected = rss_mb(srv.pid)
            finally:
                s.close()
            closed_at = time.monotonic()
            peak = hwm_mb(srv.pid)
            target = before + 2.0
            after, secs, ok = settle_rss(srv.pid, target, 1.0, srv.check_alive)
            settle = secs if ok else None
            time.sleep(max(0.0, closed_at + 1.0 - time.monotonic()))
            after1 = rss_mb(srv.pid)
            if not ok:
                after, secs, ok = settle_rss(srv.pid, target, opts.settle - 1.0, srv.check_alive)
                settle = time.monotonic() - closed_at if ok else None
            c = Conn(srv.port, timeout=10)
            try:
                exists = c.call("EXISTS", "k")
            finally:
                c.close()
            if exists != 0:
                raise RuntimeError(f"EXISTS k = {exists!r} after the aborted SET")
            log(f"  {name:6} RSS before {before:.1f} MB, connected {connected:.1f} MB, peak "
                f"{peak:.1f} MB (+{peak - before:.1f}), 1 s after disconnect {after1:.1f} MB "
                f"({after1 - before:+.1f}); " +
                (f"back within 2 MB {settle:.2f}s after close" if settle is not None
                 else f"still {after - before:+.1f} MB {opts.settle:g}s after close"))
            return {"peak": peak - before, "after1": after1 - before,
                    "settle": settle if settle is not None else f"not within {opts.settle:g} s"}
        return attempt(f"{name} aborted {opts.abort_declared // MB} MB SET", srv, run)
    finally:
        srv.stop()


# ---------------------------------------------------------------- 5b. slow sender

def slow_sender(port, size, seconds, started, stop, progress):
    """Child process: SET slow <size bytes>, one byte per send(), until done, `seconds` pass, or
    `stop` is set; progress.value = bytes of the value sent (-1 on error)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        msg = b"*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$%d\r\n" % size + b"s" * size + b"\r\n"
        head = len(msg) - size - 2
        deadline = time.monotonic() + seconds
        started.set()
        send = s.send
        i, n = 0, len(msg)
        while i < n:
            for j in range(i, min(n, i + 1024)):
                send(msg[j:j + 1])
            i = min(n, i + 1024)
            progress.value = max(0, min(size, i - head))
            if stop.is_set() or time.monotonic() > deadline:
                break
        if i >= n:
            reply = s.recv(64)
            if not reply.startswith(b"+OK"):
                progress.value = -1
        s.close()
    except Exception:
        progress.value = -1
        started.set()


def latency_p99(port, n):
    """p99 round trip in µs over n requests alternating PING and GET lat:k (after 200 warm-up)."""
    c = Conn(port, timeout=30)
    try:
        reqs = [b"*1\r\n$4\r\nPING\r\n", b"*2\r\n$3\r\nGET\r\n$5\r\nlat:k\r\n"]
        for i in range(200):
            c.sock.sendall(reqs[i % 2])
            c.read_reply()
        times = []
        clock = time.perf_counter_ns
        for i in range(n):
            t0 = clock()
            c.sock.sendall(reqs[i % 2])
            reply = c.read_reply()
            times.append(clock() - t0)
            if isinstance(reply, RespError) or reply is None:
                raise RuntimeError(f"request #{i} answered {reply!r}")
        times.sort()
        return times[min(n - 1, int(0.99 * n))] / 1e3
    finally:
        c.close()


def slow_one(name, opts):
    """(normal p99 µs, p99 µs during the slow sender) on a fresh server."""
    srv = Server(name, BINARIES[name])
    try:
        def run():
            c = Conn(srv.port)
            c.call("SET", "lat:k", "x" * 100)
            c.close()
            loops = opts.lat_loops
            normals = [latency_p99(srv.port, opts.lat_requests) for _ in range(loops)]
            ctx = multiprocessing.get_context("fork")
            started, stop, progress = ctx.Event(), ctx.Event(), ctx.Value("q", 0)
            proc = ctx.Process(target=slow_sender, args=(srv.port, opts.slow_size, opts.slow_seconds,
                                                         started, stop, progress))
            t0 = time.monotonic()
            proc.start()
            try:
                if not started.wait(10):
                    raise RuntimeError("slow sender did not start")
                time.sleep(0.1)
                before_loop = progress.value
                durings = [latency_p99(srv.port, opts.lat_requests) for _ in range(loops)]
                loop_end = time.monotonic()
                at_end = progress.value
                active = proc.is_alive()
                # the sender goes on for its ~seconds (or until the whole bulk is sent)
                proc.join(opts.slow_seconds + 30)
            finally:
                stop.set()
                proc.join(10)
                if proc.is_alive():
                    proc.terminate()
                    proc.join()
            total = progress.value
            if total < 0:
                raise RuntimeError("the slow sender failed (connection error or no +OK)")
            if before_loop == at_end:
                raise RuntimeError("the slow sender made no progress during the latency loops")
            srv.check_alive()
            after = latency_p99(srv.port, opts.lat_requests)
            normal, during = statistics.median(normals), statistics.median(durings)
            log(f"  {name:6} p99 normal {normal:.0f} µs (loops: {', '.join(f'{v:.0f}' for v in normals)}; "
                f"one more after: {after:.0f}), during {during:.0f} µs (loops: "
                f"{', '.join(f'{v:.0f}' for v in durings)}) = {during / normal:.2f}x; loops ended "
                f"{loop_end - t0:.2f}s after the sender started, sender {'still sending' if active else 'DONE'} "
                f"then ({at_end - before_loop:,} bytes during the loops); {total:,} of "
                f"{opts.slow_size:,} bytes sent in {time.monotonic() - t0:.1f}s")
            return normal, during
        return attempt(f"{name} slow 1-byte sender", srv, run)
    finally:
        srv.stop()


def measure_slow(opts):
    rows = []
    ab = {name: aborted_one(name, opts) for name in NAMES}
    declared, sent = opts.abort_declared // MB, opts.abort_sent // MB
    rows.append(Row(f"SET declaring {declared} MB, {sent} MB sent, then disconnect: peak RSS "
                    f"growth, MB", {n: pick(ab[n], "peak") for n in NAMES}, "lower"))
    rows.append(Row("same: RSS 1 s after the disconnect - before, MB",
                    {n: pick(ab[n], "after1") for n in NAMES}, "lower", floor=RSS_FLOOR_MB))
    rows.append(Row(f"same: seconds until RSS is back within 2 MB (polled every 50 ms, up to "
                    f"{opts.settle:g} s)", {n: pick(ab[n], "settle") for n in NAMES}, "lower",
                    floor=0.05))

    def part(res, i):
        return res if isinstance(res, Failed) else res[i]
    sl = {name: slow_one(name, opts) for name in NAMES}
    label = f"PING/GET p99 µs (median of {opts.lat_loops} loops of {opts.lat_requests})"
    rows.append(Row(f"{label}, normal", {n: part(sl[n], 0) for n in NAMES}, "lower"))
    rows.append(Row(f"{label}, while another client sends a {opts.slow_size // MB} MB bulk 1 byte "
                    f"per write", {n: part(sl[n], 1) for n in NAMES}, "lower"))
    factor = {n: (sl[n] if isinstance(sl[n], Failed) else sl[n][1] / sl[n][0]) for n in NAMES}
    c = factor["credis"]
    verdict = ("met" if c <= P99_TARGET else "NOT met") if number(c) else "n/a"
    rows.append(Row(f"p99 during slow sender / normal (credis target <= {P99_TARGET:g}: {verdict})",
                    factor, "lower"))
    return rows


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="fewer requests: -n 15000 (1 MB values: 1500), redis-py 10 MB x5 and "
                         "100 MB x1 in 1 round, pipeline 1 round, --settle 20, slow sender 3 s")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds (default 3)")
    ap.add_argument("--requests", type=int,
                    help="redis-benchmark -n for -d 100000 (default 60000; --quick 15000); "
                         "-d 1000000 gets a tenth")
    ap.add_argument("--py-rounds", dest="pyrounds", type=int,
                    help="rounds of the redispy and pipeline sections (default 3; --quick 1)")
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds one redis-benchmark run or one socket read may take (default 120)")
    ap.add_argument("--settle", type=float,
                    help="seconds to wait for RSS to come back after the aborted sender "
                         "(default 60; --quick 20)")
    ap.add_argument("--pin", action="store_true",
                    help="servers on core 0, this script and redis-benchmark on core 1")
    opts = ap.parse_args(argv)
    q = opts.quick
    opts.requests = opts.requests or (15000 if q else 60000)
    opts.pyrounds = opts.pyrounds or (1 if q else 3)
    opts.settle = opts.settle or (20.0 if q else 60.0)
    opts.count_10mb, opts.count_100mb = (5, 1) if q else (20, 3)
    opts.mix_commands, opts.mix_large = 1000, 200 * 1024
    opts.big_sizes = [100 * MB, 500 * MB]
    opts.abort_declared, opts.abort_sent = 500 * MB, 50 * MB
    opts.slow_size, opts.slow_seconds = MB, (3.0 if q else 5.0)
    opts.lat_requests, opts.lat_loops = 5000, 3
    opts.only = parse_only(ap, opts.only, SECTIONS)
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    if opts.pin:
        pin_cores()
    log(f"credis: {CREDIS}\nredis-server: {REDIS_SERVER}")
    measures = {"throughput": measure_throughput, "redispy": measure_redispy,
                "pipeline": measure_pipeline, "memory": measure_memory, "slow": measure_slow}
    rows, section_failed = [], []
    t_start = time.monotonic()
    load_start = loadavg()
    log(f"load average {load_start}")
    for section in SECTIONS:  # like common.run_sections, with this table's columns
        if section not in opts.only:
            continue
        log(f"== {section}")
        t0 = time.monotonic()
        try:
            rows += measures[section](opts)
        except Exception as e:  # report and go on with the other sections
            log(f"  FAILED: {type(e).__name__}: {e}")
            section_failed.append(f"section {section}: {type(e).__name__}: {e}")
        log(f"  ({time.monotonic() - t0:.0f}s)")
    total = time.monotonic() - t_start
    load_end = loadavg()
    log(f"total {total:.0f}s, load average {load_end}")
    table = markdown_table(["work", "redis-server", "credis", "ratio"], [r.cells() for r in rows])
    notes = ["ratio >= 1.0 means credis is as good or better in every row: for req/s it is "
             "credis/redis; for seconds, MB, µs, (peak - empty)/N and during/normal it is "
             "redis/credis (lower is better there).",
             f"MB = 2^20 bytes. RSS/VmHWM from /proc/<pid>/status; each memory and slow-client "
             f"row uses a fresh server. In the ratios of the 'RSS - empty' / 'RSS after - before' "
             f"rows values under {RSS_FLOOR_MB:g} MB count as {RSS_FLOOR_MB:g} MB, and in the "
             f"'seconds until RSS is back' row values under 0.05 s (one poll) count as 0.05 s.",
             "Both servers run with --save '' --appendonly no on 127.0.0.1; the clients "
             "(redis-benchmark, redis-py without hiredis, the slow sender's process) share the "
             f"machine's {os.cpu_count()} cores with the server under test. Load average "
             f"(1/5/15 min) at the start: {load_start}, at the end: {load_end} (run took "
             f"{total:.0f} s); other busy processes make every row noisier."]
    notes += [f"FAILED [{i + 1}] {f}" for i, f in enumerate(FAILURES)]
    notes += [f"FAILED {f}" for f in section_failed]
    write_report(table + "".join(f"\n\n- {n}" for n in notes) + "\n", opts.out)
    return 1 if FAILURES or section_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
