#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and runs each for a while on a
# copy of its seed corpus (tests/fuzz/corpus/<target>, which is never grown here), after
# replaying the reproducers of tests/fuzz/regressions/<target>. Fails on any crash, leak,
# timeout, out-of-memory or sanitizer report; prints executions and coverage per target.
#   tests/fuzz/run_fuzz.sh [seconds-per-target [target...]]     default: 30 s, every target
# CREDIS_FUZZ_BUILD_DIR picks another build directory; CREDIS_FUZZ_ARGS adds libFuzzer flags.
# Findings are kept in <build dir>/fuzz-artifacts/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fuzz_dir="$here/tests/fuzz"
build_dir="${CREDIS_FUZZ_BUILD_DIR:-$here/build-fuzz}"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(resp_parser rdb_reader master_link hll_sketch)

# What configuring needs (CMakeLists.txt finds CAF, Boost, spdlog, lzf even for these targets),
# and clang with its runtimes (libFuzzer, sanitizers). Same way as run.sh.
packages=(cmake make clang libclang-rt-14-dev libcaf-dev libboost-program-options-dev libssl-dev
          libspdlog-dev libfmt-dev liblzf-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "run_fuzz.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
fi

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build_dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDIS_FUZZ=ON -DCREDIS_TESTS=OFF >&2
else
  # (a target added to CMakeLists.txt since is unknown to the old makefiles `--target` reads)
  cmake "$build_dir" >&2
fi
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]/%/_fuzz}" >&2

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Leak checking stops the process's threads with ptrace, which some containers forbid (as in
# tests/run_all.sh): there the targets run without it instead of failing on LSan's own error.
probe=$(ASAN_OPTIONS=detect_leaks=1 "$build_dir/${targets[0]}_fuzz" -runs=1 2>&1 || true)
if [[ "$probe" == *"LeakSanitizer has encountered a fatal error"* ]]; then
  echo "run_fuzz.sh: LeakSanitizer cannot run on this machine; leak checks are off" >&2
  export ASAN_OPTIONS="detect_leaks=0"
else
  export ASAN_OPTIONS="detect_leaks=1"
fi

# Longest input per target: past the parsers' 64 KB line limit for the split targets.
declare -A max_len=([resp_parser]=68000 [master_link]=68000 [rdb_reader]=131072 [hll_sketch]=20000)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  bin="$build_dir/${t}_fuzz"
  log="$work/$t.log"

  # Every reproducer of a bug found before must pass (it fails until the bug is fixed).
  shopt -s nullglob
  repros=("$fuzz_dir/regressions/$t"/*)
  shopt -u nullglob
  if [ ${#repros[@]} -gt 0 ]; then
    echo "== $t: replaying ${#repros[@]} regression input(s)"
    if ! "$bin" -timeout=10 -rss_limit_mb=2048 "${repros[@]}" >"$log" 2>&1; then
      tail -n 40 "$log"
      echo "run_fuzz.sh: $t: a regression input fails" >&2
      failed+=("$t (regressions)")
      summary+=("$(printf '%-12s regression inputs FAIL' "$t")")
      continue
    fi
  fi

  # Known bugs not fixed yet (open-findings/): replayed one by one, reported, never failing.
  shopt -s nullglob
  open=("$fuzz_dir/open-findings/$t"/*)
  shopt -u nullglob
  for f in "${open[@]}"; do
    if "$bin" -timeout=10 -rss_limit_mb=2048 "$f" >"$log" 2>&1; then
      echo "== $t: open finding ${f#$fuzz_dir/} passes now: move it to regressions/$t/"
    else
      echo "== $t: open finding ${f#$fuzz_dir/} still fails (not counted as a failure)"
    fi
  done

  echo "== $t: fuzzing for ${seconds}s"
  mkdir -p "$work/$t"
  cp "$fuzz_dir/corpus/$t"/* "$work/$t/"
  dict=()
  [ -f "$fuzz_dir/$t.dict" ] && dict=(-dict="$fuzz_dir/$t.dict")
  rc=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]}" \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "${dict[@]}" ${CREDIS_FUZZ_ARGS:-} \
    "$work/$t" >"$log" 2>&1 || rc=$?
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  line=$(printf '%-12s execs %-10s exec/s %-7s cov %-6s ft %-6s corpus %s' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
  if [ "$rc" -ne 0 ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz check failed|.*runtime error|artifact_prefix|Test unit written)' \
      "$log" | head -n 20 || true
    tail -n 60 "$log"
    echo "run_fuzz.sh: $t failed (exit $rc); reproducer in $artifacts/" >&2
    failed+=("$t")
    line+="  FAIL (exit $rc)"
  fi
  echo "$line"
  summary+=("$line")
done

echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
