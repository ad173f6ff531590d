import { expect } from "@playwright/test";
import * as path from "node:path";

// What the specs that start their own origins and edges need: where `make test` leaves the origin's
// binary and the built site (see the Makefile), the checkout's root (for scripts/run-edge.sh), and
// a wait for a server to come up or go away.
const home = process.env.HOME ?? "/root";
export const bin = process.env.STAMPEDE_BIN ?? `${home}/.cache/stampede/target/debug/stampede`;
export const site = process.env.SITE_ROOT ?? `${home}/.cache/stampede/target/site`;
export const root = path.resolve(__dirname, "../..");

/** Polls `url` until it answers 2xx (or, with `up` false, until it does not). */
export async function waitFor(url: string, up = true, timeoutMs = 30_000) {
  const answers = () => fetch(url).then((r) => r.ok, () => false);
  await expect.poll(answers, { message: `${url} did not become ${up ? "ready" : "unreachable"}`, timeout: timeoutMs, intervals: [100] }).toBe(up);
}
