#!/usr/bin/env bash
# The event page on an emulated phone, through the edge (docs/development.md#the-phone-benchmark):
# a 320 px wide screen, slow 4G (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) and a CPU 4x
# slower than this one. Prints, as the median of BENCH_PHONE_RUNS cold loads (5): when the largest
# content paints (LCP), when the ticket controls work, when the page is hydrated, and what a tap on
# "+" right at LCP gets and how soon.
# Usage: scripts/bench-phone.sh   (make bench-phone builds what it needs first)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$HOME/.cache/stampede/target}
origin_port=${BENCH_ORIGIN_PORT:-3912}
edge_port=${BENCH_EDGE_PORT:-8793}
work=$(mktemp -d)
SITE_ROOT="$target/site" PORT=$origin_port DATABASE_URL="sqlite://$work/bench.db" RUST_LOG=warn \
  STAMPEDE_DEMO=true "$target/release/stampede" serve >"$work/origin.log" 2>&1 &
origin=$!
scripts/run-edge.sh "127.0.0.1:$edge_port" "http://127.0.0.1:$origin_port" >"$work/edge.log" 2>&1 &
edge=$!
trap 'kill $edge $origin 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$origin_port/readyz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$edge_port/__edge/health" >/dev/null && break; sleep 0.1; done
curl -fs -o /dev/null "http://127.0.0.1:$edge_port/e/stampede-live"
echo "phone benchmark: $(nproc) cores; wasm $(stat -c %s "$target/site/pkg/event_bg.wasm.gz") bytes gzipped (the event page's bundle)"
NODE_PATH="$PWD/end2end/node_modules" node scripts/bench-phone.mjs "http://127.0.0.1:$edge_port/e/stampede-live" "${BENCH_PHONE_RUNS:-5}"
