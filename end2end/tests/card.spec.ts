import { test, expect, openHydrated, ticketRow } from "./fixtures";
import { Organiser, uniqueStamp } from "./organiser";
import { STRIPE_BASE } from "../playwright.config";

// Card payments on a phone, against localstripe (the Stripe-compatible test server the config
// starts): Stripe.js's card field is its stand-in, the charge and the bank's check are its own.
// Each test's organisation connects its own test account, so no other test's checkout takes cards.

async function cardEvent(origin: string) {
  const organiser = await Organiser.signUp(origin);
  await organiser.connectStripe(STRIPE_BASE);
  const slug = `card-${uniqueStamp()}`;
  const event = await organiser.createEvent({ slug, title: "Card Night", types: [{ name: "Standing", price: "25.00", capacity: 10 }] });
  return { organiser, event };
}

/** The card field as Stripe.js's stand-in draws it: number, month, year, CVC, postcode. */
async function typeCard(page: import("@playwright/test").Page, number: string) {
  const field = page.locator("#card-element");
  await expect(field.locator("input")).toHaveCount(5);
  await field.getByPlaceholder("number").fill(number);
  await field.getByPlaceholder("exp_month").fill("12");
  await field.getByPlaceholder("exp_year").fill("30");
  await field.getByPlaceholder("cvc").fill("123");
  await field.getByPlaceholder("postal_code").fill("1011");
}

async function reserveOne(page: import("@playwright/test").Page, path: string) {
  await openHydrated(page, path);
  await ticketRow(page, "Standing").getByRole("button", { name: "One more Standing" }).click();
  await page.getByRole("button", { name: "Reserve tickets" }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator("#buyer-name").fill("Ada Lovelace");
  await page.locator("#buyer-email").fill("ada@example.com");
}

test.describe("an attendee paying by card on a phone", () => {
  test("pays, and sees the tickets", async ({ page, baseURL }) => {
    const { organiser, event } = await cardEvent(baseURL!);
    await reserveOne(page, event.path);
    await expect(page.locator(".test-mode")).toContainText("Test mode");
    await typeCard(page, "4242424242424242");
    await page.getByRole("button", { name: "Pay and place order" }).click();
    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await expect(page.getByRole("heading", { name: "You’re going!" })).toBeVisible();
    await expect(page.locator(".ticket-card")).toHaveCount(1);
    await organiser.dispose();
  });

  test("sees a declined card's message at the form, keeps the hold, and pays with another", async ({ page, baseURL, consoleProblems }) => {
    const { organiser, event } = await cardEvent(baseURL!);
    await reserveOne(page, event.path);
    await typeCard(page, "4000000000000341");
    await page.getByRole("button", { name: "Pay and place order" }).click();
    await expect(page.locator(".checkout-form .form-message")).toContainText("declined");
    await expect(page).toHaveURL(/\/checkout\//);
    await expect(page.getByRole("timer")).toContainText("Your tickets are held for");
    const pay = page.getByRole("button", { name: "Pay and place order" });
    await expect(pay).toBeEnabled();

    await typeCard(page, "4242424242424242");
    await pay.click();
    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await expect(page.locator(".ticket-card")).toHaveCount(1);
    // The decline was the API's 402, which Chromium logs; exactly that one, nothing else.
    const declined = consoleProblems.filter((problem) => /Failed to load resource.*402/.test(problem));
    expect(declined).toHaveLength(1);
    consoleProblems.splice(0, consoleProblems.length, ...consoleProblems.filter((problem) => !declined.includes(problem)));
    await organiser.dispose();
  });

  test("confirms with the bank (3-D Secure), then sees the tickets", async ({ page, baseURL }) => {
    const { organiser, event } = await cardEvent(baseURL!);
    await reserveOne(page, event.path);
    await typeCard(page, "4000002760003184");
    await page.getByRole("button", { name: "Pay and place order" }).click();
    // The bank's check, as the test server's Stripe.js shows it.
    await page.getByRole("button", { name: "Complete authentication" }).click();
    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await expect(page.locator(".ticket-card")).toHaveCount(1);
    await organiser.dispose();
  });
});
