#!/usr/bin/env bash
# Runs the built edge on workerd: scripts/run-edge.sh [ADDRESS] [ORIGINS]
#   ADDRESS  where the edge listens (default 127.0.0.1:8787)
#   ORIGINS  comma-separated origin URLs (default http://127.0.0.1:3000)
# PAGE_FRESH_MS, STALE_WHILE_REVALIDATE_SECONDS, STALE_IF_ERROR_SECONDS and ORIGIN_TIMEOUT_MS are
# passed on from the environment. So are, when set, EDGE_KEY, OPERATOR_TOKEN, TRUST_CF_CONNECTING_IP,
# BODY_TIMEOUT_MS, HOLD_RATE_BURST and HOLD_RATE_PER_MINUTE: workerd reads those from its own
# environment (the config's fromEnvironment bindings), so no secret is written to disk, and an
# unset one takes the edge's default (docs/operations.md); so are WAITING_ROOM_KEY,
# ROOM_ADMISSION_SECONDS, ROOM_VIEW_FRESH_MS and SECURE_COOKIES. ROOM_DIR is where the waiting rooms'
# Durable Objects keep their storage (default: edge/.rooms-<port>, kept across restarts).
# EDGE_TWIN_ADDRESS, when set, also serves a second isolate of the edge there, sharing the first
# one's Cache API and waiting rooms (tests use it to see pages and places survive a new isolate).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/stampede/target}
[ -f "$root/edge/build/index.js" ] || { echo "the edge is not built: run 'make edge'" >&2; exit 1; }
address=${1:-127.0.0.1:8787}
# capnp embeds paths relative to the config file, so the config lives beside the build.
config="$root/edge/.workerd-${address//[^0-9]/-}.capnp"
rooms=${ROOM_DIR:-$root/edge/.rooms-${address//[^0-9]/-}}
mkdir -p "$rooms"
sed -e "s|@ADDRESS@|$address|" \
    -e "s|@ROOM_DIR@|$rooms|" \
    -e "s|@ORIGINS@|${2:-http://127.0.0.1:3000}|" \
    -e "s|@PAGE_FRESH_MS@|${PAGE_FRESH_MS:-1000}|" \
    -e "s|@STALE_WHILE_REVALIDATE_SECONDS@|${STALE_WHILE_REVALIDATE_SECONDS:-60}|" \
    -e "s|@STALE_IF_ERROR_SECONDS@|${STALE_IF_ERROR_SECONDS:-86400}|" \
    -e "s|@ORIGIN_TIMEOUT_MS@|${ORIGIN_TIMEOUT_MS:-3000}|" \
    -e "s|@TWIN_ADDRESS@|${EDGE_TWIN_ADDRESS:-}|" \
    "$root/edge/workerd/edge.capnp.in" > "$config"
if [ -n "${EDGE_TWIN_ADDRESS:-}" ]; then
  sed -i 's/^#TWIN#//' "$config"
  # The twin is the edge's worker again, but its rooms are the edge's own (one object per event,
  # whichever isolate asks): a copy of the edge's definition that binds to them.
  awk '/^const edge :Workerd.Worker/ {copy=1} copy {print} copy && /^\);/ {copy=0}' "$config" |
    sed -e 's/^const edge :/const edgeTwin :/' \
        -e '/durableObjectNamespaces = /d' -e '/durableObjectStorage = /d' \
        -e 's|(name = "ROOMS", durableObjectNamespace = "Room")|(name = "ROOMS", durableObjectNamespace = (className = "Room", serviceName = "edge"))|' >> "$config"
else
  sed -i '/^#TWIN#/d' "$config"
fi
"$root/end2end/node_modules/.bin/workerd" serve "$config" &
workerd=$!
trap 'kill "$workerd" 2>/dev/null; rm -f "$config"' EXIT INT TERM
wait "$workerd"
