import { test, expect, openHydrated, ticketRow } from "./fixtures";
import { ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreatedEvent, Organiser, uniqueStamp, utcLocal } from "./organiser";
import { bin, root, site, waitFor } from "./processes";
import { PORT_OFFSET } from "../playwright.config";

// The waiting room on real workerd: an origin and an edge (with a twin isolate) of this file's own,
// sharing WAITING_ROOM_KEY, the rooms' Durable Objects stored in a folder of this file's own, so
// the edge can be restarted mid-queue.
const ORIGIN = 3230 + PORT_OFFSET;
const EDGE = 8794 + PORT_OFFSET;
const EDGE_TWIN = 8796 + PORT_OFFSET;
const EDGE_URL = `http://127.0.0.1:${EDGE}`;
const ORIGIN_URL = `http://127.0.0.1:${ORIGIN}`;
const KEY = `the room's key for this run, ${uniqueStamp()}`;
const OPERATOR_TOKEN = `operator-${uniqueStamp()}`;
const asOperator = { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } };

let dataDir: string;
let organiser: Organiser;
const running = new Map<string, ChildProcess>();

async function start(name: string, command: string, args: string[], env: Record<string, string>, ready: string) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: "ignore", detached: true });
  running.set(name, child);
  await waitFor(ready);
}

async function stop(name: string) {
  const child = running.get(name);
  running.delete(name);
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // The edge is a script that starts workerd: the whole group goes.
    process.kill(-child.pid!, "SIGTERM");
    await exited;
  }
}

async function startOrigin() {
  await start(
    "origin",
    bin,
    ["serve"],
    { PORT: String(ORIGIN), DATABASE_URL: `sqlite://${dataDir}/origin.db`, SITE_ROOT: site, RUST_LOG: "warn", STAMPEDE_DEMO: "false", WAITING_ROOM_KEY: KEY, HOLD_RATE_BURST: "10000", HOLD_TICKETS_PER_NETWORK: "100000" },
    `${ORIGIN_URL}/readyz`,
  );
}

async function startEdge() {
  await start(
    "edge",
    `${root}/scripts/run-edge.sh`,
    [`127.0.0.1:${EDGE}`, ORIGIN_URL],
    {
      WAITING_ROOM_KEY: KEY,
      ROOM_DIR: path.join(dataDir, "rooms"),
      SECURE_COOKIES: "false",
      EDGE_TWIN_ADDRESS: `127.0.0.1:${EDGE_TWIN}`,
      OPERATOR_TOKEN,
      HOLD_RATE_BURST: "10000",
    },
    `${EDGE_URL}/__edge/health`,
  );
}

/** A visitor without a browser: a cookie jar and the edge's queue poll. */
class Visitor {
  cookies = new Map<string, string>();
  constructor(readonly slug: string, readonly base = EDGE_URL) {}

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers ?? {}), cookie: this.header() } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }

  async poll(base = this.base): Promise<{ state: string; position?: number; estimated_wait_seconds?: number; poll_after_ms: number }> {
    const response = await this.fetch(`${base}/api/events/${this.slug}/queue`);
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  }

  /** The place number the room gave (0 first), from the signed place cookie. */
  place(): number | undefined {
    const place = this.cookies.get("stampede_queue")?.split(".")[3];
    return place === undefined || place === "-" ? undefined : Number(place);
  }

  async hold(typeId: number, base = EDGE_URL): Promise<Response> {
    return this.fetch(`${base}/api/events/${this.slug}/holds`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: [{ ticket_type_id: typeId, quantity: 1 }] }),
    });
  }
}

/** An admission signed with the room's key, as the edge signs them (for buying out the stock). */
function admission(eventId: number, queueId: string): string {
  const payload = `v1.${eventId}.${queueId}.${Math.floor(Date.now() / 1000) + 600}`;
  return `${payload}.${crypto.createHmac("sha256", KEY).update(payload).digest("hex")}`;
}

/** An event with one type on sale from `opensInMs` from now, its room on at `perMinute`. */
async function eventWithRoom(name: string, capacity: number, opensInMs: number, perMinute: number): Promise<CreatedEvent> {
  const slug = `${name}-${uniqueStamp()}`;
  const opens = utcLocal(new Date(Date.now() + opensInMs));
  const event = await organiser.createEvent({ slug, title: `Room ${name}`, types: [{ name: "Standing", price: "20.00", capacity, max_per_order: 2, sale_starts_local: opens }] });
  await organiser.setRoom(event, { waiting_room: true, waiting_room_per_minute: String(perMinute), waiting_room_max_active: "1000" });
  return event;
}

test.describe.configure({ mode: "serial" });

test.describe("the waiting room", () => {
  test.beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stampede-room-"));
    await startOrigin();
    await startEdge();
    organiser = await Organiser.signUp(ORIGIN_URL);
  });

  test.afterAll(async () => {
    await organiser?.dispose();
    for (const name of [...running.keys()]) await stop(name);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("draws the pre-queue by lot at the on-sale, lets people in at the rate and in order, and carries on through a restart", async () => {
    test.setTimeout(90_000);
    const event = await eventWithRoom("lottery", 50, 6_000, 60);
    // The event page sends a visitor without an admission to the queue.
    const first = await fetch(`${EDGE_URL}${event.path}`, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe(`${event.path}/queue`);
    const queuePage = await (await fetch(`${EDGE_URL}${event.path}/queue`)).text();
    expect(queuePage).toContain("Waiting room");

    // Twenty arrive before the on-sale, one at a time: each is in the pre-queue, with no place yet.
    const early = Array.from({ length: 20 }, () => new Visitor(event.slug));
    for (const visitor of early) {
      expect((await visitor.poll()).state).toBe("pre_queue");
      expect(visitor.place()).toBeUndefined();
    }
    await expect.poll(async () => (await early[0].poll()).state, { timeout: 15_000, intervals: [500] }).not.toBe("pre_queue");
    // At the moment, every one of them gets a place, each place once, by lot: not their arrival order.
    for (const visitor of early) await visitor.poll();
    const places = early.map((visitor) => visitor.place()!);
    expect([...places].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(places).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Later arrivals queue behind them, first come, first served.
    const late = [new Visitor(event.slug), new Visitor(event.slug)];
    for (const visitor of late) await visitor.poll();
    expect(late.map((visitor) => visitor.place())).toEqual([20, 21]);

    // One a minute per second: after about four seconds, about four are in, and always the first places.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const states = [];
    for (const visitor of [...early, ...late]) states.push({ place: visitor.place()!, state: (await visitor.poll()).state });
    const admitted = states.filter((s) => s.state === "admitted").map((s) => s.place);
    console.log(`admitted after ~4 s at 60/min: ${admitted.length}`);
    expect(admitted.length).toBeGreaterThanOrEqual(2);
    expect(admitted.length).toBeLessThanOrEqual(10);
    expect([...admitted].sort((a, b) => a - b)).toEqual(Array.from({ length: admitted.length }, (_, i) => i));

    // A new isolate answers the same: the line is in the Durable Object, not in an isolate.
    const waitingOne = early.find((visitor) => visitor.place() === 15)!;
    const here = await waitingOne.poll();
    const there = await waitingOne.poll(`http://127.0.0.1:${EDGE_TWIN}`);
    expect(there.state).toBe("waiting");
    expect(Math.abs(there.position! - here.position!)).toBeLessThanOrEqual(2);

    // workerd restarted mid-queue: the admitted are still in, the waiting keep their places.
    const admittedOne = early.find((visitor) => visitor.place() === 0)!;
    await stop("edge");
    await startEdge();
    expect((await admittedOne.poll()).state).toBe("admitted");
    expect(admittedOne.place()).toBe(0);
    const after = await waitingOne.poll();
    expect(after.state === "admitted" || after.position! <= here.position!).toBe(true);
    expect(waitingOne.place()).toBe(15);
  });

  test("lets an admitted buyer hold once at a time, refuses the rest at the origin, and sends few polls to the room", async () => {
    test.setTimeout(60_000);
    const event = await eventWithRoom("unskippable", 50, 0, 600);
    const typeId = event.typeIds["Standing"];
    const buyer = new Visitor(event.slug);
    await expect.poll(async () => (await buyer.poll()).state, { timeout: 10_000, intervals: [300] }).toBe("admitted");
    // Admitted: the event page is shown, and a hold through the edge is taken.
    expect((await buyer.fetch(`${EDGE_URL}${event.path}`)).status).toBe(200);
    const hold = await buyer.hold(typeId);
    expect(hold.status, await hold.clone().text()).toBe(201);
    // The same admission for a second hold while the first lives: refused.
    expect((await buyer.hold(typeId)).status).toBe(409);
    // Nobody gains by going around the room: no admission, an edited one, or another's place.
    const stranger = new Visitor(event.slug);
    const refused = await stranger.hold(typeId);
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain("waiting room");
    const direct = new Visitor(event.slug, ORIGIN_URL);
    expect((await direct.hold(typeId, ORIGIN_URL)).status).toBe(403);
    direct.cookies.set("stampede_admission", buyer.cookies.get("stampede_admission")!.replace(/\.[0-9a-f]{64}$/, `.${"0".repeat(64)}`));
    expect((await direct.hold(typeId, ORIGIN_URL)).status).toBe(403);

    // Waiting visitors' polls are answered from the isolate's copy of the room: few reach it.
    const slow = await eventWithRoom("polls", 50, 0, 1);
    const waiting = Array.from({ length: 5 }, () => new Visitor(slow.slug));
    for (const visitor of waiting) await visitor.poll();
    const before = await (await fetch(`${EDGE_URL}/__edge/stats`, asOperator)).json();
    for (let round = 0; round < 20; round++) for (const visitor of waiting) expect((await visitor.poll()).state).toMatch(/waiting|admitted/);
    const afterStats = await (await fetch(`${EDGE_URL}/__edge/stats`, asOperator)).json();
    const polls = afterStats.queue_polls - before.queue_polls;
    const roomRequests = afterStats.room_requests - before.room_requests;
    console.log(`${polls} polls, ${roomRequests} reached the room`);
    expect(polls).toBe(100);
    expect(roomRequests).toBeLessThan(20);

    // The organiser sees the room in the admin: it reports itself to the origin every few seconds
    // while it is asked (here, by the isolate refreshing its copy for these polls).
    await expect
      .poll(async () => {
        await waiting[0].poll();
        return (await organiser.room(slow.id))?.in_queue;
      }, { timeout: 15_000, intervals: [500] })
      .toBe(5);
  });

  test("lets fewer in while the origin cannot take more holds", async () => {
    const event = await eventWithRoom("overload", 50, 0, 6);
    const waiting = Array.from({ length: 5 }, () => new Visitor(event.slug));
    for (const visitor of waiting) await visitor.poll();
    const last = waiting[4];
    const secondsPerPlace = async () => {
      const status = await last.poll();
      expect(status.state).toBe("waiting");
      return status.estimated_wait_seconds! / status.position!;
    };
    // Six a minute: ten seconds a place.
    expect(await secondsPerPlace()).toBe(10);
    // No origin takes the hold (503): the room halves its pace, and the wait shown doubles.
    await stop("origin");
    expect((await last.hold(event.typeIds["Standing"])).status).toBe(503);
    await startOrigin();
    await expect.poll(secondsPerPlace, { timeout: 5_000, intervals: [250] }).toBe(20);
  });

  test("ends the queue for everyone at once when the stock is gone, and offers the waiting list", async () => {
    const event = await eventWithRoom("sellout", 3, 0, 1);
    const typeId = event.typeIds["Standing"];
    const waiting = Array.from({ length: 5 }, () => new Visitor(event.slug));
    for (const visitor of waiting) expect((await visitor.poll()).state).toMatch(/waiting|admitted/);
    // The stock goes (held by three admitted buyers at the origin).
    for (let i = 0; i < 3; i++) {
      const buyer = new Visitor(event.slug, ORIGIN_URL);
      buyer.cookies.set("stampede_admission", admission(event.id, `buyer-${i}`));
      expect((await buyer.hold(typeId, ORIGIN_URL)).status).toBe(201);
    }
    const gone = Date.now();
    await expect.poll(async () => (await waiting[0].poll()).state, { timeout: 5_000, intervals: [200] }).toBe("sold_out");
    console.log(`the queue heard sold out after ${Date.now() - gone} ms`);
    for (const visitor of waiting) expect((await visitor.poll()).state).toBe("sold_out");
    // The event page is open again, for its waiting list.
    expect((await waiting[1].fetch(`${EDGE_URL}${event.path}`)).status).toBe(200);
  });

  test("a phone without the page's script waits in the pre-queue, is let in by the page's own refreshes and buys", async ({ browser }) => {
    test.setTimeout(60_000);
    const event = await eventWithRoom("no-script", 5, 6_000, 600);
    const phone = await browser.newContext({ baseURL: EDGE_URL, viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true, javaScriptEnabled: false });
    const page = await phone.newPage();
    await page.goto(event.path);
    // The queue page every visitor gets refreshes to the poll, which answers with this visitor's place.
    await expect(page).toHaveURL(new RegExp(`/api/events/${event.slug}/queue$`));
    await expect(page.locator(".queue-status")).toHaveAttribute("data-queue-state", "pre_queue");
    await expect(page.locator(".queue-status")).toContainText("You are in the pre-queue");
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
    // At the on-sale a refresh finds the visitor let in and goes on to the tickets.
    await expect(page).toHaveURL(new RegExp(`${event.path}$`), { timeout: 20_000 });
    await ticketRow(page, "Standing").getByRole("button", { name: "One more Standing" }).click();
    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
    await page.locator("#buyer-name").fill("Nell Noscript");
    await page.locator("#buyer-email").fill("nell@example.com");
    await page.getByRole("button", { name: "Place order" }).click();
    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await phone.close();
  });

  test("a phone waits in the pre-queue, is let in at the on-sale and buys; the next phone finds it sold out and joins the waiting list", async ({ browser }) => {
    test.setTimeout(60_000);
    const event = await eventWithRoom("phones", 1, 8_000, 600);
    const phone = await browser.newContext({ baseURL: EDGE_URL, viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    await page.goto(event.path);
    await expect(page).toHaveURL(new RegExp(`${event.path}/queue$`));
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator(".queue-status")).toHaveAttribute("data-queue-state", "pre_queue");
    await expect(page.locator(".queue-status")).toContainText("The sale opens in");
    // At the on-sale the page moves on by itself.
    await expect(page).toHaveURL(new RegExp(`${event.path}$`), { timeout: 20_000 });
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await ticketRow(page, "Standing").getByRole("button", { name: "One more Standing" }).click();
    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.locator("#buyer-name").fill("Quinn Queue");
    await page.locator("#buyer-email").fill("quinn@example.com");
    await page.getByRole("button", { name: "Place order" }).click();
    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await phone.close();

    const latecomer = await browser.newContext({ baseURL: EDGE_URL, viewport: { width: 412, height: 915 }, isMobile: true, hasTouch: true });
    const second = await latecomer.newPage();
    await expect
      .poll(async () => {
        await second.goto(event.path);
        return second.url();
      }, { timeout: 10_000, intervals: [500] })
      .toMatch(new RegExp(`${event.path}$`));
    await openHydrated(second, event.path);
    const row = ticketRow(second, "Standing");
    await expect(row).toContainText("Sold out");
    await row.locator(".waiting-list summary").click();
    await row.getByLabel("Your name").fill("Lee Late");
    await row.getByLabel("Email").fill(`lee-${uniqueStamp()}@example.com`);
    await row.getByRole("button", { name: "Join the waiting list" }).click();
    await expect(row.locator(".waiting-list-answer")).toContainText("You are number 1 in line");
    await latecomer.close();
  });
});
