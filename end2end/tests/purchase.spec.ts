import { test, expect, expectNoScript, openHydrated, ticketRow, availableOf } from "./fixtures";
import { SHORT_HOLD_PORT } from "../playwright.config";

// Each test buys from an event of its own (the `event` fixture: the demo's shape with small
// numbers), so every count it sees is exactly what it did.

test.describe("an attendee on a phone", () => {
  test("buys two tickets for two people and sees both QR codes", async ({ page, event }) => {
    await openHydrated(page, event.path);
    const general = ticketRow(page, "General Admission");
    await expect(general.locator(".ticket-state")).toHaveText("100 left");
    await general.getByRole("button", { name: "One more General Admission" }).click();
    await general.getByRole("button", { name: "One more General Admission" }).click();
    await expect(general.locator("output.quantity")).toHaveText("2");
    await expect(page.locator(".order-bar .total")).toHaveText("€70.00");

    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect(page.getByRole("timer")).toContainText("Your tickets are held for");

    await page.locator("#buyer-name").fill("Ada Lovelace");
    await page.locator("#buyer-email").fill("ada@example.com");
    await expect(page.getByLabel("Ticket 1 is for me")).toBeChecked();
    await page.locator("#attendees-1--name").fill("Grace Hopper");
    await page.locator("#attendees-1--email").fill("grace@example.com");
    await page.getByRole("button", { name: "Place order" }).click();

    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await expect(page.getByRole("heading", { name: "You’re going!" })).toBeVisible();
    const cards = page.locator(".ticket-card");
    await expect(cards).toHaveCount(2);
    await expect(cards.nth(0)).toContainText("Ada Lovelace");
    await expect(cards.nth(1)).toContainText("Grace Hopper");
    const qrCodes = page.locator("img.qr");
    await expect(qrCodes).toHaveCount(2);
    for (const qr of await qrCodes.all()) {
      await expect(qr).toBeVisible();
      await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    }
    // The secret link brings the tickets back.
    await page.reload();
    await expect(page.locator("img.qr")).toHaveCount(2);
    // And the two tickets are gone from the stock.
    await expect.poll(() => availableOf(page, event.slug, "General Admission")).toBe(98);
  });

  test("cannot choose a sold-out ticket type", async ({ page, event }) => {
    await openHydrated(page, event.path);
    const earlyBird = ticketRow(page, "Early Bird");
    await expect(earlyBird.locator(".ticket-state")).toHaveText("Sold out");
    await expect(earlyBird.getByRole("button", { name: "One more Early Bird" })).toBeDisabled();
    await expect(earlyBird.getByRole("button", { name: "One fewer Early Bird" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Reserve tickets" })).toBeDisabled();
  });

  test("cannot go over the per-order maximum or the stock", async ({ page, event }) => {
    await openHydrated(page, event.path);
    const community = ticketRow(page, "Community Pass");
    const more = community.getByRole("button", { name: "One more Community Pass" });
    await more.click();
    await more.click();
    await expect(community.locator("output.quantity")).toHaveText("2");
    await expect(more).toBeDisabled();
    await expect(community).toContainText("Up to 2 per order");

    const frontRow = ticketRow(page, "Front Row");
    // Four per order are allowed, but three are left: three it is.
    await expect(frontRow.locator(".ticket-state")).toHaveText("3 left");
    const moreFront = frontRow.getByRole("button", { name: "One more Front Row" });
    for (let i = 0; i < 3; i++) await moreFront.click();
    await expect(frontRow.locator("output.quantity")).toHaveText("3");
    await expect(moreFront).toBeDisabled();
  });

  test("sees a scheduled sale count down and open without a reload", async ({ page, event }) => {
    await page.clock.install();
    await openHydrated(page, event.path);
    const late = ticketRow(page, "Late Release");
    // The event was made moments ago with this sale three minutes ahead.
    await expect(late.locator(".ticket-state")).toHaveText(/^On sale in 2:[0-5]\d$/);
    await expect(late.getByRole("button", { name: "One more Late Release" })).toBeDisabled();
    await page.clock.fastForward("05:00");
    await expect(late.locator(".ticket-state")).toHaveText("500 left");
    await expect(late.getByRole("button", { name: "One more Late Release" })).toBeEnabled();
  });

  test("an unknown event is a real 404 page", async ({ page, consoleProblems }) => {
    const response = await page.goto("/e/no-such-event");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "We couldn’t find that page" })).toBeVisible();
    await expectNoScript(page);
    // Chromium reports the document's own 404 on the console; that one is expected, nothing else.
    const documentNotFound = consoleProblems.findIndex((problem) => /Failed to load resource.*404/.test(problem));
    expect(documentNotFound).toBeGreaterThanOrEqual(0);
    consoleProblems.splice(documentNotFound, 1);
  });

  test("is told what is wrong with the details before anything is sent", async ({ page, event }) => {
    await openHydrated(page, event.path);
    await ticketRow(page, "General Admission").getByRole("button", { name: "One more General Admission" }).click();
    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\//);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.locator("#buyer-email").fill("not-an-email");
    await page.getByRole("button", { name: "Place order" }).click();
    await expect(page.getByText("Please enter a name.")).toBeVisible();
    await expect(page.getByText("does not look like an email address")).toBeVisible();
    await expect(page.locator("#buyer-email")).toHaveAttribute("aria-invalid", "true");
    // Fixing a field clears its message as it is typed.
    await page.locator("#buyer-email").fill("ada@example.com");
    await expect(page.getByText("does not look like an email address")).toHaveCount(0);
    await expect(page).toHaveURL(/\/checkout\//);
    // Cancelling gives the ticket back.
    await page.getByRole("button", { name: "Cancel and release these tickets" }).click();
    await expect(page).toHaveURL(new RegExp(`${event.path}$`));
    await expect(ticketRow(page, "General Admission").locator(".ticket-state")).toHaveText("100 left");
  });
});

test.describe("a hold that runs out", () => {
  test.use({ baseURL: `http://127.0.0.1:${SHORT_HOLD_PORT}` });

  test("shows the expiry message, and its stock comes back", async ({ page, event }) => {
    await openHydrated(page, event.path);
    expect(await availableOf(page, event.slug, "Front Row")).toBe(3);
    await ticketRow(page, "Front Row").getByRole("button", { name: "One more Front Row" }).click();
    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\//);
    await expect.poll(() => availableOf(page, event.slug, "Front Row")).toBe(2);

    await expect(page.getByRole("heading", { name: "Your hold has expired" })).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole("button", { name: "Place order" })).toBeDisabled();
    await expect.poll(() => availableOf(page, event.slug, "Front Row"), { timeout: 10_000 }).toBe(3);
    await page.getByRole("link", { name: "Back to the event" }).click();
    await expect(page).toHaveURL(new RegExp(`${event.path}$`));
    await expect(ticketRow(page, "Front Row").locator(".ticket-state")).toHaveText("3 left");
  });
});
