#!/usr/bin/python3
"""Scripts: EVAL, EVALSHA and FCALL throughput, credis vs redis-server 7.0 (persistence off),
both started here on free loopback ports.

redis-benchmark -c 50 -P 1 (and one -P 16 row) of
  EVAL "return 1" 0                              a script's fixed cost, compiled once, cached
  EVALSHA <return 1> 0                           the same by its SHA1
  EVALSHA <GET KEYS[1]> 1 key:__rand_int__       one read
  EVALSHA <SET KEYS[1] ARGV[1]> 1 key:.. v       one write (propagated as itself)
  EVALSHA <INCR; INCR; GET> 1 ctr:..             three commands, two writes (MULTI/EXEC to
                                                 replicas, none attached here)
  FCALL get1 1 key:__rand_int__                  a library function doing one GET
  GET key:__rand_int__                           a control: no script at all
alternating rounds (server order swapped each round), medians of ops/s. Prints one markdown
table (ours | redis | ratio) and writes it to --out FILE.
"""
import argparse
import statistics
import sys

sys.dont_write_bytecode = True  # keep tests/bench free of __pycache__
from bench import Row, redis_benchmark
from common import Conn, RespError, check_binaries, encode, log, run_sections, start_pair, \
    stop_all

CLIENTS = 50
SCRIPTS = {
    "one": "return 1",
    "get": "return redis.call('GET', KEYS[1])",
    "set": "return redis.call('SET', KEYS[1], ARGV[1])",
    "incr2": "redis.call('INCR', KEYS[1]) redis.call('INCR', KEYS[1]) "
             "return redis.call('GET', KEYS[1])",
}
LIBRARY = ("#!lua name=benchlib\n"
           "redis.register_function('get1', function(keys) return redis.call('GET', keys[1]) end)")


def call(conn, *args):
    reply = conn.pipeline(encode(*args), 1)[0]
    if isinstance(reply, RespError):
        raise RuntimeError(f"{args[0]} failed: {reply}")
    return reply


def prepare(port):
    """Loads the scripts and the library; returns the scripts' SHA1s."""
    c = Conn(port)
    shas = {name: call(c, "SCRIPT", "LOAD", body).decode() for name, body in SCRIPTS.items()}
    call(c, "FUNCTION", "LOAD", "REPLACE", LIBRARY)
    for i in range(0, 100_000, 1000):
        c.pipeline(b"".join(encode("SET", f"key:{j:012d}", "1") for j in range(i, i + 1000)),
                   1000)
    c.close()
    return shas


def tests(shas):
    key = "key:__rand_int__"
    return [
        ("EVAL return 1", 1, ["EVAL", SCRIPTS["one"], "0"]),
        ("EVALSHA return 1", 1, ["EVALSHA", shas["one"], "0"]),
        ("EVALSHA return 1 (-P 16)", 16, ["EVALSHA", shas["one"], "0"]),
        ("EVALSHA GET", 1, ["EVALSHA", shas["get"], "1", key]),
        ("EVALSHA SET", 1, ["EVALSHA", shas["set"], "1", key, "v"]),
        ("EVALSHA INCR INCR GET", 1, ["EVALSHA", shas["incr2"], "1", "ctr:__rand_int__"]),
        ("FCALL get1 (GET)", 1, ["FCALL", "get1", "1", key]),
        ("GET (control)", 1, ["GET", key]),
    ]


def measure_throughput(opts):
    servers = start_pair()
    runs, labels = {}, []
    try:
        shas = {name: prepare(srv.port) for name, srv in servers.items()}
        if shas["ours"] != shas["redis"]:
            raise RuntimeError(f"SCRIPT LOAD SHA1s differ: {shas}")
        cases = tests(shas["redis"])
        labels = [label for label, _, _ in cases]
        for rnd in range(opts.rounds):
            names = ["ours", "redis"] if rnd % 2 == 0 else ["redis", "ours"]
            for label, pipeline, command in cases:
                for name in names:
                    srv = servers[name]
                    result, _ = redis_benchmark(srv.port, "x", opts.requests, CLIENTS, pipeline,
                                                keyspace=100_000, extra=command)
                    srv.check_alive()
                    rps = next(iter(result.values()))["rps"]
                    runs.setdefault((label, name), []).append(rps)
                    log(f"  round {rnd + 1} {label:28} {name:5} {rps:,.0f}/s")
    finally:
        stop_all(servers)
    return [Row(f"ops/s {label}", statistics.median(runs[(label, "ours")]),
                statistics.median(runs[(label, "redis")]), ("ratio", ">=", 1.0))
            for label in labels]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="also write the final table to this file")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100_000, help="redis-benchmark -n")
    ap.add_argument("--quick", action="store_true", help="1 round, a fifth of the requests")
    opts = ap.parse_args(argv)
    opts.only = ["throughput"]
    if opts.quick:
        opts.rounds, opts.requests = 1, opts.requests // 5
    return opts


def main(argv):
    opts = parse_args(argv)
    check_binaries()
    return run_sections(opts, ["throughput"], {"throughput": measure_throughput})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
