import { test, expect } from "@playwright/test";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The edge in front of two origins that share one database, all started here so the tests can stop
// and restart origins. Ports are this file's own.
const home = process.env.HOME ?? "/root";
const bin = process.env.STAMPEDE_BIN ?? `${home}/.cache/stampede/target/debug/stampede`;
const site = process.env.SITE_ROOT ?? `${home}/.cache/stampede/target/site`;
const root = path.resolve(__dirname, "../..");
const ORIGIN_A = 3210;
const ORIGIN_B = 3211;
const EDGE = 8790;
const EDGE_TWIN = 8792;
const EDGE_URL = `http://127.0.0.1:${EDGE}`;
const PAGE = `${EDGE_URL}/e/stampede-live`;

let dataDir: string;
const running = new Map<number, ChildProcess>();

async function waitFor(url: string, up = true, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok === up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ${up ? "ready" : "unreachable"}`);
}

async function startOrigin(port: number) {
  const child = spawn(bin, ["serve"], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: `sqlite://${dataDir}/shared.db`, SITE_ROOT: site, RUST_LOG: "warn" },
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

function sqlite(statement: string) {
  execFileSync("python3", ["-c", `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()`, `${dataDir}/shared.db`, statement]);
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
        PAGE_FRESH_MS: "1000",
        STALE_WHILE_REVALIDATE_SECONDS: "2",
        ORIGIN_TIMEOUT_MS: "2000",
        EDGE_TWIN_ADDRESS: `127.0.0.1:${EDGE_TWIN}`,
      },
      stdio: "ignore",
    });
    running.set(EDGE, edge);
    await waitFor(`${EDGE_URL}/__edge/health`);
  });

  test.afterAll(async () => {
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
    const fromOrigin = await (await fetch(`http://127.0.0.1:${ORIGIN_A}/e/stampede-live`)).text();
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
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const stale = await fetch(PAGE);
    expect(stale.headers.get("x-cache")).toBe("stale");
    // Past the stale-while-revalidate window the origin confirms the page before it is served.
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const revalidated = await fetch(PAGE);
    expect(revalidated.headers.get("x-cache")).toBe("revalidated");
    // The origin's confirmation makes the page fresh again: the next request is a hit.
    expect((await fetch(PAGE)).headers.get("x-cache")).toBe("hit");
    // Rendered pages also go to the Cache API, so a new isolate starts warm.
    const stats = await (await fetch(`${EDGE_URL}/__edge/stats`)).json();
    expect(stats.cache_api_page_writes).toBeGreaterThan(0);
    const asset = await fetch(`${EDGE_URL}/favicon.svg`);
    expect(asset.status).toBe(200);
    expect((await fetch(`${EDGE_URL}/favicon.svg`)).headers.get("x-cache")).toBe("hit");
  });

  test("shows an organiser's change within about two seconds", async () => {
    await fetch(PAGE);
    const title = `Night of the Herd, moved ${Date.now()}`;
    sqlite(`UPDATE events SET title = '${title}', version = version + 1 WHERE slug = 'stampede-live'`);
    const changed = Date.now();
    await expect
      .poll(async () => (await (await fetch(PAGE)).text()).includes(title), { timeout: 2_500, intervals: [100] })
      .toBe(true);
    console.log(`organiser change visible at the edge after ${Date.now() - changed} ms`);
  });

  test("takes an unpublished event off the edge within seconds, and back when published", async () => {
    // The demo organiser, through the admin API on origin A, as the admin app does it.
    const originA = `http://127.0.0.1:${ORIGIN_A}`;
    const start = await fetch(`${originA}/admin/api/session`);
    let cookie = start.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const { csrf_token } = await start.json();
    const signIn = await fetch(`${originA}/admin/api/signin`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf_token, cookie },
      body: JSON.stringify({ email: "demo@stampede.example", password: "stampede-demo" }),
    });
    expect(signIn.status).toBe(200);
    cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") || cookie;
    const session = await signIn.json();
    const admin = (path: string) =>
      fetch(`${originA}/admin/api${path}`, { method: "POST", headers: { "x-csrf-token": session.csrf_token, cookie } });
    const events = await (await fetch(`${originA}/admin/api/organisations/${session.memberships[0].organisation_id}/events`, { headers: { cookie } })).json();
    const demo = events.find((e: { slug: string }) => e.slug === "stampede-live");

    expect((await fetch(PAGE)).status).toBe(200);
    expect((await admin(`/events/${demo.id}/unpublish`)).status).toBe(200);
    const unpublished = Date.now();
    await expect.poll(async () => (await fetch(PAGE)).status, { timeout: 5_000, intervals: [100] }).toBe(404);
    console.log(`unpublish visible at the edge after ${Date.now() - unpublished} ms`);

    expect((await admin(`/events/${demo.id}/publish`)).status).toBe(200);
    await expect.poll(async () => (await fetch(PAGE)).status, { timeout: 5_000, intervals: [100] }).toBe(200);
  });

  test("takes orders through the second origin when the first is down", async () => {
    await stopOrigin(ORIGIN_A);
    const snapshot = await (await fetch(`${EDGE_URL}/api/events/stampede-live`)).json();
    const general = snapshot.ticket_types.find((t: { name: string }) => t.name === "General Admission");
    const hold = await fetch(`${EDGE_URL}/api/events/stampede-live/holds`, {
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
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const page = await fetch(PAGE);
    expect(page.status).toBe(200);
    expect(page.headers.get("x-cache")).toBe("stale");
    expect(await page.text()).toContain("General Admission");
    // A new isolate that never saw the page finds it in the Cache API.
    const twin = await fetch(`http://127.0.0.1:${EDGE_TWIN}/e/stampede-live`);
    expect(twin.status).toBe(200);
    expect(await twin.text()).toContain("General Admission");
    const twinStats = await (await fetch(`http://127.0.0.1:${EDGE_TWIN}/__edge/stats`)).json();
    expect(twinStats.cache_api_page_reads).toBe(1);

    const hold = await fetch(`${EDGE_URL}/api/events/stampede-live/holds`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ ticket_type_id: 1, quantity: 1 }] }),
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
        const retry = await fetch(`${EDGE_URL}/api/events/stampede-live/holds`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ items: [{ ticket_type_id: 1, quantity: 1 }] }),
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
      ["/e/stampede-live/../../../etc/passwd", {}],
      [`/e/${"a".repeat(5000)}`, {}],
      ["/e/stampede-live", { method: "PUT", body: "x" }],
      ["/e/stampede-live", { method: "DELETE" }],
      ["/api/events/stampede-live/availability", { method: "POST", body: "{}" }],
      ["/api/events/stampede-live/holds", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }],
      ["/pkg/does-not-exist.js", {}],
      ["/metrics", {}],
      ["/api/events/stampede-live/holds", { method: "POST", headers: { "content-type": "application/json" }, body: `{"items": [], "padding": "${"z".repeat(70_000)}"}` }],
      ["/e/stampede-live", { headers: { "x-padding": "y".repeat(40_000) } }],
      ["/api/events/stampede-live/holds", { method: "POST", headers: { "content-type": "application/json", cookie: "c".repeat(40_000) }, body: "{}" }],
    ];
    for (const [pathname, init] of cases) {
      const response = await fetch(`${EDGE_URL}${pathname}`, init).catch((err) => err as Error);
      if (response instanceof Error) throw new Error(`${pathname}: ${response.message}`);
      expect(response.status, `${init.method ?? "GET"} ${pathname.slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${init.method ?? "GET"} ${pathname.slice(0, 60)}`).toBeLessThan(500);
    }
  });
});
