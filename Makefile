# Stampede: `make run` runs the storefront on its embedded defaults; `make test` runs every test.
# Both install what they need when it is missing (see docs/development.md) and are quick when it is all there.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

# One target dir outside the clone, so fresh clones (CI) reuse compiled dependencies.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/stampede/target
WASM_BINDGEN_VERSION := 0.2.130
WORKER_BUILD_VERSION := 0.8.7
TRUNK_VERSION := 0.21.14
SITE := $(CARGO_TARGET_DIR)/site
PKG := $(SITE)/pkg
ADMIN := $(SITE)/admin
NODE_BIN := $(CURDIR)/end2end/node_modules/.bin
PORT ?= 3000
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

EDGE_PORT ?= 8787

.PHONY: wasm-composition run run-origin test lint tools tools-test localstripe smtp-server site admin edge build-server test-rust test-e2e check bench-origin bench-edge bench-phone bench-checkout profile-checkout sale sale-paid sale-waiting-list sale-edge bench-mail services clean-data

# The origin on :$(PORT) and the edge in front of it on :$(EDGE_PORT); open the edge. The demo's
# paid tickets are paid by card in TEST MODE, through localstripe (the Stripe-compatible test
# server) on :$(STRIPE_PORT); no real money, no Stripe account needed.
STRIPE_PORT ?= 8420
DEMO_CARDS := STAMPEDE_DEMO_CARDS=true STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_PORT) STRIPE_JS_URL=http://127.0.0.1:$(STRIPE_PORT)/js.stripe.com/v3/
run: tools localstripe site edge build-server
	@python3 scripts/run-localstripe.py --port $(STRIPE_PORT) >/dev/null 2>&1 & stripe=$$!; trap 'kill $$stripe 2>/dev/null' EXIT INT TERM; \
	for _ in $$(seq 1 100); do curl -fs http://127.0.0.1:$(STRIPE_PORT)/js.stripe.com/v3/ >/dev/null && break; sleep 0.1; done; \
	$(DEMO_CARDS) STAMPEDE_DEMO=true MAIL_DIR=data/mail SITE_ROOT=$(SITE) PORT=$(PORT) $(CARGO_TARGET_DIR)/debug/stampede serve & origin=$$!; \
	trap 'kill $$origin $$stripe 2>/dev/null' EXIT INT TERM; \
	for _ in $$(seq 1 100); do curl -fs http://127.0.0.1:$(PORT)/readyz >/dev/null && break; sleep 0.1; done; \
	scripts/demo-webhook.sh http://127.0.0.1:$(STRIPE_PORT) http://127.0.0.1:$(PORT) data/stampede.db; \
	echo; echo "Stampede is running. Open http://127.0.0.1:$(EDGE_PORT)/e/stampede-live (the edge; the origin is at http://127.0.0.1:$(PORT)). Cards are in TEST MODE (card 4242 4242 4242 4242; 4000 0000 0000 0341 is declined; 4000 0027 6000 3184 asks for 3-D Secure). Organisers: http://127.0.0.1:$(PORT)/admin (demo: demo@stampede.example / stampede-demo; emails with sign-up links land in data/mail). Ctrl-C stops them all."; echo; \
	scripts/run-edge.sh 127.0.0.1:$(EDGE_PORT) http://127.0.0.1:$(PORT)

# The origin alone, without the edge.
run-origin: tools localstripe site build-server
	@python3 scripts/run-localstripe.py --port $(STRIPE_PORT) >/dev/null 2>&1 & stripe=$$!; trap 'kill $$stripe 2>/dev/null' EXIT INT TERM; \
	for _ in $$(seq 1 100); do curl -fs http://127.0.0.1:$(STRIPE_PORT)/js.stripe.com/v3/ >/dev/null && break; sleep 0.1; done; \
	$(DEMO_CARDS) STAMPEDE_DEMO=true MAIL_DIR=data/mail SITE_ROOT=$(SITE) PORT=$(PORT) $(CARGO_TARGET_DIR)/debug/stampede serve

test: tools tools-test site edge
	$(MAKE) lint
	$(MAKE) test-rust
	$(MAKE) test-e2e

# The house rules, as CI applies them: rustfmt, and clippy with warnings as errors, per crate and
# target (a bare --workspace would turn on app's browser and host features together).
CLIPPY := cargo clippy --quiet
lint:
	cargo fmt --all --check
	$(CLIPPY) -p stampede-contract --all-targets --all-features -- -D warnings
	$(CLIPPY) -p stampede-app --features ssr --all-targets -- -D warnings
	$(CLIPPY) -p stampede-server --all-targets -- -D warnings
	$(CLIPPY) -p stampede-sale --all-targets -- -D warnings
	$(CLIPPY) -p stampede-hydrate --target wasm32-unknown-unknown --all-features -- -D warnings
	$(CLIPPY) -p stampede-admin --target wasm32-unknown-unknown -- -D warnings
	$(CLIPPY) -p stampede-edge --target wasm32-unknown-unknown -- -D warnings

test-rust:
	cargo test -p stampede-contract --all-features
	cargo test -p stampede-app --features ssr
	cargo test -p stampede-server
	cargo test -p stampede-sale
	cargo test -p stampede-edge --lib

test-e2e: build-server edge
	cd end2end && STAMPEDE_BIN=$(CARGO_TARGET_DIR)/debug/stampede SITE_ROOT=$(SITE) $(NODE_BIN)/playwright test

build-server:
	cargo build -p stampede-server

# The browser bundles, one per page with a script (app::document::Bundle): the hydrate crate with
# that page's feature -> wasm-bindgen -> wasm-opt (npm binaryen, see docs/development.md). Rebuilt
# only when a source they are made from changed; the stylesheet and public/ are always copied.
BUNDLES := event checkout queue
WASM_OUT := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release
BUNDLES_STAMP := $(PKG)/bundles.stamp
APP_SOURCES := $(shell find contract/src app/src hydrate/src -name '*.rs') contract/Cargo.toml app/Cargo.toml hydrate/Cargo.toml Cargo.toml Cargo.lock
EDGE_SOURCES := $(shell find contract/src app/src edge/src -name '*.rs') contract/Cargo.toml app/Cargo.toml edge/Cargo.toml Cargo.toml Cargo.lock

site: tools $(BUNDLES_STAMP) admin
	cp style/main.css $(PKG)/stampede.css
	cp -r public/. $(SITE)/
	gzip -9 -k -f $(PKG)/stampede.css
	@for page in $(BUNDLES); do echo "site in $(SITE): the $$page page's wasm $$(stat -c %s $(PKG)/$${page}_bg.wasm) bytes, $$(stat -c %s $(PKG)/$${page}_bg.wasm.gz) gzipped"; done

# Each build keeps cargo's wasm as hydrate-<page>.wasm (with its names, for `make wasm-composition`).
$(BUNDLES_STAMP): $(APP_SOURCES)
	mkdir -p $(PKG)
	# The one bundle for every page that these replaced, left in a target dir from before.
	rm -f $(PKG)/stampede.js $(PKG)/stampede.js.gz $(PKG)/stampede_bg.wasm $(PKG)/stampede_bg.wasm.gz
	for page in $(BUNDLES); do \
		cargo build -p stampede-hydrate --lib --target wasm32-unknown-unknown --profile wasm-release --features $$page; \
		cp $(WASM_OUT)/stampede_hydrate.wasm $(WASM_OUT)/hydrate-$$page.wasm; \
		wasm-bindgen --target web --no-typescript --out-dir $(PKG) --out-name $$page $(WASM_OUT)/hydrate-$$page.wasm; \
		$(NODE_BIN)/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
			--enable-mutable-globals --enable-reference-types \
			-o $(PKG)/$${page}_bg.wasm $(PKG)/$${page}_bg.wasm; \
		gzip -9 -k -f $(PKG)/$${page}_bg.wasm $(PKG)/$$page.js; \
	done
	touch $@

# The organisers' admin SPA (admin/, docs/admin.md), served by the origin under /admin: Trunk builds
# it with the wasm-release size profile, taking wasm-bindgen and npm binaryen's wasm-opt from PATH
# (Trunk.toml pins both and forbids downloads). Rebuilt only when a source it is made from changed.
ADMIN_SOURCES := $(shell find admin/src contract/src app/src -name '*.rs') admin/Cargo.toml admin/index.html admin/boot.js contract/Cargo.toml app/Cargo.toml \
	Trunk.toml style/admin.css public/favicon.svg Cargo.toml Cargo.lock
ADMIN_STAMP := $(CARGO_TARGET_DIR)/admin.stamp

admin: tools $(ADMIN_STAMP)
	@echo "admin in $(ADMIN): wasm $$(stat -c %s $(ADMIN)/*_bg.wasm) bytes, $$(stat -c %s $(ADMIN)/*_bg.wasm.gz) gzipped"

$(ADMIN_STAMP): $(ADMIN_SOURCES)
	PATH="$(NODE_BIN):$$PATH" trunk build --release --cargo-profile wasm-release --dist $(ADMIN)
	gzip -9 -k -f $(ADMIN)/*.wasm $(ADMIN)/*.js $(ADMIN)/*.css
	touch $@

# The edge worker: workers-rs compiled by worker-build into edge/build (index.js + index_bg.wasm).
# worker-build ignores tools on PATH, so it is pointed at the pinned ones.
edge: tools edge/build/index.js

edge/build/index.js: $(EDGE_SOURCES)
	cd edge && WASM_BINDGEN_BIN=$$(command -v wasm-bindgen) WASM_OPT_BIN=$(NODE_BIN)/wasm-opt ESBUILD_BIN=$(NODE_BIN)/esbuild \
		worker-build --release
	touch $@

# Tools at pinned versions, each installed only when missing (scripts/install-tools.sh: a one-time
# cost on a fresh machine, which it prints as it goes).
tools:
	@WASM_BINDGEN_VERSION=$(WASM_BINDGEN_VERSION) WORKER_BUILD_VERSION=$(WORKER_BUILD_VERSION) TRUNK_VERSION=$(TRUNK_VERSION) \
		scripts/install-tools.sh

# localstripe (PyPI): the Stripe-compatible server that the payment tests and `make run` start on
# ports of their own (scripts/run-localstripe.py).
LOCALSTRIPE_VERSION := 1.15.10
localstripe:
	@python3 -c "import localstripe" 2>/dev/null || { echo 'installing localstripe $(LOCALSTRIPE_VERSION) (one time, seconds)'; python3 -m pip install --quiet localstripe==$(LOCALSTRIPE_VERSION); }

# aiosmtpd (PyPI): the SMTP server the email tests start on ports of their own
# (scripts/run-smtp.py); pdftotext (poppler-utils) opens the tickets' PDFs they receive.
AIOSMTPD_VERSION := 1.4.6
smtp-server:
	@python3 -c "import aiosmtpd" 2>/dev/null || { echo 'installing aiosmtpd $(AIOSMTPD_VERSION) (one time, seconds)'; python3 -m pip install --quiet aiosmtpd==$(AIOSMTPD_VERSION); }

tools-test:
	@command -v chromium >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@command -v pdftotext >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils; }
	@command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not answering on 127.0.0.1:5432: the tests need it (see docs/development.md)"; exit 1; }
	@command -v redis-server >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; }
	@[ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] || { echo "Redis is not answering on 127.0.0.1:6379: the tests need it (see docs/development.md)"; exit 1; }
	@$(MAKE) --no-print-directory localstripe smtp-server

check:
	cargo check -p stampede-contract --tests
	cargo check -p stampede-server --tests
	cargo check -p stampede-hydrate --target wasm32-unknown-unknown --all-features
	cargo check -p stampede-admin --target wasm32-unknown-unknown
	cargo check -p stampede-edge --target wasm32-unknown-unknown

clean-data:
	rm -rf data

# What the browser bundles are made of, by crate (docs/development.md#the-browser-bundles): read from
# cargo's wasm, which still has its function names (wasm-opt then shrinks it about a third).
wasm-composition: site
	for page in $(BUNDLES); do python3 scripts/wasm-composition.py $(WASM_OUT)/hydrate-$$page.wasm 20; done
	python3 scripts/wasm-composition.py $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/stampede-admin.wasm 20
	@echo "shipped: $$(for page in $(BUNDLES); do printf '%s page %s bytes gzipped, ' $$page $$(stat -c %s $(PKG)/$${page}_bg.wasm.gz); done)admin $$(stat -c %s $(ADMIN)/*_bg.wasm.gz) bytes gzipped"

# The event page on an emulated phone through the edge: LCP, controls working, hydrated
# (docs/development.md#the-phone-benchmark).
bench-phone: tools site edge
	cargo build --release -p stampede-server
	scripts/bench-phone.sh

# Origin throughput: wrk on 127.0.0.1 against a release build (see docs/operations.md#measured).
bench-origin: tools site
	cargo build --release -p stampede-server
	scripts/bench-origin.sh sqlite
	scripts/bench-origin.sh postgres

# Edge throughput and origin shielding: wrk on 127.0.0.1 against workerd (see docs/operations.md#measured).
bench-edge: tools site edge
	cargo build --release -p stampede-server
	scripts/bench-edge.sh

# The sale simulator (docs/operations.md#the-sale-simulator), on PostgreSQL and Redis on this
# machine; each starts its own storefront on a free port and stops it after.
SALE_DB ?= postgres://postgres@127.0.0.1:5432/test
SALE_REDIS ?= redis://127.0.0.1:6379
SALE_ARGS ?=

services:
	@command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }
	@[ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] || { echo "Redis is not answering on 127.0.0.1:6379"; exit 1; }

# Flash sale: 10,000 buyers within 10 s for 800 tickets, then the same with the database alone.
sale: services
	cargo build --release -p stampede-server -p stampede-sale
	$(CARGO_TARGET_DIR)/release/stampede-sale flash --baseline --server-bin $(CARGO_TARGET_DIR)/release/stampede \
		--database-url $(SALE_DB) --redis-url $(SALE_REDIS) $(SALE_ARGS)

# The flash sale with buyers paying by card (some declined, some through 3-D Secure, some too late
# for their hold) against localstripe, then the money audit as well as the stock's.
sale-paid: services localstripe
	cargo build --release -p stampede-server -p stampede-sale
	$(CARGO_TARGET_DIR)/release/stampede-sale flash --pay-by-card --server-bin $(CARGO_TARGET_DIR)/release/stampede \
		--database-url $(SALE_DB) --redis-url $(SALE_REDIS) $(SALE_ARGS)

# The flash sale with a waiting list: sold-out buyers may join it, its offers are read from the
# storefront's emails and bought, then the organiser cancels 100 orders and what reaches the list
# is checked against the list as it stood (the next in line, each once, by one email).
sale-waiting-list: services
	cargo build --release -p stampede-server -p stampede-sale
	$(CARGO_TARGET_DIR)/release/stampede-sale flash --waiting-list --server-bin $(CARGO_TARGET_DIR)/release/stampede \
		--database-url $(SALE_DB) --redis-url $(SALE_REDIS) $(SALE_ARGS)

# The flash sale through the edge (workerd) with the event's waiting room on: 10,000 buyers, some
# before the on-sale (the pre-queue, drawn by lot), polling the queue until let in or told it is
# sold out; then what reached the origin, the waits, and whether people came in in their places.
sale-edge: services edge
	cargo build --release -p stampede-server -p stampede-sale
	$(CARGO_TARGET_DIR)/release/stampede-sale flash --through-edge --server-bin $(CARGO_TARGET_DIR)/release/stampede \
		--database-url $(SALE_DB) --redis-url $(SALE_REDIS) $(SALE_ARGS)

# The mailer draining 10,000 queued confirmations (PDF and .ics each) into a local SMTP server
# (aiosmtpd), then the tickets' PDF size and render time per ticket. BENCH_MAIL_ARGS: emails, rate
# per second, connections.
BENCH_MAIL_ARGS ?= 10000 100000 4
bench-mail: smtp-server
	cargo run --release -p stampede-server --example bench_mail -- $(BENCH_MAIL_ARGS)

# Ample stock: holds and orders per second at a steady arrival rate, and the same baseline.
bench-checkout: services
	cargo build --release -p stampede-server -p stampede-sale
	$(CARGO_TARGET_DIR)/release/stampede-sale ample --baseline --server-bin $(CARGO_TARGET_DIR)/release/stampede \
		--database-url $(SALE_DB) --redis-url $(SALE_REDIS) $(SALE_ARGS)

# Where the CPU goes during the ample-stock sale (no baseline): a system-wide perf profile, by
# process and by function (docs/operations.md#what-bounds-checkout).
profile-checkout: services
	@command -v perf >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y linux-perf; }
	cargo build --release -p stampede-server -p stampede-sale
	scripts/profile-checkout.sh $(CARGO_TARGET_DIR)/release $(SALE_DB) $(SALE_REDIS) $(SALE_ARGS)
