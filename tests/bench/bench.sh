#!/bin/sh
# Benchmarks credis against a real redis-server 7.0 (both started on free loopback ports,
# persistence off, stopped afterwards) and prints a markdown table of ratios.
#
# Usage: tests/bench/bench.sh [--quick] [--only throughput,memory,idle,expiry] [--out FILE] [...]
#        tests/bench/bench.sh --rdb [--quick] [--out FILE]   # RDB load/SAVE times (rdb_bench.py)
#        tests/bench/bench.sh --repl [--quick] [--only throughput,sync,tlssync,apply] [--out FILE]
#                                                     # replication (repl_bench.py)
#        tests/bench/bench.sh --large [--quick] [--only throughput,redispy,pipeline,memory,slow]
#                             [--out FILE]                   # large values (large_bench.py)
#        tests/bench/bench.sh --help                          # every option
# The credis binary is $CREDIS_SERVER, else build/credis-server under the repo root.
# Needs redis-server, redis-benchmark and /usr/bin/python3 (standard library only; --large also
# uses python3-redis).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--rdb" ]; then
    shift
    exec /usr/bin/python3 "$here/rdb_bench.py" "$@"
fi
if [ "${1:-}" = "--repl" ]; then
    shift
    exec /usr/bin/python3 "$here/repl_bench.py" "$@"
fi
if [ "${1:-}" = "--large" ]; then
    shift
    exec /usr/bin/python3 "$here/large_bench.py" "$@"
fi
exec /usr/bin/python3 "$here/bench.py" "$@"
