#!/usr/bin/python3
"""Lists, hashes, sets and sorted sets: memory per element and work on large keys, credis vs
redis-server 7.0 (persistence off), both started here on free loopback ports.

Sections (run all, or pick with --only):
  memory  a fresh pair of servers per case: VmRSS once ready, then after loading (pipelined
          RPUSH / HSET / SADD / ZADD of 1000 elements per command) either one key of N elements
          (default 1,000,000) or N/10 keys of 10 elements each (the compact encodings: listpack,
          intset-free listpack sets are hash tables in 7.0); bytes per element = RSS growth / N,
          RSS read once it stayed the same for 100 ms after the load's connection closed (at
          most 2 s). Elements are "element:<i>" (hash values "value:<i>", zset scores i)
  large   one server pair holding a 1M-element list, a 1M-member sorted set and two 100k sets
          (half shared); redis-benchmark -c 50 -P 1 of LINDEX at the middle, ZRANGE of 10 by
          rank at the middle, ZADD of new members at the middle score (-r 1000000), ZRANK of a
          middle member and SINTER of the two sets (fewer requests); alternating rounds, medians
Prints one markdown table (ours | redis | ratio) and writes it to --out FILE.
"""
import argparse
import statistics
import sys

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from bench import Row, redis_benchmark
from common import Conn, check_binaries, encode, log, parse_only, run_sections, start_pair, stop_all

SECTIONS = ["memory", "large"]
TYPES = ["list", "hash", "set", "zset"]


def load_command(kind, key, first, count):
    """One command adding elements first..first+count-1 to `key`."""
    if kind == "list":
        return encode("RPUSH", key, *[f"element:{i}" for i in range(first, first + count)])
    if kind == "set":
        return encode("SADD", key, *[f"element:{i}" for i in range(first, first + count)])
    args = []
    for i in range(first, first + count):
        args += [f"element:{i}", f"value:{i}"] if kind == "hash" else [str(i), f"element:{i}"]
    return encode("HSET" if kind == "hash" else "ZADD", key, *args)


def load(port, kind, elements, per_key, per_cmd=1000, cmds_per_trip=16):
    """Loads `elements` elements into keys of `per_key` elements each."""
    c = Conn(port)
    cmds = []
    for first in range(0, elements, per_key):
        key = f"{kind}:{first // per_key}"
        for start in range(first, first + per_key, per_cmd):
            cmds.append(load_command(kind, key, start, min(per_cmd, first + per_key - start)))
    for i in range(0, len(cmds), cmds_per_trip):
        trip = cmds[i:i + cmds_per_trip]
        for reply in c.pipeline(b"".join(trip), len(trip)):
            if not isinstance(reply, int):
                raise RuntimeError(f"load failed: {reply}")
    c.close()


def measure_memory(opts):
    rows = []
    for kind in TYPES:
        for per_key, label in ((opts.elements, f"one key of {opts.elements:,}"),
                               (10, f"{opts.elements // 10:,} keys of 10")):
            per_element = {}
            servers = start_pair()
            try:
                for name, srv in servers.items():
                    empty = srv.rss()
                    load(srv.port, kind, opts.elements, per_key)
                    per_element[name] = (srv.settled_rss() - empty) / opts.elements
                    log(f"  {kind:4} {label:22} {name:5} {per_element[name]:.1f} B/element")
            finally:
                stop_all(servers)
            rows.append(Row(f"memory bytes/element {kind}, {label}", per_element["ours"],
                            per_element["redis"], ("ratio", "<=", 1.0)))
    return rows


LARGE_TESTS = [
    # (label, requests divisor, command)
    ("LINDEX middle of a 1M list", 1, ["LINDEX", "list:0", "500000"]),
    ("ZRANGE 10 by rank, middle of a 1M zset", 1, ["ZRANGE", "zset:0", "500000", "500009"]),
    ("ZADD at the middle score of a 1M zset", 1, ["ZADD", "zset:0", "500000", "new:__rand_int__"]),
    ("ZRANK of a middle member of a 1M zset", 1, ["ZRANK", "zset:0", "element:500000"]),
    ("SINTER of two 100k sets", 200, ["SINTER", "set:0", "set:1"]),
]


def measure_large(opts):
    servers = start_pair()
    runs = {}
    try:
        for name, srv in servers.items():
            load(srv.port, "list", 1_000_000, 1_000_000)
            load(srv.port, "zset", 1_000_000, 1_000_000)
            c = Conn(srv.port)
            for key, offset in (("set:0", 0), ("set:1", 50_000)):
                for start in range(0, 100_000, 1000):
                    c.call("SADD", key, *[f"element:{offset + i}" for i in range(start, start + 1000)])
            c.close()
        for rnd in range(opts.rounds):
            for label, divisor, command in LARGE_TESTS:
                names = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
                for name in names:
                    result, _ = redis_benchmark(servers[name].port, "x", opts.requests // divisor,
                                                50, 1, keyspace=1_000_000, extra=command)
                    servers[name].check_alive()
                    rps = next(iter(result.values()))["rps"]
                    runs.setdefault((label, name), []).append(rps)
                    log(f"  round {rnd + 1} {label:42} {name:5} {rps:,.0f}/s")
    finally:
        stop_all(servers)
    return [Row(f"ops/s {label}", statistics.median(runs[(label, "ours")]),
                statistics.median(runs[(label, "redis")]), ("ratio", ">=", 1.0))
            for label, _, _ in LARGE_TESTS]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--elements", type=int, default=1_000_000, help="elements per memory case")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100_000, help="redis-benchmark -n")
    opts = ap.parse_args(argv)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    return run_sections(opts, SECTIONS, {"memory": measure_memory, "large": measure_large})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
