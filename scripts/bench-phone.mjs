// Loads the event page in Chromium as a phone on slow 4G with a 4x slower CPU (Chrome DevTools'
// emulation, by CDP), cold each time, and prints the median of each figure over the runs.
// Usage: node scripts/bench-phone.mjs URL RUNS   (scripts/bench-phone.sh starts a storefront)
import { createRequire } from "node:module";
const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("@playwright/test");

const [url, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
// Slow 4G as the issue measured it: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
const network = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9 };
const cpuSlowdown = 4;

// Runs in the page before its own scripts: when the largest content painted, when the first "+"
// was in the page and enabled (a form button: it works from then on, script or not), and when
// hydration set its mark.
function marks() {
  window.__marks = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__marks.lcp = entry.startTime;
  }).observe({ type: "largest-contentful-paint", buffered: true });
  const seen = () => {
    const plus = document.querySelector("form.tickets button.step[value^='add.']:not([disabled])");
    if (plus && window.__marks.controls === undefined && plus.form && plus.formAction) window.__marks.controls = performance.now();
    if (document.body?.dataset.hydrated === "true" && window.__marks.hydrated === undefined) window.__marks.hydrated = performance.now();
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true });
  document.addEventListener("DOMContentLoaded", seen);
}

async function phone(browser) {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", network);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpuSlowdown });
  await page.addInitScript(marks);
  return { context, page };
}

/** One cold load: the marks, once hydrated. */
async function load(browser) {
  const { context, page } = await phone(browser);
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForSelector("body[data-hydrated='true']", { state: "attached", timeout: 60_000 });
  const found = await page.evaluate(() => window.__marks);
  await context.close();
  return found;
}

/** A tap on "+" as soon as the largest content painted: what answered it, and when the choice showed. */
async function tapAtLcp(browser) {
  const { context, page } = await phone(browser);
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__marks?.lcp !== undefined, null, { timeout: 60_000, polling: 10 });
  const tapped = Date.now();
  const hydratedBefore = await page.evaluate(() => document.body?.dataset.hydrated === "true");
  await page.locator("form.tickets button.step[value^='add.']:not([disabled])").first().click({ noWaitAfter: true });
  await page.waitForFunction(() => [...document.querySelectorAll("output.quantity")].some((output) => output.textContent.trim() === "1"), null, {
    timeout: 60_000,
    polling: 10,
  });
  const answered = Date.now() - tapped;
  await context.close();
  return { answered, by: hydratedBefore ? "the script" : "the form" };
}

const median = (values) => {
  const sorted = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};
const ms = (value) => `${Math.round(value)} ms`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const loads = [];
for (let i = 0; i < runs; i++) loads.push(await load(browser));
const taps = [];
for (let i = 0; i < runs; i++) taps.push(await tapAtLcp(browser));
await browser.close();

console.log(`${url}, 320 px, slow 4G (150 ms, 1.6 Mbit/s), CPU x${cpuSlowdown}, median of ${runs} cold loads:`);
console.log(`  largest contentful paint   ${ms(median(loads.map((m) => m.lcp)))}`);
console.log(`  controls work              ${ms(median(loads.map((m) => m.controls)))}   (the ticket form's buttons, in the HTML)`);
console.log(`  hydrated                   ${ms(median(loads.map((m) => m.hydrated)))}`);
const byForm = taps.filter((tap) => tap.by === "the form").length;
console.log(`  "+" tapped at LCP shows 1  ${ms(median(taps.map((t) => t.answered)))}   (answered by the form ${byForm} of ${runs} times, by the script the rest)`);
