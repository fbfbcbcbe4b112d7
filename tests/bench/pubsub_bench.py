#!/usr/bin/python3
"""Pub/Sub fan-out: messages delivered per second by credis vs redis-server 7.0 (persistence
off), both started here on free loopback ports.

For 1, 100 and 1,000 subscribers (one connection each, all on channel "bench", read by a
separate process that counts bytes) redis-benchmark publishes M messages of 32 bytes
(PUBLISH bench <payload>, -c 10 -P 16; M = 200,000 / 20,000 / 3,000); the time runs from the
first PUBLISH until every subscriber has every message, and the rate is subscribers x M / time.
Rounds alternate the servers; the table has medians.
Prints one markdown table (ours | redis | ratio) and writes it to --out FILE.
"""
import argparse
import multiprocessing
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from bench import Row
from common import REDIS_BENCHMARK, check_binaries, encode, log, parse_only, run_sections, \
    start_pair, stop_all

SECTIONS = ["fanout"]
CASES = [(1, 200_000), (100, 20_000), (1000, 3_000)]
PAYLOAD = "p" * 32


def message_bytes():
    """Bytes of one delivered message: *3 $7 message $5 bench $32 <payload>."""
    return len(b"*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$32\r\n" + PAYLOAD.encode() + b"\r\n")


def subscriber_process(port, count, expected, ready, done):
    """Subscribes `count` connections, says so on `ready`, then reads until each has received
    `expected` bytes of messages; sends the monotonic time of the last byte on `done`."""
    sel = selectors.DefaultSelector()
    left = {}
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(encode("SUBSCRIBE", "bench"))
        reply = b""
        while not reply.endswith(b":1\r\n"):
            reply += s.recv(4096)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        left[s] = expected
    ready.send(True)
    last = time.monotonic()
    while left:
        for key, _ in sel.select(timeout=60):
            s = key.fileobj
            data = s.recv(1 << 20)
            if not data:
                raise RuntimeError("server closed a subscriber")
            left[s] -= len(data)
            if left[s] <= 0:
                sel.unregister(s)
                del left[s]
        last = time.monotonic()
    done.send(last)


def one_run(port, subscribers, messages):
    """Deliveries per second for one fan-out run against the server on `port`."""
    ready_r, ready_w = multiprocessing.Pipe(False)
    done_r, done_w = multiprocessing.Pipe(False)
    proc = multiprocessing.Process(target=subscriber_process,
                                   args=(port, subscribers, messages * message_bytes(), ready_w,
                                         done_w))
    proc.start()
    if not ready_r.poll(120):
        proc.kill()
        raise RuntimeError("subscribers did not get ready")
    ready_r.recv()
    start = time.monotonic()
    subprocess.run([REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(port), "-n", str(messages),
                    "-c", "10", "-P", "16", "-q", "PUBLISH", "bench", PAYLOAD],
                   check=True, capture_output=True, timeout=600)
    if not done_r.poll(600):
        proc.kill()
        raise RuntimeError("subscribers did not get every message")
    end = done_r.recv()
    proc.join()
    return subscribers * messages / (end - start)


def measure_fanout(opts):
    rows = []
    servers = start_pair(["--maxclients", "4000"])
    try:
        for subscribers, messages in CASES:
            messages = max(1, int(messages * opts.scale))
            rates = {"ours": [], "redis": []}
            for rnd in range(opts.rounds):
                for name in (["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]):
                    rate = one_run(servers[name].port, subscribers, messages)
                    servers[name].check_alive()
                    rates[name].append(rate)
                    log(f"  round {rnd + 1} {subscribers:5} subscribers {name:5} "
                        f"{rate:,.0f} messages delivered/s")
            rows.append(Row(f"messages delivered/s, PUBLISH to {subscribers} subscriber(s)",
                            statistics.median(rates["ours"]), statistics.median(rates["redis"]),
                            ("ratio", ">=", 1.0)))
    finally:
        stop_all(servers)
    return rows


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(SECTIONS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1 round, a tenth of the messages")
    ap.add_argument("--out")
    opts = ap.parse_args(argv)
    opts.only = parse_only(ap, opts.only, SECTIONS)
    opts.scale = 0.1 if opts.quick else 1.0
    if opts.quick:
        opts.rounds = 1
    check_binaries()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    return run_sections(opts, SECTIONS, {"fanout": measure_fanout})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
