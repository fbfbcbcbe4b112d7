#!/usr/bin/python3
"""Streams: throughput of the stream commands and memory per entry, credis vs redis-server 7.0
(persistence off), both started here on free loopback ports.

Sections (run all, or pick with --only):
  throughput  one server pair; redis-benchmark -c 50 -P 1 (XADD also at -P 16) of
                XADD <key> * f v                    appends to a growing stream
                XADD <key> MAXLEN ~ 1000 * f v      appends and trims whole nodes
                XRANGE s100 - +                     the 100 entries of a prefilled stream
                XRANGE s100 - + COUNT 10, XREVRANGE s100 + - COUNT 10, XLEN s100
                XREAD COUNT 10 STREAMS s100 0-0
                GET nokey                           a control: no stream work at all
                XREADGROUP GROUP g<r> c COUNT 1 STREAMS rg >   one new entry per call from a
                                                    prefilled stream (a fresh group each round)
                XACK rg g<r> <random ID>            after that round's XREADGROUP run, IDs
                                                    <n>-0 with n random (-r), most pending
              alternating rounds (server order swapped each round), medians of ops/s
  memory      a fresh pair: INFO memory used_memory and VmRSS before and after 1,000,000
              (--entries) XADDs of one small pair (f v) to one stream, pipelined 1,000 a trip;
              IDs are explicit, <1e12 + i // 10>-<i % 10> (ten entries a millisecond), so both
              servers store the same nodes whatever their clocks; bytes per entry = growth / N,
              and MEMORY USAGE of the stream key / N
Prints one markdown table (ours | redis | ratio) and writes it to --out FILE.
"""
import argparse
import statistics
import sys

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from bench import Row, redis_benchmark
from common import Conn, RespError, check_binaries, encode, log, parse_only, run_sections, \
    start_pair, stop_all

SECTIONS = ["throughput", "memory"]
CLIENTS = 50

# (label, pipeline, requests divisor, command); "{r}" is the round's number (group names).
SIMPLE_TESTS = [
    ("XADD * f v", 1, 1, ["XADD", "xadd", "*", "f", "v"]),
    ("XADD * f v (-P 16)", 16, 1, ["XADD", "xadd16", "*", "f", "v"]),
    ("XADD MAXLEN ~ 1000 * f v", 1, 1, ["XADD", "xcap", "MAXLEN", "~", "1000", "*", "f", "v"]),
    ("XRANGE of 100 entries (s - +)", 1, 2, ["XRANGE", "s100", "-", "+"]),
    ("XRANGE - + COUNT 10", 1, 1, ["XRANGE", "s100", "-", "+", "COUNT", "10"]),
    ("XREVRANGE + - COUNT 10", 1, 1, ["XREVRANGE", "s100", "+", "-", "COUNT", "10"]),
    ("XLEN", 1, 1, ["XLEN", "s100"]),
    ("XREAD COUNT 10 STREAMS s 0-0", 1, 1, ["XREAD", "COUNT", "10", "STREAMS", "s100", "0-0"]),
    ("GET of a missing key (control)", 1, 1, ["GET", "nokey"]),
]
GROUP_TESTS = ["XREADGROUP COUNT 1 > (new entries)", "XACK of a random ID"]


def call(conn, *args):
    reply = conn.pipeline(encode(*args), 1)[0]
    if isinstance(reply, RespError):
        raise RuntimeError(f"{args[0]} failed: {reply}")
    return reply


def xadd_load(port, key, count, id_of, fields=("f", "v"), per_trip=1000):
    """Appends `count` entries to `key` with explicit IDs id_of(i), pipelined."""
    c = Conn(port, timeout=300)
    for start in range(0, count, per_trip):
        n = min(per_trip, count - start)
        payload = b"".join(encode("XADD", key, id_of(i), *fields) for i in range(start, start + n))
        for reply in c.pipeline(payload, n):
            if not isinstance(reply, bytes):
                raise RuntimeError(f"XADD failed: {reply}")
    c.close()


def supports_streams(port):
    c = Conn(port)
    try:
        reply = c.pipeline(encode("XADD", "__probe__", "1-1", "a", "b"), 1)[0]
        c.call("DEL", "__probe__")
    finally:
        c.close()
    return not isinstance(reply, RespError)


def one_run(srv, pipeline, n, command, keyspace):
    result, _ = redis_benchmark(srv.port, "x", n, CLIENTS, pipeline, keyspace=keyspace,
                                extra=command)
    srv.check_alive()
    return next(iter(result.values()))["rps"]


def measure_throughput(opts):
    servers = start_pair()
    runs = {}
    n = opts.requests
    try:
        for name, srv in servers.items():
            if not supports_streams(srv.port):
                raise RuntimeError(f"{name} does not know XADD")
            xadd_load(srv.port, "s100", 100, lambda i: f"{i + 1}-0", ("field", "value"))
            # enough entries for every round's XREADGROUP run (n new entries each)
            xadd_load(srv.port, "rg", n, lambda i: f"{i + 1}-0")
        for rnd in range(opts.rounds):
            names = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
            for label, pipeline, divisor, command in SIMPLE_TESTS:
                for name in names:
                    rps = one_run(servers[name], pipeline, n // divisor, command, 100000)
                    runs.setdefault((label, name), []).append(rps)
                    log(f"  round {rnd + 1} {label:34} {name:5} {rps:,.0f}/s")
            group = f"g{rnd + 1}"
            for name in names:
                srv = servers[name]
                c = Conn(srv.port)
                call(c, "XGROUP", "CREATE", "rg", group, "0")
                c.close()
                read = ["XREADGROUP", "GROUP", group, "c", "COUNT", "1", "STREAMS", "rg", ">"]
                ack = ["XACK", "rg", group, "__rand_int__-0"]
                for label, command in zip(GROUP_TESTS, (read, ack)):
                    rps = one_run(srv, 1, n, command, n)
                    runs.setdefault((label, name), []).append(rps)
                    log(f"  round {rnd + 1} {label:34} {name:5} {rps:,.0f}/s")
                c = Conn(srv.port)
                pending = call(c, "XPENDING", "rg", group)[0]
                call(c, "XGROUP", "DESTROY", "rg", group)
                c.close()
                log(f"  round {rnd + 1} {'(left pending after XACK)':34} {name:5} {pending:,}")
    finally:
        stop_all(servers)
    labels = [t[0] for t in SIMPLE_TESTS] + GROUP_TESTS
    return [Row(f"ops/s {label}", statistics.median(runs[(label, "ours")]),
                statistics.median(runs[(label, "redis")]), ("ratio", ">=", 1.0))
            for label in labels]


def used_memory(port):
    c = Conn(port)
    info = c.call("INFO", "memory").decode()
    c.close()
    for line in info.splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":", 1)[1])
    raise RuntimeError("no used_memory in INFO memory")


def measure_memory(opts):
    n = opts.entries
    per_entry, per_entry_rss, usage = {}, {}, {}
    servers = start_pair()
    try:
        for name, srv in servers.items():
            if not supports_streams(srv.port):
                raise RuntimeError(f"{name} does not know XADD")
            used0, rss0 = used_memory(srv.port), srv.rss()
            xadd_load(srv.port, "mem", n, lambda i: f"{10**12 + i // 10}-{i % 10}")
            used1, rss1 = used_memory(srv.port), srv.rss()
            c = Conn(srv.port)
            length = c.call("XLEN", "mem")
            mu = c.call("MEMORY", "USAGE", "mem")
            c.close()
            if length != n:
                raise RuntimeError(f"{name}: XLEN is {length}, not {n}")
            per_entry[name] = (used1 - used0) / n
            per_entry_rss[name] = (rss1 - rss0) / n
            usage[name] = mu / n if isinstance(mu, int) else None
            log(f"  {name:5} used_memory +{used1 - used0:,} B ({per_entry[name]:.2f} B/entry), "
                f"RSS +{rss1 - rss0:,} B ({per_entry_rss[name]:.2f} B/entry), "
                f"MEMORY USAGE {mu:,} B ({usage[name]:.2f} B/entry)")
    finally:
        stop_all(servers)
    label = f"{n:,} entries of f v"
    return [Row(f"bytes/entry used_memory growth, {label}", per_entry["ours"], per_entry["redis"],
                ("ratio", "<=", 1.0)),
            Row(f"bytes/entry RSS growth, {label}", per_entry_rss["ours"], per_entry_rss["redis"],
                ("ratio", "<=", 1.0)),
            Row(f"bytes/entry MEMORY USAGE, {label}", usage["ours"], usage["redis"])]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100_000, help="redis-benchmark -n")
    ap.add_argument("--entries", type=int, default=1_000_000, help="entries for the memory case")
    ap.add_argument("--quick", action="store_true",
                    help="1 round, a fifth of the requests and a tenth of the entries")
    opts = ap.parse_args(argv)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    if opts.quick:
        opts.rounds, opts.requests, opts.entries = 1, opts.requests // 5, opts.entries // 10
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    return run_sections(opts, SECTIONS, {"throughput": measure_throughput,
                                         "memory": measure_memory})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
