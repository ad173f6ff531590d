import { test, expect } from "@playwright/test";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreatedEvent, Organiser, showcase, uniqueStamp } from "./organiser";
import { bin, root, site, waitFor } from "./processes";
import { PORT_OFFSET } from "../playwright.config";

// The edge in front of two origins that share one database, all started here so the tests can stop
// and restart origins. Ports are this file's own.
const ORIGIN_A = 3210 + PORT_OFFSET;
const ORIGIN_B = 3211 + PORT_OFFSET;
const EDGE = 8790 + PORT_OFFSET;
const EDGE_TWIN = 8792 + PORT_OFFSET;
const EDGE_URL = `http://127.0.0.1:${EDGE}`;
// The edge's page cache, as started here: fresh for a second, then served stale for two more
// while it is refreshed in the background; older pages are confirmed before they are served.
const PAGE_FRESH_MS = 1_000;
const STALE_WHILE_REVALIDATE_MS = 2_000;
// Opens /__edge/stats, which the tests read.
const OPERATOR_TOKEN = `operator-${uniqueStamp()}`;
const asOperator = { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } };

let dataDir: string;
// The event these tests sell, made by an organiser of their own on origin A (the origins share the
// database) in beforeAll; its page through the edge is PAGE.
let organiser: Organiser;
let event: CreatedEvent;
let slug: string;
let PAGE: string;
const running = new Map<number, ChildProcess>();

async function startOrigin(port: number) {
  const child = spawn(bin, ["serve"], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite://${dataDir}/shared.db`, SITE_ROOT: site, RUST_LOG: "warn", STAMPEDE_DEMO: "false", HOLD_RATE_BURST: "10000", HOLD_TICKETS_PER_NETWORK: "100000" },
    stdio: "ignore",
  });
  running.set(port, child);
  await waitFor(`http://127.0.0.1:${port}/readyz`);
}

async function stopOrigin(port: number) {
  const child = running.get(port);
  running.delete(port);
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

/** Asks for a page until the edge answers it other than from a fresh cache entry; returns how. */
async function firstAnswerAfterHits(url: string): Promise<Response> {
  let response: Response | undefined;
  await expect
    .poll(async () => (response = await fetch(url)).headers.get("x-cache"), { intervals: [100], timeout: PAGE_FRESH_MS + 5_000 })
    .not.toBe("hit");
  return response!;
}

function pageData(html: string): string {
  const match = /<script id="page-data" type="application\/json">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error("no page data in the page");
  return match[1].replace(/\\u003c/g, "<");
}

test.describe.configure({ mode: "serial" });

test.describe("the edge", () => {
  test.beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stampede-edge-"));
    await startOrigin(ORIGIN_A);
    await startOrigin(ORIGIN_B);
    const edge = spawn(`${root}/scripts/run-edge.sh`, [`127.0.0.1:${EDGE}`, `http://127.0.0.1:${ORIGIN_A},http://127.0.0.1:${ORIGIN_B}`], {
      env: {
        ...process.env,
        PAGE_FRESH_MS: String(PAGE_FRESH_MS),
        STALE_WHILE_REVALIDATE_SECONDS: String(STALE_WHILE_REVALIDATE_MS / 1_000),
        ORIGIN_TIMEOUT_MS: "2000",
        EDGE_TWIN_ADDRESS: `127.0.0.1:${EDGE_TWIN}`,
        OPERATOR_TOKEN,
      },
      stdio: "ignore",
    });
    running.set(EDGE, edge);
    organiser = await Organiser.signUp(`http://127.0.0.1:${ORIGIN_A}`);
    slug = `edge-${uniqueStamp()}`;
    event = await showcase(organiser, slug);
    PAGE = `${EDGE_URL}/e/${slug}`;
    await waitFor(`${EDGE_URL}/__edge/health`);
  });

  test.afterAll(async () => {
    await organiser?.dispose();
    for (const port of [...running.keys()]) await stopOrigin(port);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("renders an event page byte for byte as the origin renders the same snapshot", async () => {
    const response = await fetch(PAGE);
    expect(response.status).toBe(200);
    const html = await response.text();
    // The origin's renderer, given the page data the edge embedded, must produce the edge's bytes.
    const originRender = execFileSync(bin, ["render"], { input: pageData(html), env: { ...process.env, SITE_ROOT: site } }).toString();
    expect(originRender).toBe(html);
    // And the origin's own page for the event embeds the same kind of data, rendered the same way.
    const fromOrigin = await (await fetch(`http://127.0.0.1:${ORIGIN_A}/e/${slug}`)).text();
    const originAgain = execFileSync(bin, ["render"], { input: pageData(fromOrigin), env: { ...process.env, SITE_ROOT: site } }).toString();
    expect(originAgain).toBe(fromOrigin);
  });

  test("serves pages from its cache and says so", async () => {
    await fetch(PAGE);
    const hit = await fetch(PAGE);
    expect(hit.headers.get("x-cache")).toBe("hit");
    expect(hit.headers.get("server-timing")).toMatch(/edge;dur=\d+/);
    // Compressed once when rendered, sent compressed to clients that accept it (fetch does).
    expect(hit.headers.get("content-encoding")).toBe("gzip");
    expect(await hit.text()).toContain("General Admission");
    // Hits until the page is older than PAGE_FRESH_MS; the first answer after that is stale (and
    // starts a background refresh), not one the origin was asked for first.
    expect((await firstAnswerAfterHits(PAGE)).headers.get("x-cache")).toBe("stale");
    // Past the stale-while-revalidate window the origin confirms the page before it is served. Any
    // look inside the window refreshes the page and starts it again, so the looks are further apart
    // than the window.
    await expect
      .poll(async () => (await fetch(PAGE)).headers.get("x-cache"), { intervals: [PAGE_FRESH_MS + STALE_WHILE_REVALIDATE_MS + 300], timeout: 10_000 })
      .toBe("revalidated");
    // The origin's confirmation makes the page fresh again: the next request is a hit.
    expect((await fetch(PAGE)).headers.get("x-cache")).toBe("hit");
    // Rendered pages also go to the Cache API, so a new isolate starts warm.
    const stats = await (await fetch(`${EDGE_URL}/__edge/stats`, asOperator)).json();
    expect(stats.cache_api_page_writes).toBeGreaterThan(0);
    const asset = await fetch(`${EDGE_URL}/favicon.svg`);
    expect(asset.status).toBe(200);
    expect((await fetch(`${EDGE_URL}/favicon.svg`)).headers.get("x-cache")).toBe("hit");
  });

  test("shows an organiser's change within about two seconds", async () => {
    await fetch(PAGE);
    const title = `Night of the Herd, moved ${Date.now()}`;
    await organiser.retitle(event.id, slug, title);
    const changed = Date.now();
    await expect
      .poll(async () => (await (await fetch(PAGE)).text()).includes(title), { timeout: 2_500, intervals: [100] })
      .toBe(true);
    console.log(`organiser change visible at the edge after ${Date.now() - changed} ms`);
  });

  test("takes an unpublished event off the edge within seconds, and back when published", async () => {
    // The event's organiser, through the admin API on origin A, as the admin app does it.
    expect((await fetch(PAGE)).status).toBe(200);
    await organiser.unpublish(event.id);
    const unpublished = Date.now();
    await expect.poll(async () => (await fetch(PAGE)).status, { timeout: 5_000, intervals: [100] }).toBe(404);
    console.log(`unpublish visible at the edge after ${Date.now() - unpublished} ms`);

    await organiser.publish(event.id);
    await expect.poll(async () => (await fetch(PAGE)).status, { timeout: 5_000, intervals: [100] }).toBe(200);
  });

  test("takes orders through the second origin when the first is down", async () => {
    await stopOrigin(ORIGIN_A);
    const snapshot = await (await fetch(`${EDGE_URL}/api/events/${slug}`)).json();
    const general = snapshot.ticket_types.find((t: { name: string }) => t.name === "General Admission");
    expect(general.id).toBe(event.typeIds["General Admission"]);
    const hold = await fetch(`${EDGE_URL}/api/events/${slug}/holds`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ ticket_type_id: general.id, quantity: 1 }] }),
    });
    expect(hold.status).toBe(201);
    const { id } = await hold.json();
    const order = await fetch(`${EDGE_URL}/api/holds/${id}/order`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `edge-${id}` },
      body: JSON.stringify({ buyer: { name: "Ada", email: "ada@example.com" }, attendees: [{ name: "Ada", email: "ada@example.com" }], payment: "offline" }),
    });
    expect(order.status).toBe(201);
    expect((await order.json()).tickets).toHaveLength(1);
    await startOrigin(ORIGIN_A);
  });

  test("keeps pages up while no origin answers, and recovers without a restart", async () => {
    await fetch(PAGE);
    await stopOrigin(ORIGIN_A);
    await stopOrigin(ORIGIN_B);

    // Once the page is no longer fresh, the last good one is served, stale.
    const page = await firstAnswerAfterHits(PAGE);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-cache")).toBe("stale");
    expect(await page.text()).toContain("General Admission");
    // A new isolate that never saw the page finds it in the Cache API.
    const twin = await fetch(`http://127.0.0.1:${EDGE_TWIN}/e/${slug}`);
    expect(twin.status).toBe(200);
    expect(await twin.text()).toContain("General Admission");
    const twinStats = await (await fetch(`http://127.0.0.1:${EDGE_TWIN}/__edge/stats`, asOperator)).json();
    expect(twinStats.cache_api_page_reads).toBe(1);

    const general = event.typeIds["General Admission"];
    const hold = await fetch(`${EDGE_URL}/api/events/${slug}/holds`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ ticket_type_id: general, quantity: 1 }] }),
    });
    expect(hold.status).toBe(503);
    expect(hold.headers.get("retry-after")).toBe("2");
    const body = await hold.json();
    expect(body.error).toBe("busy");
    expect(body.message).toContain("selling fast");

    await startOrigin(ORIGIN_B);
    await startOrigin(ORIGIN_A);
    await expect
      .poll(async () => {
        const retry = await fetch(`${EDGE_URL}/api/events/${slug}/holds`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ items: [{ ticket_type_id: general, quantity: 1 }] }),
        });
        return retry.status;
      }, { timeout: 15_000 })
      .toBe(201);
  });

  test("tells a buyer tickets are selling fast and retries while no origin answers", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(PAGE);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.getByRole("button", { name: "One more General Admission" }).click();
    await stopOrigin(ORIGIN_A);
    await stopOrigin(ORIGIN_B);

    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page.getByText("Tickets are selling fast, trying again…")).toBeVisible();
    await startOrigin(ORIGIN_A);
    await startOrigin(ORIGIN_B);
    await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await expect(page.getByRole("timer")).toContainText("Your tickets are held for");
  });

  test("answers bad input with a 4xx, never an exception", async () => {
    const cases: [string, RequestInit][] = [
      ["/e/NOT-A-SLUG", {}],
      ["/e/%ff%fe", {}],
      [`/e/${slug}/../../../etc/passwd`, {}],
      [`/e/${"a".repeat(5000)}`, {}],
      [`/e/${slug}`, { method: "PUT", body: "x" }],
      [`/e/${slug}`, { method: "DELETE" }],
      [`/api/events/${slug}/availability`, { method: "POST", body: "{}" }],
      [`/api/events/${slug}/holds`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }],
      ["/pkg/does-not-exist.js", {}],
      ["/metrics", {}],
      [`/api/events/${slug}/holds`, { method: "POST", headers: { "content-type": "application/json" }, body: `{"items": [], "padding": "${"z".repeat(70_000)}"}` }],
      [`/e/${slug}`, { headers: { "x-padding": "y".repeat(40_000) } }],
      [`/api/events/${slug}/holds`, { method: "POST", headers: { "content-type": "application/json", cookie: "c".repeat(40_000) }, body: "{}" }],
    ];
    for (const [pathname, init] of cases) {
      const response = await fetch(`${EDGE_URL}${pathname}`, init).catch((err) => err as Error);
      if (response instanceof Error) throw new Error(`${pathname}: ${response.message}`);
      expect(response.status, `${init.method ?? "GET"} ${pathname.slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${init.method ?? "GET"} ${pathname.slice(0, 60)}`).toBeLessThan(500);
    }
  });
});
