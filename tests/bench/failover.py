#!/usr/bin/python3
"""Failover with Redis's redis-sentinel, credis beside redis-server in every role: a master,
two replicas and three sentinels (down-after-milliseconds 1000), the master killed with SIGKILL.
Per round and server, the time from the kill until the promoted replica takes a SET, and until
the other replica is linked to it; medians over --rounds, servers alternating.

  tests/bench/failover.py [--rounds 5]
"""
import argparse
import os
import statistics
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from conftest import CREDIS, REDIS_SERVER, server_factory  # noqa: E402
from sentinel_support import run_failover  # noqa: E402


def one_round(binary):
    start, stop_all = server_factory(binary)
    root = tempfile.mkdtemp(prefix="credis-failover-")
    count = [0]

    def start_node(replicaof):
        count[0] += 1
        d = os.path.join(root, f"node{count[0]}")
        os.mkdir(d)
        conf = os.path.join(d, "redis.conf")
        with open(conf, "w") as f:
            f.write("save \"\"\n" + (f"replicaof 127.0.0.1 {replicaof}\n" if replicaof else ""))
        return start([], workdir=d, config_file=conf)
    try:
        return run_failover(start_node)
    finally:
        stop_all()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    results = {"credis": [], "redis": []}
    for i in range(args.rounds):
        order = [("credis", CREDIS), ("redis", REDIS_SERVER)]
        for name, binary in (order if i % 2 == 0 else order[::-1]):
            r = one_round(binary)
            assert not r["missing"], f"{name}: acknowledged writes lost: {r['missing'][:5]}"
            results[name].append(r)
            print(f"round {i + 1} {name}: new master takes writes {r['failover_s']:.2f} s, "
                  f"other replica linked {r['repointed_s']:.2f} s", flush=True)
    print("\n| server | kill → writes on the new master (median) | kill → other replica linked |")
    print("|---|---|---|")
    for name, rs in results.items():
        print(f"| {name} | {statistics.median(r['failover_s'] for r in rs):.2f} s | "
              f"{statistics.median(r['repointed_s'] for r in rs):.2f} s |")


if __name__ == "__main__":
    main()
