#!/usr/bin/env bash
# User-space instructions per request, credis vs redis-server, counted by callgrind (valgrind):
# unlike CPU time, the count hardly moves with the machine's load, so small per-request costs
# can be compared on a busy machine. Each server runs twice under callgrind, once for N1 and
# once for N2 requests of redis-benchmark (-c 1 -P 1 by default); the difference of the two
# totals over N2 - N1 is the cost of a request, start-up and shutdown cancelling out.
# Kernel work (system calls) is not counted: compare those with strace -c.
#
# Usage: tests/bench/instructions.sh [-t get,set,ping_mbulk] [-c CLIENTS] [-P PIPELINE]
#        [--n1 2000] [--n2 12000] [--busy-poll-us US]
# Needs valgrind (apt-get install valgrind); binaries as in common.py (CREDIS_SERVER overrides).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
credis="${CREDIS_SERVER:-$here/../../build/credis-server}"
tests="get,set,ping_mbulk" clients=1 pipeline=1 n1=2000 n2=12000 busy_poll=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -t) tests="$2"; shift 2 ;;
    -c) clients="$2"; shift 2 ;;
    -P) pipeline="$2"; shift 2 ;;
    --n1) n1="$2"; shift 2 ;;
    --n2) n2="$2"; shift 2 ;;
    --busy-poll-us) busy_poll="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Total instructions of one server process (all threads) serving `n` requests of `test`.
count() {
  local n=$1 test=$2; shift 2
  local port out pid total=0
  port=$(free_port)
  out="$work/cg.$n.$test"
  valgrind --tool=callgrind --callgrind-out-file="$out.%p" "$@" --port "$port" --save "" \
    --dir "$work" >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-benchmark -p "$port" -t "$test" -n "$n" -c "$clients" -P "$pipeline" -q >/dev/null
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  for f in "$out".*; do
    total=$((total + $(awk '/^totals:/ {print $2; exit}' "$f")))
  done
  rm -f "$out".*
  echo "$total"
}

echo "| test | redis-server | credis | ratio |"
echo "|---|---|---|---|"
for test in ${tests//,/ }; do
  declare -A per
  for name in redis credis; do
    if [[ $name == redis ]]; then
      cmd=(redis-server --appendonly no)
    else
      cmd=("$credis" --busy-poll-us "$busy_poll")
    fi
    a=$(count "$n1" "$test" "${cmd[@]}")
    b=$(count "$n2" "$test" "${cmd[@]}")
    per[$name]=$(((b - a) / (n2 - n1)))
  done
  ratio=$(python3 -c "print(f'{${per[credis]} / ${per[redis]}:.2f}')")
  echo "| $test -c $clients -P $pipeline, instructions/request | ${per[redis]} | ${per[credis]} | $ratio |"
done
