import { test, expect } from "@playwright/test";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { browserToken, Organiser, uniqueStamp } from "./organiser";
import { bin, root, site, waitFor } from "./processes";
import { PORT_OFFSET } from "../playwright.config";

// What the edge refuses and what it tells the origins, seen from outside: raw requests over
// node:net where a client library would tidy the request up first (dot segments, odd methods,
// broken or stalled bodies), and a recording origin where the test must see exactly what the edge
// forwarded. Three edges on real workerd, each with the settings of one deployment:
// - EDGE, in front of a real origin, with an operator token and a short body timeout;
// - EDGE_TRUSTED, on Cloudflare's terms (TRUST_CF_CONNECTING_IP, EDGE_KEY), in front of the recorder;
// - EDGE_PLAIN, as run locally (neither), in front of the recorder.
// Both recorder edges allow 3 holds in a row, then 1 a minute. Ports are this file's own.
const ORIGIN = 3212 + PORT_OFFSET;
const RECORDER = 3213 + PORT_OFFSET;
const EDGE = 8794 + PORT_OFFSET;
const EDGE_TRUSTED = 8795 + PORT_OFFSET;
const EDGE_PLAIN = 8796 + PORT_OFFSET;
// In front of the real origin with the tight limits: the pages' forms (they render its pages).
const EDGE_LIMITED = 8797 + PORT_OFFSET;
const OPERATOR_TOKEN = `operator-${uniqueStamp()}`;
const EDGE_KEY = `edge-key-${uniqueStamp()}`;
const HOLD_RATE_BURST = 3;
const HOLD_RATE_PER_MINUTE = 1;

let dataDir: string;
let organiser: Organiser;
let slug: string;
const children: ChildProcess[] = [];

/** What the recording origin was asked, in order. */
type Recorded = { method: string; url: string; headers: http.IncomingHttpHeaders };
const recorded: Recorded[] = [];
let recorder: http.Server;

/** A stand-in origin that notes every request and answers holds with a 201, anything else with a 200. */
function startRecorder(): Promise<void> {
  recorder = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      recorded.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers });
      const isHold = request.method === "POST" && /^\/api\/events\/[^/]+\/holds$/.test(request.url ?? "");
      response.writeHead(isHold ? 201 : 200, { "content-type": "application/json" });
      response.end(JSON.stringify({ recorded: true }));
    });
  });
  return new Promise((resolve) => recorder.listen(RECORDER, "127.0.0.1", resolve));
}

function startEdge(port: number, origins: string, env: Record<string, string>) {
  // Settings a developer's shell might carry must not leak into an edge that is meant to lack them.
  const inherited = { ...process.env };
  for (const name of ["EDGE_KEY", "OPERATOR_TOKEN", "TRUST_CF_CONNECTING_IP", "BODY_TIMEOUT_MS", "HOLD_RATE_BURST", "HOLD_RATE_PER_MINUTE"]) {
    delete inherited[name];
  }
  children.push(spawn(`${root}/scripts/run-edge.sh`, [`127.0.0.1:${port}`, origins], { env: { ...inherited, ...env }, stdio: "ignore" }));
}

type RawAnswer = { status: number; headers: Record<string, string>; body: string };

/**
 * Sends `head` (and then `body`, if given) on a fresh connection exactly as written, and reads one
 * response. Fails when none arrives within `timeoutMs`: a bound on the wait, not a timing claim.
 */
function raw(port: number, head: string, body = "", timeoutMs = 20_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(head + body));
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms to ${head.split("\r\n")[0]}`)), timeoutMs);
    const finish = (result: RawAnswer | Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const parse = (): RawAnswer | undefined => {
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return undefined;
      const [statusLine, ...lines] = received.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      const rest = received.subarray(end + 4);
      if (rest.length < length) return undefined;
      return { status: Number(statusLine.split(" ")[1]), headers, body: rest.subarray(0, length).toString() };
    };
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = parse();
      if (answer) finish(answer);
    });
    socket.on("error", (err) => finish(err));
    socket.on("close", () => finish(parse() ?? new Error(`connection closed without an answer to ${head.split("\r\n")[0]}`)));
  });
}

function get(port: number, target: string, headers: Record<string, string> = {}) {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return raw(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}Connection: close\r\n\r\n`);
}

function expectJsonError(answer: RawAnswer | { status: number; body: string }, status: number, code: string) {
  expect(answer.status, answer.body).toBe(status);
  const body = JSON.parse(answer.body);
  expect(body.error).toBe(code);
  expect(body.message.length).toBeGreaterThan(10);
  return body;
}

function holdRequest(port: number, headers: Record<string, string>, eventSlug = "limited-event") {
  return fetch(`http://127.0.0.1:${port}/api/events/${eventSlug}/holds`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ items: [{ ticket_type_id: 1, quantity: 1 }] }),
  });
}

test.describe.configure({ mode: "serial" });

test.describe("the edge's own checks", () => {
  test.beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "stampede-edge-security-"));
    const origin = spawn(bin, ["serve"], {
      env: { ...process.env, PORT: String(ORIGIN), DATABASE_URL: `sqlite://${dataDir}/origin.db`, SITE_ROOT: site, RUST_LOG: "warn", STAMPEDE_DEMO: "false", HOLD_RATE_BURST: "10000", HOLD_TICKETS_PER_NETWORK: "100000", OPERATOR_TOKEN },
      stdio: "ignore",
    });
    children.push(origin);
    await startRecorder();
    startEdge(EDGE, `http://127.0.0.1:${ORIGIN}`, { OPERATOR_TOKEN, BODY_TIMEOUT_MS: "1000" });
    const limits = { HOLD_RATE_BURST: String(HOLD_RATE_BURST), HOLD_RATE_PER_MINUTE: String(HOLD_RATE_PER_MINUTE) };
    startEdge(EDGE_TRUSTED, `http://127.0.0.1:${RECORDER}`, { TRUST_CF_CONNECTING_IP: "true", EDGE_KEY, ...limits });
    startEdge(EDGE_PLAIN, `http://127.0.0.1:${RECORDER}`, limits);
    startEdge(EDGE_LIMITED, `http://127.0.0.1:${ORIGIN}`, limits);
    await waitFor(`http://127.0.0.1:${ORIGIN}/readyz`);
    organiser = await Organiser.signUp(`http://127.0.0.1:${ORIGIN}`);
    slug = `guarded-${uniqueStamp()}`;
    await organiser.createEvent({ slug, title: "Guarded Night", types: [{ name: "General Admission", price: "10.00", capacity: 50 }] });
    for (const port of [EDGE, EDGE_TRUSTED, EDGE_PLAIN, EDGE_LIMITED]) await waitFor(`http://127.0.0.1:${port}/__edge/health`);
  });

  test.afterAll(async () => {
    await organiser?.dispose();
    for (const child of children) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await new Promise((resolve) => recorder?.close(resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("routes on the normalised path, the one it forwards", async () => {
    // The origin serves its metrics to its operators; through the edge no spelling reaches them,
    // not even with the operators' token.
    const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
    expect((await get(ORIGIN, "/metrics", operator)).status).toBe(200);
    expect((await get(ORIGIN, "/metrics")).status).toBe(401);
    for (const spelling of ["/./metrics", "/api/../metrics", "/x/%2e%2e/metrics", "/x/.%2E/metrics", "//metrics", "/%6detrics"]) {
      const answer = await get(EDGE, spelling, operator);
      expectJsonError(answer, 404, "not_found");
      expect(answer.body, spelling).not.toContain("# TYPE");
    }
    // Every spelling of the event page is the edge's cached page, not a trip to the origin.
    const encodedSlug = [...slug].map((c) => `%${c.charCodeAt(0).toString(16)}`).join("");
    for (const spelling of [`/e/${slug}`, `/e/./${slug}`, `/e/%2e/${slug}`, `/x/../e/${slug}`, `/e/${encodedSlug}`, `/e//${slug}`]) {
      const answer = await get(EDGE, spelling);
      expect(answer.status, spelling).toBe(200);
      expect(answer.headers["x-cache"], spelling).toMatch(/^(hit|miss|stale|revalidated)$/);
      expect(answer.body, spelling).toContain("Guarded Night");
    }
    expect((await get(EDGE, `/api/events/${encodedSlug}/availability`)).headers["x-cache"]).toMatch(/^(hit|miss|stale)$/);
    // What cannot be normalised safely is refused, and never forwarded.
    recorded.length = 0;
    for (const refused of [`/e/${slug}%2f..%2f..%2fmetrics`, "/api/orders/a%5cb", "/api/x%00", "/api/100%", "/api/a%0d%0aSet-Cookie:x"]) {
      expectJsonError(await get(EDGE_PLAIN, refused), 400, "bad_request");
    }
    expect(recorded).toEqual([]);
    // The origin is sent the normalised URL, query and all, exactly as the edge decided on it.
    expect((await get(EDGE_PLAIN, "/api/./orders/%7Eabc/../tok%65n%3f?x=%2e%2e&y=1")).status).toBe(200);
    expect(recorded.map((r) => r.url)).toEqual(["/api/orders/token%3F?x=%2e%2e&y=1"]);
  });

  test("shows its stats to operators only", async () => {
    const stats = `http://127.0.0.1:${EDGE}/__edge/stats`;
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: OPERATOR_TOKEN }, { authorization: `Basic ${OPERATOR_TOKEN}` }]) {
      const response = await fetch(stats, { headers });
      expectJsonError({ status: response.status, body: await response.text() }, 404, "not_found");
    }
    const response = await fetch(stats, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect((await response.json()).origin_requests).toBeGreaterThan(0);
    // An edge without a token shows them to nobody.
    expect((await fetch(`http://127.0.0.1:${EDGE_PLAIN}/__edge/stats`, { headers: { authorization: "Bearer " } })).status).toBe(404);
  });

  test("answers methods it does not serve with a 405 that says which it does", async () => {
    for (const method of ["PROPFIND", "MKCOL", "TRACE", "PURGE", "LOCK"]) {
      const answer = await raw(EDGE, `${method} /e/${slug} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      const body = expectJsonError(answer, 405, "method_not_allowed");
      expect(answer.headers["allow"]).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
      expect(body.message).toContain(method);
    }
    // CONNECT never reaches a worker (workerd refuses it before the edge's code runs), and it
    // must never open a tunnel.
    const connect = await raw(EDGE, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n");
    expect(connect.status).toBeGreaterThanOrEqual(400);
  });

  test("refuses a broken body with a 400, a stalled one with a 408, a large one with a 413", async () => {
    const hold = `POST /api/events/${slug}/holds HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`;
    // A chunk size that is not hexadecimal.
    expectJsonError(await raw(EDGE, `${hold}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, "zz\r\n{}\r\n0\r\n\r\n"), 400, "bad_request");
    // Fewer bytes than declared, and then nothing: BODY_TIMEOUT_MS is a second for this edge.
    const stalled = expectJsonError(await raw(EDGE, `${hold}Content-Length: 100\r\n\r\n`, `{"items": [`), 408, "request_timeout");
    expect(stalled.message).toContain("1 second");
    // A chunked body whose last chunk never comes.
    expectJsonError(await raw(EDGE, `${hold}Transfer-Encoding: chunked\r\n\r\n`, "2\r\n{}\r\n"), 408, "request_timeout");
    // A chunked body (no length declared) larger than the edge carries.
    const big = "x".repeat(70 * 1024);
    const chunked = `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
    expectJsonError(await raw(EDGE, `${hold}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, chunked), 413, "payload_too_large");
    // A good body still goes through.
    const type = (await (await fetch(`http://127.0.0.1:${EDGE}/api/events/${slug}`)).json()).ticket_types[0].id;
    const good = JSON.stringify({ items: [{ ticket_type_id: type, quantity: 1 }] });
    const answer = await raw(EDGE, `${hold}Content-Length: ${good.length}\r\nConnection: close\r\n\r\n`, good);
    expect(answer.status, answer.body).toBe(201);
  });

  test("tells the origin the client's address only on Cloudflare's word, and signs what it sends", async () => {
    const forged = {
      "cf-connecting-ip": "203.0.113.9",
      "x-stampede-client-ip": "198.51.100.66",
      "x-stampede-edge-key": "forged",
      "x-forwarded-for": "192.0.2.1",
    };
    recorded.length = 0;
    await fetch(`http://127.0.0.1:${EDGE_TRUSTED}/api/orders/some-token`, { headers: forged });
    await fetch(`http://127.0.0.1:${EDGE_TRUSTED}/api/orders/other-token`, { headers: { ...forged, "cf-connecting-ip": "not an address" } });
    await fetch(`http://127.0.0.1:${EDGE_PLAIN}/api/orders/some-token`, { headers: forged });
    const [trusted, unreadable, plain] = recorded;
    expect(trusted.headers["x-stampede-client-ip"]).toBe("203.0.113.9");
    expect(trusted.headers["x-stampede-edge-key"]).toBe(EDGE_KEY);
    expect(unreadable.headers["x-stampede-client-ip"]).toBeUndefined();
    expect(unreadable.headers["x-stampede-edge-key"]).toBe(EDGE_KEY);
    // Off Cloudflare the browser's claims are dropped and nothing is claimed in their place.
    expect(plain.headers["x-stampede-client-ip"]).toBeUndefined();
    expect(plain.headers["x-stampede-edge-key"]).toBeUndefined();
    for (const request of recorded) {
      expect(request.headers["x-forwarded-for"]).toBeUndefined();
      expect(request.headers["cf-connecting-ip"]).toBeUndefined();
    }
    // The edge's own requests (here: the snapshot behind an event page) carry the key too.
    recorded.length = 0;
    await fetch(`http://127.0.0.1:${EDGE_TRUSTED}/e/some-event`);
    const snapshot = recorded.find((r) => r.url === "/api/events/some-event");
    expect(snapshot?.headers["x-stampede-edge-key"]).toBe(EDGE_KEY);
  });

  test("limits holds per trusted address on Cloudflare, per browser token elsewhere", async () => {
    const address = "203.0.113.50";
    recorded.length = 0;
    for (let i = 0; i < HOLD_RATE_BURST; i++) expect((await holdRequest(EDGE_TRUSTED, { "cf-connecting-ip": address })).status).toBe(201);
    const refused = await holdRequest(EDGE_TRUSTED, { "cf-connecting-ip": address });
    const body = expectJsonError({ status: refused.status, body: await refused.text() }, 429, "too_many_requests");
    expect(body.message).toContain(`at most ${HOLD_RATE_BURST} in a row, then ${HOLD_RATE_PER_MINUTE} a minute`);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The refused request never reached the origin; another address has its own allowance, and
    // a cookie does not change whose allowance it is.
    expect(recorded.filter((r) => r.method === "POST")).toHaveLength(HOLD_RATE_BURST);
    expect((await holdRequest(EDGE_TRUSTED, { "cf-connecting-ip": address, cookie: `stampede_client=${browserToken()}` })).status).toBe(429);
    expect((await holdRequest(EDGE_TRUSTED, { "cf-connecting-ip": "198.51.100.7" })).status).toBe(201);
    // Other requests from the limited address pass.
    expect((await fetch(`http://127.0.0.1:${EDGE_TRUSTED}/api/holds/abc`, { headers: { "cf-connecting-ip": address } })).status).toBe(200);

    // Off Cloudflare: the browser's token is the key, and a cf-connecting-ip it sends changes nothing.
    const token = `stampede_client=${browserToken()}`;
    for (let i = 0; i < HOLD_RATE_BURST; i++) {
      expect((await holdRequest(EDGE_PLAIN, { cookie: `theme=dark; ${token}`, "cf-connecting-ip": `192.0.2.${i + 1}` })).status).toBe(201);
    }
    expect((await holdRequest(EDGE_PLAIN, { cookie: token, "cf-connecting-ip": "192.0.2.99" })).status).toBe(429);
    expect((await holdRequest(EDGE_PLAIN, { cookie: `stampede_client=${browserToken()}` })).status).toBe(201);
    // Without either, the edge leaves the limit to the origin.
    for (let i = 0; i < HOLD_RATE_BURST + 2; i++) expect((await holdRequest(EDGE_PLAIN, {})).status).toBe(201);
  });

  test("counts the event page's form as a reservation, and refuses it with a page", async () => {
    const event = await (await fetch(`http://127.0.0.1:${ORIGIN}/api/events/${slug}`)).json();
    const form = `quantity.${event.ticket_types[0].id}=1`;
    const headers = { "content-type": "application/x-www-form-urlencoded", cookie: `stampede_client=${browserToken()}` };
    const reserve = () => fetch(`http://127.0.0.1:${EDGE_LIMITED}/e/${slug}/holds`, { method: "POST", headers, body: form, redirect: "manual" });
    for (let i = 0; i < HOLD_RATE_BURST; i++) {
      const reserved = await reserve();
      expect(reserved.status).toBe(303);
      expect(reserved.headers.get("location")).toMatch(/^\/checkout\/[0-9a-f-]{36}$/);
    }
    // The next one at once is over the limit: the edge refuses it, as the page a browser shows.
    const refused = await reserve();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("text/html");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const html = await refused.text();
    expect(html).toContain("That didn’t work");
    expect(html).toContain(`Too many reservations from this browser: at most ${HOLD_RATE_BURST} in a row`);
  });
});
