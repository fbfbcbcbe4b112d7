#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages), builds the server when needed, then runs it
# with the arguments given, which are redis-server's flags:
#   ./run.sh                       # serves on 127.0.0.1:6379
#   ./run.sh --port 7000 --dir /tmp/data --dbfilename dump.rdb
# CREDIS_BUILD_ONLY=1 ./run.sh    installs and builds, then exits (used by the test script).
# CREDIS_BUILD_DIR, CREDIS_BUILD_TYPE and CREDIS_CMAKE_ARGS choose another build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${CREDIS_BUILD_DIR:-$here/build}"
build_type="${CREDIS_BUILD_TYPE:-Release}"

packages=(g++ cmake make libcaf-dev libboost-program-options-dev libspdlog-dev libfmt-dev libssl-dev
          liblzf-dev libjemalloc-dev liburing-dev catch2 liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
          ${CREDIS_EXTRA_PACKAGES:-})

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "run.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
}

install_missing "${packages[@]}"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" ${CREDIS_CMAKE_ARGS:-} >&2
fi
cmake --build "$build_dir" -j"$(nproc)" >&2

[ "${CREDIS_BUILD_ONLY:-0}" = "1" ] && exit 0
exec "$build_dir/credis-server" "$@"
