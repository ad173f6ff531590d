import { defineConfig, devices } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// Two storefronts on fresh SQLite databases: one as shipped, one with short holds for expiry tests.
// The binary and the built site come from `make test` (see the Makefile). No test needs the demo
// event: each makes its own through the admin API (tests/fixtures.ts), so the demo stays off.
const home = process.env.HOME ?? "/root";
const bin = process.env.STAMPEDE_BIN ?? `${home}/.cache/stampede/target/debug/stampede`;
const site = process.env.SITE_ROOT ?? `${home}/.cache/stampede/target/site`;
// Workers inherit the environment, so every process agrees on one data dir per run.
process.env.STAMPEDE_E2E_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "stampede-e2e-"));
const dataDir = process.env.STAMPEDE_E2E_DIR;
// Every origin of the run writes its emails here (MAIL_DIR); tests read sign-up links from it.
process.env.MAIL_DIR ??= path.join(dataDir, "mail");

// E2E_PORT_OFFSET moves every port of a run, so two checkouts can run their suites at once.
export const PORT_OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 0);
export const MAIN_PORT = 3100 + PORT_OFFSET;
export const SHORT_HOLD_PORT = 3101 + PORT_OFFSET;
export const EDGE_PORT = 8788 + PORT_OFFSET;
// localstripe (PyPI), the Stripe-compatible test server: card payments (card.spec.ts).
export const STRIPE_PORT = 8431 + PORT_OFFSET;
export const STRIPE_BASE = `http://127.0.0.1:${STRIPE_PORT}`;
const root = path.resolve(__dirname, "..");

function storefront(port: number, env: Record<string, string>) {
  return {
    command: `${bin} serve`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: {
      PORT: String(port),
      DATABASE_URL: `sqlite://${dataDir}/storefront-${port}.db`,
      SITE_ROOT: site,
      RUST_LOG: "warn",
      STAMPEDE_DEMO: "false",
      MAIL_DIR: process.env.MAIL_DIR!,
      // Every test signs up and in from 127.0.0.1: one client, to the origin's limits.
      SIGN_UP_CLIENT_BURST: "1000",
      SIGN_IN_CLIENT_BURST: "1000",
      // ... and holds from 127.0.0.1, by browsers and by the API alike (fair_use.rs tests the limits).
      HOLD_RATE_BURST: "10000",
      HOLD_TICKETS_PER_NETWORK: "100000",
      // Organisations that connect a Stripe account (only card.spec.ts's do) use the test server.
      STRIPE_API_BASE: STRIPE_BASE,
      STRIPE_JS_URL: `${STRIPE_BASE}/js.stripe.com/v3/`,
      ...env,
    },
  };
}

const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

// `origin`: where a project's tests make their events, when its baseURL is not an origin.
export default defineConfig<{ origin?: string }>({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${MAIN_PORT}`,
    trace: "retain-on-failure",
    launchOptions: chromium,
  },
  projects: [
    { name: "pixel-7", testIgnore: /(edge|edge-security|admin|security|waiting-room|no-script)\.spec/, use: { ...devices["Pixel 7"], launchOptions: chromium } },
    { name: "iphone-13", testIgnore: /(edge|edge-security|admin|security|card|waiting-room|no-script)\.spec/, use: { ...devices["iPhone 13"], browserName: "chromium", launchOptions: chromium } },
    // A phone that runs no script: the seconds before the hydration bundle arrives, or a browser
    // without it. It buys with the pages' plain forms, at the origin and through the edge.
    { name: "pixel-7-no-script", testMatch: /no-script\.spec/, use: { ...devices["Pixel 7"], javaScriptEnabled: false, launchOptions: chromium } },
    {
      name: "pixel-7-no-script-via-edge",
      testMatch: /no-script\.spec/,
      use: {
        ...devices["Pixel 7"],
        javaScriptEnabled: false,
        launchOptions: chromium,
        baseURL: `http://127.0.0.1:${EDGE_PORT}`,
        origin: `http://127.0.0.1:${MAIN_PORT}`,
      },
    },
    // An organiser at a desk runs the admin app; the attendee in the same story is on a Pixel 7.
    { name: "desktop-organiser", testMatch: /admin\.spec/, use: { ...devices["Desktop Chrome"], launchOptions: chromium } },
    // The same purchase flow through the edge worker on workerd, in front of the main storefront.
    {
      name: "pixel-7-via-edge",
      testMatch: /purchase\.spec/,
      grep: /an attendee on a phone/,
      use: { ...devices["Pixel 7"], launchOptions: chromium, baseURL: `http://127.0.0.1:${EDGE_PORT}`, origin: `http://127.0.0.1:${MAIN_PORT}` },
    },
    // Every page under its Content-Security-Policy, through the origin and the edge (security.spec.ts).
    { name: "security", testMatch: /(^|\/)security\.spec/, use: { ...devices["Desktop Chrome"], launchOptions: chromium } },
    // The edge's own behaviour: caching, failover, origins going away, what it refuses and what it
    // tells the origins. Starts its own processes.
    { name: "edge", testMatch: /edge(-security)?\.spec/, use: { launchOptions: chromium } },
    // The waiting room on workerd, with its own origin and edge: the lottery, the rate, the tokens,
    // sold out, a restart mid-queue, and phones waiting and buying.
    { name: "waiting-room", testMatch: /waiting-room\.spec/, use: { ...devices["Pixel 7"], launchOptions: chromium } },
  ],
  webServer: [
    {
      command: `python3 ${root}/scripts/run-localstripe.py --port ${STRIPE_PORT}`,
      url: `${STRIPE_BASE}/js.stripe.com/v3/`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore" as const,
      // Its access log goes to stderr: a line a request.
      stderr: "ignore" as const,
    },
    storefront(MAIN_PORT, {}),
    storefront(SHORT_HOLD_PORT, { HOLD_TTL_SECONDS: "5", REAPER_INTERVAL_MS: "500" }),
    {
      command: `${root}/scripts/run-edge.sh 127.0.0.1:${EDGE_PORT} http://127.0.0.1:${MAIN_PORT}`,
      url: `http://127.0.0.1:${EDGE_PORT}/__edge/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore" as const,
      stderr: "pipe" as const,
    },
  ],
});
