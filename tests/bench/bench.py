#!/usr/bin/python3
"""credis vs redis-server 7.0 (persistence off), both started here on free loopback ports.

Sections (run all, or pick with --only):
  throughput  redis-benchmark -t ping,set,get -n N -r 100000 at -c 50 -P 1, -c 50 -P 16 and
              -c 1 -P 1; rounds with the config order rotated, each test run on both servers
              back to back (server order alternated); medians of ops/s and p99, plus server
              CPU (time on a CPU, all threads, /proc/<pid>/task/*/schedstat) per request around
              each run
  types       redis-benchmark -t lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,
              lrange_300,lrange_500,lrange_600,mset, and the custom commands
              `PFADD hll __rand_int__`, `PFCOUNT hll` (after it: a dense sketch with a cached
              count) and `PFCOUNT hll hll` (a union, counted afresh each time) at -c 50 -P 1
              and -c 50 -P 16, alternating as above, medians of ops/s and p99; then GEOADD of a
              random member and GEOSEARCH BYRADIUS 200 km around a point of a preloaded
              10,000-member geo set (a tenth of -n) the same way
  memory      VmRSS of an empty server, then after MSET-loading K keys (16-byte key, 32-byte value)
  idle        VmRSS growth per idle connection (C connections, one PING each, kept open)
  expiry      K keys with SET .. PX t, deadlines spread uniformly over a window; DBSIZE polled
              every few ms to derive removal lateness, while redis-benchmark GET loops measure
              throughput during expiry vs the same loops before the load and after expiry
  tls         redis-benchmark --tls -t set,get at -c 50 -P 1 and -c 50 -P 16 against both
              servers' tls-port (certificates of tests/fixtures/tls), alternating, medians
Prints one markdown table at the end (and writes it to --out FILE).
"""
import argparse
import csv
import io
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from common import (CREDIS, REDIS_BENCHMARK, REDIS_SERVER, Conn, Server, check_binaries, encode,
                    fmt, free_port, log, mset_load, parse_only, pin_cores, ratio, run_sections,
                    start_pair, stop_all)

CONFIGS = [("-c 50 -P 1", 50, 1), ("-c 50 -P 16", 50, 16), ("-c 1 -P 1", 1, 1)]
OPS_TARGET = {"-c 50 -P 1": 1.0, "-c 50 -P 16": 1.0, "-c 1 -P 1": 0.9}
SECTIONS = ["throughput", "types", "memory", "idle", "expiry", "tls"]
# Run one -t test at a time on both servers (see alternate_runs); the LRANGE tests together, as
# redis-benchmark fills their list once for all of them.
TYPE_TESTS = ["lpush", "rpush", "lpop", "rpop", "sadd", "hset", "spop", "zadd", "zpopmin",
              "lrange_100,lrange_300,lrange_500,lrange_600", "mset"]
# Commands redis-benchmark has no -t test for, by the name their rows get (in this order).
# PFCOUNT_UNION counts the union of the sketch with itself: the several-keys path, no cache.
CUSTOM_TESTS = {"PFADD": ("PFADD", "hll", "__rand_int__"), "PFCOUNT": ("PFCOUNT", "hll"),
                "PFCOUNT_UNION": ("PFCOUNT", "hll", "hll"),
                "GEOADD": ("GEOADD", "geo", "13.361389", "38.115556", "__rand_int__"),
                "GEOSEARCH 200km": ("GEOSEARCH", "geo10k", "FROMLONLAT", "15", "45", "BYRADIUS",
                                    "200", "km")}
# Custom tests run with a share of -n requests (a GEOSEARCH reads thousands of members).
CUSTOM_SHARE = {"GEOSEARCH 200km": 10}
TLS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "tls")


class Row:
    """One table line. target = (which, op, limit): which is 'ratio' or 'ours'."""

    def __init__(self, metric, ours, redis, target=None, unit="", paired_ratio=None):
        """paired_ratio: the median of per-round ratios, where both servers ran back to back
        (steadier than the ratio of medians while the machine's speed drifts)."""
        self.metric, self.ours, self.redis, self.target, self.unit = metric, ours, redis, target, unit
        self.ratio = ratio(ours, redis) if paired_ratio is None else paired_ratio

    def cells(self):
        if self.target is None:
            return [self.metric, self.ours, self.redis, self.ratio, "", ""]
        which, op, limit = self.target
        value = self.ratio if which == "ratio" else self.ours
        ok = "n/a" if value is None else ("yes" if (value >= limit if op == ">=" else value <= limit) else "NO")
        text = f"{which} {op} {limit:g}" + (f" {self.unit}" if which == "ours" and self.unit else "")
        return [self.metric, self.ours, self.redis, self.ratio, text, ok]


# ---------------------------------------------------------------- redis-benchmark

def redis_benchmark(port, tests, n, clients, pipeline, keyspace=100000, timeout=900, extra=()):
    """Runs redis-benchmark --csv; returns {test: {'rps': float, 'p99': ms}} and wall seconds.
    `tests`: a -t list, or a name of CUSTOM_TESTS (the command goes after the options)."""
    custom = CUSTOM_TESTS.get(tests)
    cmd = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(port)] + ([] if custom else ["-t", tests])
    cmd += ["-n", str(n), "-r", str(keyspace), "-c", str(clients), "-P", str(pipeline), "--csv",
            *extra, *(custom or ())]
    t0 = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wall = time.monotonic() - t0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    if res.returncode != 0 or not rows:
        raise RuntimeError(f"redis-benchmark failed ({res.returncode}): {res.stderr.strip()[-300:]}")
    return {(tests if custom else r["test"]): {"rps": float(r["rps"]),
                                               "p99": float(r["p99_latency_ms"])}
            for r in rows}, wall


def alternate_runs(servers, configs, units, opts):
    """redis-benchmark at each config, opts.rounds rounds: config order rotated each round, and
    each of the `units` (a -t list, or a name of CUSTOM_TESTS) run on both servers back to
    back, the server order alternated, so a slow spell of this shared machine falls on both.
    Returns ({(config, test, name): [(rps, p99)]},
    {(config, name): [server CPU µs per request, one per round]})."""
    runs, cpu = {}, {}
    for rnd in range(opts.rounds):
        shift = rnd % len(configs)
        for i, (label, c, p) in enumerate(configs[shift:] + configs[:shift]):
            used, total = {"ours": 0.0, "redis": 0.0}, {"ours": 0, "redis": 0}
            for j, unit in enumerate(units):
                n = max(1000, opts.requests // CUSTOM_SHARE.get(unit, 1))
                for name in (["ours", "redis"] if (rnd + i + j) % 2 == 0 else ["redis", "ours"]):
                    srv = servers[name]
                    before = srv.cpu()
                    result, wall = redis_benchmark(srv.port, unit, n, c, p)
                    used[name] += srv.cpu() - before
                    total[name] += n * len(result)
                    srv.check_alive()
                    for test, r in result.items():
                        runs.setdefault((label, test, name), []).append((r["rps"], r["p99"]))
                    log(f"  round {rnd + 1} {label:12} {name:5} " +
                        " ".join(f"{t}={r['rps']:,.0f}/s p99={r['p99']}ms" for t, r in result.items()) +
                        f" wall={wall:.1f}s")
            for name in used:
                cpu.setdefault((label, name), []).append(used[name] / total[name] * 1e6)
                log(f"  round {rnd + 1} {label:12} {name:5} cpu={used[name]:.2f}s "
                    f"({used[name] / total[name] * 1e6:.2f}µs/req)")
    return runs, cpu


def median_rows(runs, configs, tests, targets):
    """Rows of median ops/s (ratio >= the config's target) and p99 (ratio <= 1) per test."""
    rows = []
    for label, _, _ in configs:
        for test in tests:
            med = {n: statistics.median(r[0] for r in runs[(label, test, n)]) for n in ("ours", "redis")}
            rows.append(Row(f"ops/s {test} {label}", med["ours"], med["redis"],
                            ("ratio", ">=", targets[label])))
        for test in tests:
            med = {n: statistics.median(r[1] for r in runs[(label, test, n)]) for n in ("ours", "redis")}
            rows.append(Row(f"p99 ms {test} {label}", med["ours"], med["redis"], ("ratio", "<=", 1.0)))
    return rows


def measure_throughput(opts):
    """Median ops/s and p99 per (config, test), and CPU µs per request per config."""
    servers = start_pair()
    try:
        runs, cpu = alternate_runs(servers, CONFIGS, ["ping", "set", "get"], opts)
    finally:
        stop_all(servers)
    tests = sorted({t for (_, t, _) in runs}, key=["PING_INLINE", "PING_MBULK", "SET", "GET"].index)
    rows = median_rows(runs, CONFIGS, tests, OPS_TARGET)
    for label, _, p in CONFIGS:
        rows.append(Row(f"server CPU µs/request {label}",
                        statistics.median(cpu[(label, "ours")]), statistics.median(cpu[(label, "redis")]),
                        ("ratio", "<=", 1.0) if p == 16 else None))
    return rows


GEO_MEMBERS = 10000


def load_geo_set(port, key="geo10k", n=GEO_MEMBERS, seed=1):
    """GEOADDs n points spread over lon 5..25, lat 35..55 (so a 200 km search around (15, 45)
    finds a few hundred of them and looks at a few thousand)."""
    rnd = random.Random(seed)
    c = Conn(port, timeout=120)
    for start in range(0, n, 500):
        args = ["GEOADD", key]
        for i in range(start, min(n, start + 500)):
            args += [f"{rnd.uniform(5, 25):.6f}", f"{rnd.uniform(35, 55):.6f}", f"p:{i}"]
        reply = c.pipeline(encode(*args), 1)[0]
        if not isinstance(reply, int):
            raise RuntimeError(f"GEOADD failed: {reply}")
    c.close()


def measure_types(opts):
    """redis-benchmark's list, set and hash tests, the HyperLogLog commands, GEOADD and
    GEOSEARCH: median ops/s and p99 at -c 50 -P 1 and -P 16."""
    configs = CONFIGS[:2]
    servers = start_pair()
    try:
        for srv in servers.values():
            load_geo_set(srv.port)
        runs, _ = alternate_runs(servers, configs, [*TYPE_TESTS, *CUSTOM_TESTS], opts)
    finally:
        stop_all(servers)
    tests = list(dict.fromkeys(t for (_, t, _) in runs))  # first-seen order, as run
    return median_rows(runs, configs, tests, {label: 1.0 for label, _, _ in configs})


# ---------------------------------------------------------------- TLS

def measure_tls(opts):
    """Median SET/GET ops/s over TLS, each server on its own tls-port, rounds alternated."""
    ca, crt, key = (os.path.join(TLS_DIR, f) for f in ("ca.crt", "server.crt", "server.key"))
    ccrt, ckey = os.path.join(TLS_DIR, "client.crt"), os.path.join(TLS_DIR, "client.key")
    servers, tls_ports = {}, {}
    try:
        for name, binary in (("ours", CREDIS), ("redis", REDIS_SERVER)):
            tls_ports[name] = free_port()
            servers[name] = Server(name, binary, ["--tls-port", str(tls_ports[name]),
                                                  "--tls-cert-file", crt, "--tls-key-file", key,
                                                  "--tls-ca-cert-file", ca])
        extra = ["--tls", "--cacert", ca, "--cert", ccrt, "--key", ckey]
        runs = {}
        for rnd in range(opts.rounds):
            for label, c, p in CONFIGS[:2]:
                for name in (["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]):
                    result, _ = redis_benchmark(tls_ports[name], "set,get", opts.requests, c, p,
                                                extra=extra)
                    servers[name].check_alive()
                    for test, r in result.items():
                        runs.setdefault((label, test, name), []).append(r["rps"])
                    log(f"  round {rnd + 1} TLS {label:12} {name:5} " +
                        " ".join(f"{t}={r['rps']:,.0f}/s" for t, r in result.items()))
    finally:
        stop_all(servers)
    rows = []
    for label, _, _ in CONFIGS[:2]:
        for test in ("SET", "GET"):
            med = {n: statistics.median(runs[(label, test, n)]) for n in ("ours", "redis")}
            rows.append(Row(f"TLS ops/s {test} {label}", med["ours"], med["redis"],
                            ("ratio", ">=", 1.0)))
    return rows


# ---------------------------------------------------------------- memory

def measure_memory(opts):
    """RSS bytes per key over the empty server after loading opts.keys 16-byte/32-byte keys."""
    per_key = {}
    for name, srv in start_pair().items():
        try:
            empty = srv.rss()
            took = mset_load(srv.port, opts.keys)
            c = Conn(srv.port)
            size = c.call("DBSIZE")
            c.close()
            if size != opts.keys:
                raise RuntimeError(f"{name}: DBSIZE {size} after loading {opts.keys} keys")
            full = srv.rss()
            per_key[name] = (full - empty) / opts.keys
            log(f"  {name:5} empty RSS {empty / 2**20:.1f} MiB, with {opts.keys:,} keys "
                f"{full / 2**20:.1f} MiB ({per_key[name]:.1f} B/key), load {took:.2f}s")
        finally:
            srv.stop()
    return [Row(f"memory bytes/key ({opts.keys:,} keys, 16 B key, 32 B value)",
                per_key["ours"], per_key["redis"], ("ratio", "<=", 1.0))]


# ---------------------------------------------------------------- idle connections

def measure_idle(opts):
    """RSS growth per idle connection: opts.conns sockets, one PING/PONG each, kept open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = opts.conns + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY
                                                    else want, hard))
    per_conn = {}
    for name, srv in start_pair().items():
        socks = []
        try:
            base = srv.rss()
            for _ in range(opts.conns):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                if not s.recv(16).startswith(b"+PONG"):
                    raise RuntimeError(f"{name}: no PONG on connection {len(socks)}")
                socks.append(s)
            grown = srv.rss()
            per_conn[name] = (grown - base) / opts.conns
            log(f"  {name:5} RSS {base / 2**20:.1f} MiB -> {grown / 2**20:.1f} MiB with "
                f"{opts.conns} idle connections ({per_conn[name]:,.0f} B/conn)")
        finally:
            for s in socks:
                s.close()
            srv.stop()
    return [Row(f"memory bytes/idle connection ({opts.conns} conns)",
                per_conn["ours"], per_conn["redis"], ("ratio", "<=", 1.1))]


# ---------------------------------------------------------------- active expiry

def benchmark_loop(port, until, n, out):
    """redis-benchmark GET runs back to back until monotonic() >= until; appends (n, rps)."""
    while time.monotonic() < until:
        result, _ = redis_benchmark(port, "get", n, 50, 1, keyspace=1000000)
        out.append((n, result["GET"]["rps"]))


def loop_rps(runs):
    """Aggregate ops/s of several runs: total requests / total time."""
    return sum(n for n, _ in runs) / sum(n / r for n, r in runs) if runs else None


def load_expiring(port, n, window, lead):
    """SET k v PX t for n keys whose deadlines fall uniformly in [T0, T0 + window], T0 = now +
    lead. Deadline recorded per key = batch send time + t. Returns (deadlines, T0, load end)."""
    rng = random.Random(7)
    c = Conn(port, timeout=120)
    vpad = b"x" * 20
    t0 = time.monotonic() + lead
    deadlines = []
    batch = 1000
    for i in range(0, n, batch):
        sent = time.monotonic()
        parts = []
        for k in range(i, min(n, i + batch)):
            t_ms = max(1, round((t0 + rng.random() * window - sent) * 1000))
            deadlines.append(sent + t_ms / 1000)
            ttl = b"%d" % t_ms
            parts.append(b"*5\r\n$3\r\nSET\r\n$16\r\ne:%014d\r\n$32\r\n%012d%s\r\n$2\r\nPX\r\n$%d\r\n%s\r\n"
                         % (k, k, vpad, len(ttl), ttl))
        c.expect_ok(b"".join(parts), len(parts))
    done = time.monotonic()
    c.close()
    return deadlines, t0, done


def lateness(deadlines, polls):
    """Lateness (s) per key, assuming keys go in deadline order: the k-th deadline's key counts
    as removed at the first poll with removed >= k. Keys never seen removed get the last poll."""
    deadlines = sorted(deadlines)
    n, k, out = len(deadlines), 0, []
    for t, size in polls:
        removed = n - size
        while k < removed:
            out.append(t - deadlines[k])
            k += 1
    last = polls[-1][0]
    out += [last - d for d in deadlines[k:]]
    return sorted(out), n - k


def pct(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def expiry_one(srv, opts):
    base = []  # throughput without expiry: half the window before the load, half after expiry
    benchmark_loop(srv.port, time.monotonic() + opts.expiry_window / 2, opts.bench_requests, base)
    deadlines, t0, loaded = load_expiring(srv.port, opts.keys, opts.expiry_window, opts.expiry_lead)
    last = max(deadlines)
    if loaded > min(deadlines):
        log(f"  warning: {srv.name}: load ended {loaded - min(deadlines):.2f}s after the first "
            f"deadline; raise --expiry-lead (early keys' lateness includes load time)")
    during, errors = [], []

    def bench_during_expiry():
        time.sleep(max(0.0, t0 - time.monotonic()))
        try:
            benchmark_loop(srv.port, last, opts.bench_requests, during)
        except Exception as e:
            errors.append(e)

    bench = threading.Thread(target=bench_during_expiry)
    bench.start()
    c = Conn(srv.port)
    polls = []
    cap = last + 30
    while True:
        c.sock.sendall(b"*1\r\n$6\r\nDBSIZE\r\n")
        size = c.read_reply()
        now = time.monotonic()
        polls.append((now, size))
        if size == 0 or now > cap:
            break
        time.sleep(0.002)
    c.close()
    bench.join()
    srv.check_alive()
    if errors:
        raise errors[0]
    benchmark_loop(srv.port, time.monotonic() + opts.expiry_window / 2, opts.bench_requests, base)
    lat, unremoved = lateness(deadlines, polls)
    res = {"p50": pct(lat, 0.5) * 1e3, "p99": pct(lat, 0.99) * 1e3, "max": lat[-1] * 1e3,
           "frac": ratio(loop_rps(during), loop_rps(base))}
    log(f"  {srv.name:5} load {loaded - (t0 - opts.expiry_lead):.2f}s (lead {opts.expiry_lead}s), "
        f"{len(polls)} polls, lateness p50 {res['p50']:.1f} ms p99 {res['p99']:.1f} ms "
        f"max {res['max']:.1f} ms" + (f", {unremoved} keys never removed" if unremoved else "") +
        f"; GET {fmt(loop_rps(during))}/s during expiry ({len(during)} runs) vs "
        f"{fmt(loop_rps(base))}/s before and after ({len(base)} runs)")
    return res


def measure_expiry(opts):
    res = {}
    for name, srv in start_pair().items():
        try:
            res[name] = expiry_one(srv, opts)
        finally:
            srv.stop()
    label = f"({opts.keys:,} keys over {opts.expiry_window:g}s)"
    o, r = res["ours"], res["redis"]
    return [Row(f"expiry lateness p50 ms {label}", o["p50"], r["p50"]),
            Row(f"expiry lateness p99 ms {label}", o["p99"], r["p99"], ("ours", "<=", 50), "ms"),
            Row(f"expiry lateness max ms {label}", o["max"], r["max"]),
            Row("GET throughput during expiry / without", o["frac"], r["frac"], ("ours", ">=", 0.9))]


# ---------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 20,000 requests, 1 round, 100,000 keys, 4 s expiry window")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--pin", action="store_true",
                    help="servers on core 0, redis-benchmark on core 1 (steadier on 2 cores)")
    ap.add_argument("--rounds", type=int, help="throughput rounds (default 3; --quick 1)")
    ap.add_argument("--requests", type=int, help="redis-benchmark -n (default 200000)")
    ap.add_argument("--keys", type=int, help="keys for memory and expiry (default 1000000)")
    ap.add_argument("--conns", type=int, default=1000, help="idle connections (default 1000)")
    ap.add_argument("--expiry-window", type=float, help="seconds the TTLs spread over (default 10)")
    ap.add_argument("--expiry-lead", type=float,
                    help="seconds from load start to the first deadline (default: 1 + 6 µs per key)")
    ap.add_argument("--bench-requests", type=int, default=20000,
                    help="redis-benchmark -n of each GET run in the expiry section (default 20000)")
    opts = ap.parse_args(argv)
    q = opts.quick
    opts.rounds = opts.rounds or (1 if q else 3)
    opts.requests = opts.requests or (20000 if q else 200000)
    opts.keys = opts.keys or (100000 if q else 1000000)
    opts.expiry_window = opts.expiry_window or (4.0 if q else 10.0)
    opts.expiry_lead = opts.expiry_lead or round(1 + opts.keys * 6e-6, 1)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    if opts.pin:
        pin_cores()
    measures = {"throughput": measure_throughput, "types": measure_types, "memory": measure_memory,
                "idle": measure_idle, "expiry": measure_expiry, "tls": measure_tls}
    notes = []
    if "expiry" in opts.only:
        notes.append("Expiry lateness assumes keys are removed in deadline order (removed = N - DBSIZE "
                     "at each poll, poll time = reply receipt); Redis removes by random sampling, so "
                     "its figures are a lower bound.")
    return run_sections(opts, SECTIONS, measures, notes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
