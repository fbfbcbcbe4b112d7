#!/usr/bin/python3
"""Server CPU and latency under paced load, credis vs redis-server 7.0 (persistence off), both
started here on free loopback ports. redis-benchmark cannot pace itself, so the load comes from
paced_load.c (compiled here with cc), one process, one thread.

Sections (run all, or pick with --only):
  think  C clients that each send a PING, wait for the reply, pause about P (drawn between P/2
         and 3P/2, so clients answered in one burst do not go on in step), and again (a lightly
         used server): C = 1, 4, 16, 64 and P = 1 ms and 100 µs; server CPU (time on a CPU of all
         threads, /proc/<pid>/task/*/schedstat) per request over the run, and p99 latency
  rate   open loop: PINGs on a fixed schedule over 50 connections at 10%, 50% and 90% of
         redis-server's capacity (its redis-benchmark -t ping -c 50 rate, measured first);
         latency from each request's scheduled time (no coordinated omission): p99, and CPU per
         request
Rounds alternate which server goes first (use an even number for a fair share). The table gives
each server's median and, as the ratio, the median of the rounds' ratios: the two servers of a
round run back to back, so a round's ratio holds while this shared machine's speed drifts
(2.5 times within one day here), which a ratio of medians over all rounds does not. Prints one
markdown table (and writes it to --out FILE); ratio is ours/redis, lower is better in every row.

--floor also runs floor_server.c in each round (answers PONG and nothing else; on epoll, and on
io_uring where liburing is installed) and lists its medians under the table: what any server's
request costs this machine's kernel, the part neither server can cut.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from common import (Server, check_binaries, log, parse_only, pin_cores, run_sections, start_pair,
                    stop_all)
from bench import Row, redis_benchmark

HERE = os.path.dirname(os.path.abspath(__file__))
SECTIONS = ["think", "rate"]
THINK = [(c, p) for p in (1000, 100) for c in (1, 4, 16, 64)]  # (clients, pause µs)
RATE_SHARES = [0.1, 0.5, 0.9]
RATE_CLIENTS = 50


def compile_c(name, *flags):
    """Builds tests/bench/<name>.c into a temporary folder; returns the binary's path."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError(f"no C compiler (cc) to build {name}.c")
    out = os.path.join(tempfile.mkdtemp(prefix=f"{name}-"), name)
    subprocess.run([cc, "-O2", "-o", out, os.path.join(HERE, f"{name}.c"), *flags], check=True,
                   capture_output=True)
    return out


def start_floors():
    """{'floor epoll': ..., 'floor io_uring': ...}: the io_uring one only where liburing builds."""
    try:
        binary, ios = compile_c("floor_server", "-DFLOOR_URING", "-luring"), ["epoll", "uring"]
    except subprocess.CalledProcessError:
        binary, ios = compile_c("floor_server"), ["epoll"]
        log("  floor_server without io_uring (no liburing-dev)")
    return {f"floor {'io_uring' if io == 'uring' else io}": Server("floor", binary, ["--io", io])
            for io in ios}


def run_load(gen, srv, clients, seconds, mode, value):
    """(requests, p99 µs, server CPU µs per request)."""
    before = srv.cpu()
    res = subprocess.run([gen, str(srv.port), str(clients), str(seconds), mode, str(value)],
                         capture_output=True, text=True, timeout=seconds + 60)
    used = srv.cpu() - before
    srv.check_alive()
    if res.returncode != 0:
        raise RuntimeError(f"paced_load failed: {res.stderr.strip()[-300:]}")
    f = res.stdout.split()
    n, p99 = int(f[1]), float(f[5])
    return n, p99, used / max(n, 1) * 1e6


def measure(opts, cases):
    """cases: [(label, clients, mode, value)] -> rows of CPU per request and p99."""
    gen = compile_c("paced_load")
    servers = start_pair()
    floors = start_floors() if opts.floor else {}
    servers.update(floors)
    got = {}
    try:
        for rnd in range(opts.rounds):
            for label, clients, mode, value in cases:
                names = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
                for name in names + list(floors):
                    n, p99, cpu = run_load(gen, servers[name], clients, opts.seconds, mode, value)
                    got.setdefault((label, name), []).append((cpu, p99, n))
                    log(f"  round {rnd + 1} {label:28} {name:5} {n / opts.seconds:9,.0f} req/s "
                        f"cpu {cpu:6.1f} µs/req p99 {p99:8.1f} µs")
    finally:
        stop_all(servers)
    rows = []
    for label, _, _, _ in cases:
        runs = {name: got[(label, name)] for name in ("ours", "redis")}
        med = {name: [statistics.median(x[i] for x in runs[name]) for i in range(3)]
               for name in runs}

        def paired(i):
            return statistics.median(o[i] / r[i] for o, r in zip(runs["ours"], runs["redis"]))

        rate = f"{med['redis'][2] / opts.seconds:,.0f} req/s"
        rows.append(Row(f"server CPU µs/request, {label} ({rate})", med["ours"][0],
                        med["redis"][0], ("ratio", "<=", 1.0), paired_ratio=paired(0)))
        rows.append(Row(f"p99 µs, {label}", med["ours"][1], med["redis"][1], ("ratio", "<=", 1.0),
                        paired_ratio=paired(1)))
        floor_medians = [(f, [statistics.median(x[i] for x in got[(label, f)]) for i in (0, 1)])
                         for f in floors]
        if floor_medians:
            opts.notes.append(f"{label}: CPU µs/request, p99 µs: ours {med['ours'][0]:.1f}, "
                              f"{med['ours'][1]:.0f}; redis {med['redis'][0]:.1f}, "
                              f"{med['redis'][1]:.0f}; " + "; ".join(
                                  f"{f} {cpu:.1f}, {p99:.0f}" for f, (cpu, p99) in floor_medians))
    return rows


def measure_think(opts):
    return measure(opts, [(f"{c} clients, {p} µs pause", c, "think", p) for c, p in THINK])


def measure_rate(opts):
    servers = start_pair()
    try:
        result, _ = redis_benchmark(servers["redis"].port, "ping", 200000, RATE_CLIENTS, 1)
    finally:
        stop_all(servers)
    capacity = result["PING_MBULK"]["rps"]
    log(f"  redis-server capacity: {capacity:,.0f} PING/s at -c {RATE_CLIENTS}")
    return measure(opts, [(f"open loop {int(s * 100)}% of {capacity:,.0f}/s", RATE_CLIENTS,
                           "rate", round(capacity * s)) for s in RATE_SHARES])


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 round of 3 s runs")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections: " + ",".join(SECTIONS))
    ap.add_argument("--rounds", type=int, help="rounds (default 4; --quick 1)")
    ap.add_argument("--seconds", type=float, help="seconds per run (default 6; --quick 3)")
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--pin", action="store_true",
                    help="servers on core 0, the load generator on core 1 (steadier on 2 cores)")
    ap.add_argument("--floor", action="store_true",
                    help="also measure floor_server.c (PONG and nothing else) in each round")
    opts = ap.parse_args(argv)
    # Printed under the table: the floor's medians are added as the sections run.
    opts.notes = ["ratio is ours/redis; lower is better in every row."]
    opts.rounds = opts.rounds or (1 if opts.quick else 4)
    opts.seconds = opts.seconds or (3 if opts.quick else 6)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    if opts.pin:
        pin_cores()
    return run_sections(opts, SECTIONS, {"think": measure_think, "rate": measure_rate},
                        opts.notes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
