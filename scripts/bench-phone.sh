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
. scripts/bench-stack.sh
echo "phone benchmark: $(nproc) cores; wasm $(stat -c %s "$target/site/pkg/event_bg.wasm.gz") bytes gzipped (the event page's bundle)"
NODE_PATH="$PWD/end2end/node_modules" node scripts/bench-phone.mjs "http://127.0.0.1:$edge_port/e/stampede-live" "${BENCH_PHONE_RUNS:-5}"
