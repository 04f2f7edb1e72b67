#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build, and start smematch in the foreground
# on its embedded default (LMDB under ./smematch-data, HTTP on 127.0.0.1:8080, ZeroMQ on
# loopback) with the sample expo loaded. Extra arguments go to `smematch serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release -Dtests=false >/dev/null
fi
ninja -C build >/dev/null
exec build/clients/smematch serve --sample data/sample-expo.ndjson "$@"
