#!/usr/bin/env bash
# Install what smematch needs to build, run and test, from Debian's packages only.
# Does nothing (and needs no network) when everything is there already.
set -euo pipefail

pkgs=(
  build-essential pkg-config meson ninja-build clang
  libzmq3-dev liblmdb-dev liblz4-dev libzstd-dev libmsgpack-dev libuv1-dev libhttp-parser-dev libjansson-dev libyajl-dev
  libsodium-dev libcmocka-dev libstemmer-dev libutf8proc-dev libcsv-dev libcurl4-openssl-dev
  lmdb-utils curl
  # tests and benchmarks: Debian's python3 with pyzmq/msgpack/icalendar, SQLite FTS5, Xapian, CBC
  python3 python3-zmq python3-msgpack python3-icalendar sqlite3 libsqlite3-dev libxapian-dev coinor-cbc
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done" >&2
