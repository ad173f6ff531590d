#!/usr/bin/env bash
# The build tools at their pinned versions, each installed only when missing (`make tools`).
#
# A first run on a fresh machine compiles wasm-bindgen-cli, worker-build and trunk from crates.io: a
# one-time cost of about twenty minutes on two cores, paid once per machine (~/.cargo/bin). Their
# compiles run side by side, with the npm download beside them, because each compile ends in a long
# stretch of one crate at a time (the tool's own crate, then its link) that leaves a core idle.
# Each line says what is installed and what it took.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:?}
WORKER_BUILD_VERSION=${WORKER_BUILD_VERSION:?}
TRUNK_VERSION=${TRUNK_VERSION:?}
LOGS=${TOOLS_LOG_DIR:-$HOME/.cache/stampede/tools-logs}
mkdir -p "$LOGS"

# A cheap release profile: the tools run for seconds, so thin LTO off and many codegen units cut
# their build by about half (their own Cargo.toml profiles would otherwise apply). Each tool has a
# target dir of its own, outside the project's: one shared dir would be locked by one compile at a
# time.
cargo_install() {
	local crate=${1%@*}
	CARGO_TARGET_DIR="$HOME/.cache/stampede/tools-target/$crate" CARGO_PROFILE_RELEASE_LTO=false \
		CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_INCREMENTAL=false \
		CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true cargo install "$@"
}

# (npm install, not npm ci: the lock cannot list workerd's binaries for other platforms, which the
# registry here does not serve.)
npm_install() {
	(cd end2end && npm install --no-audit --no-fund --no-save) &&
		cp end2end/package-lock.json end2end/node_modules/.package-lock.json.stampede
}

pids=()
names=()
# start NAME ESTIMATE COMMAND...: runs COMMAND in the background, its output in $LOGS/NAME.log.
start() {
	local name=$1 estimate=$2
	shift 2
	echo "installing $name (one time, $estimate; log: $LOGS/$name.log)"
	(
		started=$SECONDS
		if "$@" >"$LOGS/$name.log" 2>&1; then
			echo "installed $name in $((SECONDS - started)) s"
		else
			echo "installing $name FAILED after $((SECONDS - started)) s; the end of its log:"
			tail -n 30 "$LOGS/$name.log"
			exit 1
		fi
	) &
	pids+=($!)
	names+=("$name")
}

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION" ||
	start wasm-bindgen-cli "~6 min" cargo_install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
worker-build --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION" ||
	start worker-build "~8 min" cargo_install "worker-build@$WORKER_BUILD_VERSION" --locked
trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION" ||
	start trunk "~15 min" cargo_install "trunk@$TRUNK_VERSION" --locked
if [ ! -x end2end/node_modules/.bin/workerd ] || ! cmp -s end2end/package-lock.json end2end/node_modules/.package-lock.json.stampede; then
	start npm-packages "~1 min: workerd, binaryen, esbuild, Playwright" npm_install
fi

failed=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || failed=1
done
[ "$failed" = 0 ] || { echo "some tools did not install: see above"; exit 1; }
[ "${#pids[@]}" = 0 ] || echo "tools ready"
