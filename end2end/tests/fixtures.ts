import { test as base, expect, Page } from "@playwright/test";

// Every test fails on any console error or warning (hydration mismatches show up there) and on any
// uncaught exception in the page.
export const test = base.extend<{ consoleProblems: string[] }>({
  consoleProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
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
});

export { expect };

export const DEMO = "/e/stampede-live";

/** Opens a page and waits until the browser has hydrated it. */
export async function openHydrated(page: Page, path: string) {
  const response = await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  return response;
}

export function ticketRow(page: Page, name: string) {
  return page.locator("li.ticket", { has: page.getByRole("heading", { name, exact: true }) });
}

export async function availableOf(page: Page, ticketName: string): Promise<number> {
  const snapshot = await (await page.request.get(`/api/events/stampede-live`)).json();
  const type = snapshot.ticket_types.find((t: { name: string }) => t.name === ticketName);
  return type.available;
}
