#!/usr/bin/env bash
# The build tools at their pinned versions, each installed only when missing (`make tools`).
#
# A first run on a fresh machine compiles wasm-bindgen-cli, worker-build and trunk from crates.io: a
# one-time cost of about 4 minutes on two cores (docs/development.md), paid once per machine
# (~/.cargo/bin). They compile one after the other in one target dir, so the crates they share
# (tokio, serde, walrus...) compile once: measured on two cores, 10.0 min that way against 13.9 min
# side by side in dirs of their own (optimised builds, then).
# The npm download runs beside them. Each line says what is installed and what it took.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:?}
WORKER_BUILD_VERSION=${WORKER_BUILD_VERSION:?}
TRUNK_VERSION=${TRUNK_VERSION:?}
LOGS=${TOOLS_LOG_DIR:-$HOME/.cache/stampede/tools-logs}
mkdir -p "$LOGS"

# A cheap release profile: no optimisation, no LTO, many codegen units (their own Cargo.toml
# profiles would otherwise apply). The tools compile 2.4 times faster so, and what they write is
# byte for byte the same; wasm-bindgen takes 0.5 s a bundle instead of 0.1 (measured, see
# docs/development.md). Their target dir is outside the project's.
cargo_install() {
	CARGO_TARGET_DIR="$HOME/.cache/stampede/tools-target" CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
		CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_INCREMENTAL=false \
		CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true cargo install "$@"
}

# (npm install, not npm ci: the lock cannot list workerd's binaries for other platforms, which the
# registry here does not serve.)
npm_install() {
	(cd end2end && npm install --no-audit --no-fund --no-save) &&
		cp end2end/package-lock.json end2end/node_modules/.package-lock.json.stampede
}

pids=()
# start NAME ESTIMATE COMMAND...: runs COMMAND in the background, its output in $LOGS/NAME.log.
start() {
	local name=$1 estimate=$2
	shift 2
	echo "installing $name (one time, $estimate; log: $LOGS/$name.log)"
	(timed "$name" "$@") &
	pids+=($!)
}

# timed NAME COMMAND...: runs COMMAND, its output in $LOGS/NAME.log, and says what it took.
timed() {
	local name=$1 started=$SECONDS
	shift
	if "$@" >"$LOGS/$name.log" 2>&1; then
		echo "installed $name in $((SECONDS - started)) s"
	else
		echo "installing $name FAILED after $((SECONDS - started)) s; the end of its log:"
		tail -n 30 "$LOGS/$name.log"
		return 1
	fi
}

# install NAME ESTIMATE COMMAND...: the same in the foreground.
install() {
	local name=$1 estimate=$2
	shift 2
	echo "installing $name (one time, $estimate; log: $LOGS/$name.log)"
	timed "$name" "$@"
}

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if [ ! -x end2end/node_modules/.bin/workerd ] || ! cmp -s end2end/package-lock.json end2end/node_modules/.package-lock.json.stampede; then
	start npm-packages "~1 min: workerd, binaryen, esbuild, Playwright" npm_install
fi
# (wasm-bindgen-cli without --locked: its own lock names a webpki-roots release the registry no
# longer serves.)
wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION" ||
	install wasm-bindgen-cli "1 to 2 min" cargo_install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
worker-build --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION" ||
	install worker-build "1 to 2 min" cargo_install "worker-build@$WORKER_BUILD_VERSION" --locked
# Without its default features trunk has no TLS and no update check, neither of which this project
# uses (Trunk.toml forbids downloads): the same bundle, fewer crates to compile.
trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION" ||
	install trunk "2 to 4 min" cargo_install "trunk@$TRUNK_VERSION" --locked --no-default-features

failed=0
for pid in "${pids[@]}"; do
	wait "$pid" || failed=1
done
[ "$failed" = 0 ] || { echo "some tools did not install: see above"; exit 1; }
