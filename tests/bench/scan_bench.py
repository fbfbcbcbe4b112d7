#!/usr/bin/python3
"""SCAN and KEYS over an unchanged keyspace, credis vs redis-server 7.0 (persistence off), both
started here on free loopback ports and MSET-loaded with K keys (16-byte keys, 32-byte values).

Sections (run all, or pick with --only):
  scan   a full SCAN iteration (cursor 0 until it comes back to 0) at COUNT 10, 100 and 1000,
         one connection, each call waiting for its reply (as redis-cli --scan does): seconds,
         and the keys returned must equal K
  keys   KEYS * (every key in one reply) and KEYS with a pattern that matches one key in ten
Alternating rounds (ours first in odd rounds), medians; --baseline BINARY adds the same rows for
another credis build (e.g. the commit before a change) so a change is measured before/after.
Prints one markdown table (and writes it to --out FILE); ratio is ours/redis, lower is better.
"""
import argparse
import statistics
import sys
import time

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from common import (CREDIS, REDIS_SERVER, Conn, Server, check_binaries, encode, log, mset_load,
                    parse_only, run_sections)
from bench import Row

SECTIONS = ["scan", "keys"]
COUNTS = [10, 100, 1000]


def full_scan(port, count):
    """Seconds for one full iteration; checks every key came back at least once."""
    c = Conn(port, timeout=120)
    try:
        seen, cursor = set(), b"0"
        t0 = time.perf_counter()
        while True:
            cursor, keys = c.pipeline(encode("SCAN", cursor, "COUNT", str(count)), 1)[0]
            seen.update(keys)
            if cursor == b"0":
                break
        return time.perf_counter() - t0, len(seen)
    finally:
        c.close()


def timed_keys(port, pattern):
    c = Conn(port, timeout=120)
    try:
        t0 = time.perf_counter()
        reply = c.pipeline(encode("KEYS", pattern), 1)[0]
        return time.perf_counter() - t0, len(reply)
    finally:
        c.close()


def start_servers(opts):
    binaries = {"ours": CREDIS, "redis": REDIS_SERVER}
    if opts.baseline:
        binaries["baseline"] = opts.baseline
    servers = {}
    for name, binary in binaries.items():
        servers[name] = s = Server(name, binary)
        mset_load(s.port, opts.keys)
    return servers


def measure(opts, cases):
    """cases: [(label, fn(port) -> (seconds, items), expected items)] -> rows."""
    servers = start_servers(opts)
    times = {(label, name): [] for label, _, _ in cases for name in servers}
    try:
        for rnd in range(opts.rounds):
            order = list(servers) if rnd % 2 == 0 else list(reversed(servers))
            for label, fn, expected in cases:
                for name in order:
                    took, items = fn(servers[name].port)
                    if items != expected:
                        raise RuntimeError(f"{name} {label}: {items} keys, expected {expected}")
                    times[(label, name)].append(took)
                    log(f"  round {rnd + 1} {name:8} {label}: {took:.3f}s")
    finally:
        for s in servers.values():
            s.stop()
    rows = []
    for label, _, _ in cases:
        med = {name: statistics.median(times[(label, name)]) for name in servers}
        rows.append(Row(f"{label} s", med["ours"], med["redis"]))
        if "baseline" in med:
            rows.append(Row(f"{label} s, ours vs baseline (in the redis column)", med["ours"],
                            med["baseline"], ("ratio", "<=", 1.05)))
    return rows


def measure_scan(opts):
    return measure(opts, [(f"full SCAN of {opts.keys:,} keys, COUNT {n}",
                           lambda port, n=n: full_scan(port, n), opts.keys) for n in COUNTS])


def measure_keys(opts):
    tenth = len([i for i in range(opts.keys) if str(i).endswith("7")])
    return measure(opts, [(f"KEYS * over {opts.keys:,} keys", lambda p: timed_keys(p, "*"),
                           opts.keys),
                          ("KEYS *7 (one key in ten)", lambda p: timed_keys(p, "*7"), tenth)])


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 round, 100,000 keys")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections: " + ",".join(SECTIONS))
    ap.add_argument("--keys", type=int, help="keys loaded (default 1000000)")
    ap.add_argument("--rounds", type=int, help="rounds (default 3; --quick 1)")
    ap.add_argument("--baseline", help="another credis-server binary to compare with")
    ap.add_argument("--out", help="also write the final table to this file")
    opts = ap.parse_args(argv)
    opts.rounds = opts.rounds or (1 if opts.quick else 3)
    opts.keys = opts.keys or (100000 if opts.quick else 1000000)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    return run_sections(opts, SECTIONS, {"scan": measure_scan, "keys": measure_keys},
                        ["ratio is ours/redis (times: lower is better); the baseline rows put "
                         "the --baseline build in the redis column."])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
