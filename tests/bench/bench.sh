#!/bin/sh
# Benchmarks credis against a real redis-server 7.0 (both started on free loopback ports,
# persistence off, stopped afterwards) and prints a markdown table of ratios.
#
# Usage: tests/bench/bench.sh [--quick] [--only throughput,types,memory,idle,expiry,tls] [--out FILE] [...]
#        tests/bench/bench.sh --rdb [--quick] [--out FILE]   # RDB load/SAVE times (rdb_bench.py)
#        tests/bench/bench.sh --repl [--quick] [--only throughput,sync,tlssync,apply] [--out FILE]
#                                                     # replication (repl_bench.py)
#        tests/bench/bench.sh --large [--quick] [--only throughput,redispy,pipeline,memory,slow]
#                             [--out FILE]                   # large values (large_bench.py)
#        tests/bench/bench.sh --light [--quick] [--pin] [--floor] [--only think,rate] [--out FILE]
#                                                     # CPU and latency under paced load; --floor
#                                                     # adds floor_server.c (PONG, nothing else)
#        tests/bench/bench.sh --scan [--quick] [--baseline BINARY] [--out FILE]  # SCAN, KEYS
#        tests/bench/bench.sh --aggregates [--only memory,large] [--elements N] [--out FILE]
#                                                     # lists/hashes/sets/zsets (aggregate_bench.py)
#        tests/bench/bench.sh --pubsub [--quick] [--out FILE]  # PUBLISH fan-out (pubsub_bench.py)
#        tests/bench/bench.sh --streams [--quick] [--only throughput,memory] [--out FILE]
#                                                     # XADD/XRANGE/XREADGROUP..., bytes per entry
#                                                     # (stream_bench.py)
#        tests/bench/bench.sh --scripts [--quick] [--out FILE]  # EVAL/EVALSHA/FCALL (script_bench.py)
#        tests/bench/bench.sh --help                          # every option
# The credis binary is $CREDIS_SERVER, else build/credis-server under the repo root.
# Needs redis-server, redis-benchmark and /usr/bin/python3 (standard library only; --large also
# uses python3-redis).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
script=bench.py
case "${1:-}" in
    --rdb) script=rdb_bench.py ;;
    --repl) script=repl_bench.py ;;
    --light) script=light_bench.py ;;
    --scan) script=scan_bench.py ;;
    --large) script=large_bench.py ;;
    --aggregates) script=aggregate_bench.py ;;
    --pubsub) script=pubsub_bench.py ;;
    --streams) script=stream_bench.py ;;
    --scripts) script=script_bench.py ;;
esac
[ "$script" = bench.py ] || shift
exec /usr/bin/python3 "$here/$script" "$@"
