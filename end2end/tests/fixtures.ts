import { test as base, expect, Page } from "@playwright/test";
import { CreatedEvent, Organiser, showcase, uniqueStamp } from "./organiser";

type TestFixtures = {
  consoleProblems: string[];
  /** The origin behind the test's storefront, where its events are made: `baseURL` unless set. */
  origin: string | undefined;
  /** An event of the test's own, on its origin, shaped like the demo (see `showcase`). */
  event: CreatedEvent;
};
type WorkerFixtures = { organisers: Organisers };

/** One organiser account per origin per worker, signed up when a test first needs it. */
class Organisers {
  private readonly byOrigin = new Map<string, Promise<Organiser>>();
  on(origin: string): Promise<Organiser> {
    let organiser = this.byOrigin.get(origin);
    if (!organiser) {
      organiser = Organiser.signUp(origin);
      this.byOrigin.set(origin, organiser);
      // A failed sign-up is not kept: the next test tries again.
      organiser.catch(() => this.byOrigin.delete(origin));
    }
    return organiser;
  }
  async dispose() {
    for (const organiser of this.byOrigin.values()) await (await organiser.catch(() => undefined))?.dispose();
  }
}

// Every test fails on any console error or warning (hydration mismatches show up there), on any
// uncaught exception in the page, and on any Content-Security-Policy violation.
export const test = base.extend<TestFixtures, WorkerFixtures>({
  consoleProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      await watchCsp(page);
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") {
          problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      await use(problems);
      expect(problems, "console errors or warnings").toEqual([]);
    },
    { auto: true },
  ],
  origin: [undefined, { option: true }],
  organisers: [
    async ({}, use) => {
      const organisers = new Organisers();
      await use(organisers);
      await organisers.dispose();
    },
    { scope: "worker" },
  ],
  event: async ({ organisers, origin, baseURL }, use, testInfo) => {
    const home = origin ?? baseURL!;
    const project = testInfo.project.name.replace(/[^a-z0-9]+/g, "-");
    await use(await showcase(await organisers.on(home), `${project}-${uniqueStamp()}`));
  },
});

export { expect };

/**
 * Reports every CSP violation in `page` as a console error (which the fixtures fail on), naming
 * the directive and what it blocked. Chromium logs most violations itself; this catches them all.
 */
export async function watchCsp(page: Page) {
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (violation) => {
      console.error(`CSP violation: ${violation.effectiveDirective} blocked ${violation.blockedURI || "inline"} at ${violation.sourceFile}:${violation.lineNumber}`);
    });
  });
}

/** A page that is links and text (home, order, problem) ships no script: nothing hydrates it. */
export async function expectNoScript(page: Page) {
  await expect(page.locator("script[type=module], link[rel=modulepreload]")).toHaveCount(0);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
}

/** Opens a page and waits until the browser has hydrated it. */
export async function openHydrated(page: Page, path: string) {
  const response = await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  return response;
}

export function ticketRow(page: Page, name: string) {
  return page.locator("li.ticket", { has: page.getByRole("heading", { name, exact: true }) });
}

/** What the storefront's API says is left of a type (the page's own request context, no cache). */
export async function availableOf(page: Page, slug: string, ticketName: string): Promise<number> {
  const snapshot = await (await page.request.get(`/api/events/${slug}`)).json();
  const type = snapshot.ticket_types.find((t: { name: string }) => t.name === ticketName);
  return type.available;
}
