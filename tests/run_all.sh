#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the Catch2 unit tests in a normal
# and an ASan+UBSan build, a short run of the fuzz targets (tests/fuzz/run_fuzz.sh), then the
# integration suite (real clients against the real binary, and a real redis-server as a peer)
# against both builds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CREDIS_EXTRA_PACKAGES="redis-server redis-sentinel redis-tools python3-redis python3-pytest python3-pytest-timeout"
CREDIS_BUILD_ONLY=1 "$here/run.sh"
CREDIS_BUILD_ONLY=1 CREDIS_BUILD_DIR="$here/build-asan" CREDIS_BUILD_TYPE=RelWithDebInfo \
  CREDIS_CMAKE_ARGS="-DCREDIS_SANITIZE=ON" "$here/run.sh"

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$here/tests/ubsan.supp"
# Leak checking stops the process's threads with ptrace, which some containers forbid; there
# the run goes on without it instead of failing on LeakSanitizer's own error.
leaks=1
probe=$(ASAN_OPTIONS=detect_leaks=1 "$here/build-asan/unit_tests" --list-test-names-only 2>&1 || true)
if [[ "$probe" == *"LeakSanitizer has encountered a fatal error"* ]]; then
  echo "run_all.sh: LeakSanitizer cannot run on this machine; leak checks are off" >&2
  leaks=0
fi
export ASAN_OPTIONS="detect_leaks=$leaks"

echo "== unit tests (release)"
ctest --test-dir "$here/build" --output-on-failure -j2
echo "== unit tests (asan+ubsan)"
ctest --test-dir "$here/build-asan" --output-on-failure -j2

# libFuzzer targets (tests/fuzz), a short run each (at most CREDIS_FUZZ_SECONDS, default 60 s)
# after replaying the known reproducers. A failure fails the whole run, but only after the
# integration tests, which still run.
echo "== fuzzing"
fuzz_status=0
# A fixed seed and run count make CI replay exactly the runs checked here (at most 60 s each);
# CREDIS_FUZZ_ARGS="" with CREDIS_FUZZ_SECONDS explores freely instead.
CREDIS_FUZZ_ARGS="${CREDIS_FUZZ_ARGS--seed=1 -runs=20000}" \
  "$here/tests/fuzz/run_fuzz.sh" "${CREDIS_FUZZ_SECONDS:-60}" || fuzz_status=$?

echo "== integration tests (asan+ubsan build)"
CREDIS_SERVER="$here/build-asan/credis-server" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider --timeout 300 "$here/tests/integration"
echo "== integration tests (release build)"
CREDIS_SERVER="$here/build/credis-server" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider --timeout 300 "$here/tests/integration"

if [ "$fuzz_status" -ne 0 ]; then
  echo "run_all.sh: the fuzzing stage failed (see '== fuzzing' above)" >&2
  exit "$fuzz_status"
fi
