import { test, expect, ticketRow } from "./fixtures";
import { buyThroughApi, Organiser, uniqueStamp, utcLocal } from "./organiser";
import { STRIPE_BASE } from "../playwright.config";

// A phone whose browser runs no script (the projects "pixel-7-no-script" and its edge twin turn
// JavaScript off): the moments before the hydration bundle arrives, or a browser without it. Every
// tap is a plain form posted to the origin, answered with the next page or the same page and what
// to fix. Nothing here may hydrate.

// What Chromium says on the console without the script, and only then: the bundle the page
// preloads went unused, and a form answered with a 4xx (the page again, with what to fix) "failed
// to load". Anything else fails the test as everywhere.
test.afterEach(({ consoleProblems }) => {
  const expected = [/was preloaded using link preload but not used/, /Failed to load resource: the server responded with a status of 4\d\d/];
  for (let i = consoleProblems.length - 1; i >= 0; i--) {
    if (expected.some((pattern) => pattern.test(consoleProblems[i]))) consoleProblems.splice(i, 1);
  }
});

test.describe("an attendee on a phone without the page's script", () => {
  test("chooses, reserves, fixes the details and buys", async ({ page, event }) => {
    await page.goto(event.path);
    const general = ticketRow(page, "General Admission");
    const more = general.getByRole("button", { name: "One more General Admission" });
    const fewer = general.getByRole("button", { name: "One fewer General Admission" });
    await expect(fewer).toBeDisabled();
    await more.click();
    await expect(general.locator("output.quantity")).toHaveText("1");
    await more.click();
    await more.click();
    await expect(general.locator("output.quantity")).toHaveText("3");
    await fewer.click();
    await expect(general.locator("output.quantity")).toHaveText("2");
    await expect(page.locator(".order-bar .total")).toHaveText("€70.00");
    // The limits hold without the script too: two per order of the Community Pass, none of the sold out.
    const community = ticketRow(page, "Community Pass");
    await community.getByRole("button", { name: "One more Community Pass" }).click();
    await community.getByRole("button", { name: "One more Community Pass" }).click();
    await expect(community.locator("output.quantity")).toHaveText("2");
    await expect(community.getByRole("button", { name: "One more Community Pass" })).toBeDisabled();
    await expect(ticketRow(page, "Early Bird").getByRole("button", { name: "One more Early Bird" })).toBeDisabled();
    await expect(general.locator("output.quantity")).toHaveText("2");
    await community.getByRole("button", { name: "One fewer Community Pass" }).click();
    await community.getByRole("button", { name: "One fewer Community Pass" }).click();
    await expect(community.locator("output.quantity")).toHaveText("0");

    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("timer")).toContainText("Your tickets are held for");

    // Mistakes come back at their fields, with what was typed kept.
    await page.locator("#buyer-email").fill("not-an-email");
    await page.getByRole("button", { name: "Place order" }).click();
    await expect(page.getByText("Please check the highlighted fields.")).toBeVisible();
    await expect(page.getByText("Please enter a name.").first()).toBeVisible();
    await expect(page.locator("#buyer-email")).toHaveValue("not-an-email");
    await expect(page.locator("#buyer-email")).toHaveAttribute("aria-invalid", "true");

    // "Ticket 1 is for me" shows and hides ticket 1's fields without the script.
    const firstIsBuyer = page.getByLabel("Ticket 1 is for me");
    await expect(firstIsBuyer).toBeChecked();
    await expect(page.locator("#attendees-0--name")).toBeHidden();
    await firstIsBuyer.uncheck();
    await expect(page.locator("#attendees-0--name")).toBeVisible();
    await firstIsBuyer.check();
    await expect(page.locator("#attendees-0--name")).toBeHidden();

    await page.locator("#buyer-name").fill("Ada Lovelace");
    await page.locator("#buyer-email").fill("ada@example.com");
    await page.locator("#attendees-1--name").fill("Grace Hopper");
    await page.locator("#attendees-1--email").fill("grace@example.com");
    await page.getByRole("button", { name: "Place order" }).click();

    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await expect(page.getByRole("heading", { name: "You’re going!" })).toBeVisible();
    const cards = page.locator(".ticket-card");
    await expect(cards).toHaveCount(2);
    await expect(cards.nth(0)).toContainText("Ada Lovelace");
    await expect(cards.nth(1)).toContainText("Grace Hopper");
    // A reload of the order's page shows it again; it does not order again.
    await page.reload();
    await expect(page.locator(".ticket-card")).toHaveCount(2);
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  });

  test("unlocks an access code, applies a discount, and cancels", async ({ page, event, organisers, origin, baseURL }) => {
    const organiser = await organisers.on(origin ?? baseURL!);
    await organiser.addTicketType(event, { name: "Crew", price: "10.00", capacity: 5, access_code: "CREW-2026" });
    const code = `HALF${uniqueStamp().replace(/[^0-9a-z]/gi, "").slice(-8).toUpperCase()}`;
    await organiser.addDiscount(event, code, "percent", "50");

    await page.goto(event.path);
    await page.getByText("Have an access code?").click();
    await page.getByLabel("Access code").fill("WRONG-CODE");
    await page.getByRole("button", { name: "Unlock" }).click();
    await expect(page.getByText("No tickets match this code")).toBeVisible();
    await expect(page.getByLabel("Access code")).toHaveValue("WRONG-CODE");
    await page.getByLabel("Access code").fill("crew-2026");
    await page.getByRole("button", { name: "Unlock" }).click();
    await expect(page.getByText("Unlocked: Crew.")).toBeVisible();
    const crew = ticketRow(page, "Crew");
    await crew.getByRole("button", { name: "One more Crew" }).click();
    await expect(ticketRow(page, "Crew").locator("output.quantity")).toHaveText("1");
    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\//);
    await expect(page.locator(".summary-total")).toContainText("€10.00");

    await page.locator("#buyer-name").fill("Ada Lovelace");
    await page.getByLabel("Discount code").fill("NOT-A-CODE");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.locator(".discount .field-error")).not.toBeEmpty();
    await expect(page.locator("#buyer-name")).toHaveValue("Ada Lovelace");
    await page.getByLabel("Discount code").fill(code.toLowerCase());
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.locator(".summary-discount")).toContainText(code);
    await expect(page.locator(".summary-total")).toContainText("€5.00");
    await page.getByRole("button", { name: "Remove discount" }).click();
    await expect(page.locator(".summary-discount")).toHaveCount(0);
    await expect(page.locator(".summary-total")).toContainText("€10.00");

    await page.getByRole("button", { name: "Cancel and release these tickets" }).click();
    await expect(page).toHaveURL(new RegExp(`${event.path}$`));
    // Back on sale (what the origin shows is up to SNAPSHOT_CACHE_MS old).
    const crewLeft = async () => (await (await page.request.get(`/api/events/${event.slug}/unlock?code=CREW-2026`)).json()).ticket_types[0].available;
    await expect.poll(crewLeft).toBe(5);
  });

  test("is told a card needs the script, and pays at the door instead", async ({ page, origin, baseURL }) => {
    const organiser = await Organiser.signUp(origin ?? baseURL!);
    await organiser.connectStripe(STRIPE_BASE);
    const event = await organiser.createEvent({
      slug: `card-no-script-${uniqueStamp()}`,
      title: "Card Night",
      types: [{ name: "Standing", price: "25.00", capacity: 10 }],
    });
    await page.goto(event.path);
    await ticketRow(page, "Standing").getByRole("button", { name: "One more Standing" }).click();
    await page.getByRole("button", { name: "Reserve tickets" }).click();
    await expect(page).toHaveURL(/\/checkout\//);
    await expect(page.locator(".needs-script")).toContainText("The card field needs this page’s script");
    await page.locator("#buyer-name").fill("Ada Lovelace");
    await page.locator("#buyer-email").fill("ada@example.com");
    // Card is the default; without the script it cannot be taken, and the page says what can.
    await page.getByRole("button", { name: "Pay and place order" }).click();
    await expect(page.locator(".checkout-form .form-message")).toContainText("pay at the door or by invoice");
    await page.getByLabel("At the door or by invoice").check();
    await page.getByRole("button", { name: "Pay and place order" }).click();
    await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
    await expect(page.locator(".confirmation .status")).toHaveText("Confirmed · pay at the door or by invoice");
    await organiser.dispose();
  });

  test("joins the waiting list of a sold-out ticket, fixing a mistake first", async ({ page, origin, baseURL }) => {
    const organiser = await Organiser.signUp(origin ?? baseURL!);
    const slug = `waiting-no-script-${uniqueStamp()}`;
    const event = await organiser.createEvent({ slug, title: "Waiting Night", types: [{ name: "Standing", price: "20.00", capacity: 1 }] });
    await buyThroughApi(origin ?? baseURL!, slug, event.typeIds["Standing"], 1);
    const row = ticketRow(page, "Standing");
    // Through the edge the page may be a second old: until it says sold out, ask again.
    await expect(async () => {
      await page.goto(event.path);
      await expect(row).toContainText("Sold out", { timeout: 500 });
    }).toPass();
    await row.locator(".waiting-list summary").click();
    await row.getByLabel("Your name").fill("Wanda Waiting");
    await row.getByLabel("Email").fill("not-an-email");
    await row.getByRole("button", { name: "Join the waiting list" }).click();
    await expect(row.locator(".waiting-list .field-error")).toContainText("email");
    await expect(row.getByLabel("Email")).toHaveValue("not-an-email");
    await row.getByLabel("Email").fill(`wanda-${uniqueStamp()}@example.com`);
    await row.getByRole("button", { name: "Join the waiting list" }).click();
    await expect(row.locator(".waiting-list-answer")).toContainText("You are number 1 in line");
    await organiser.dispose();
  });

  test("waits for the sale on a page that reloads itself, and chooses once it opens", async ({ page, origin, baseURL }) => {
    const organiser = await Organiser.signUp(origin ?? baseURL!);
    const slug = `soon-no-script-${uniqueStamp()}`;
    const opens = utcLocal(new Date(Date.now() + 8_000));
    const event = await organiser.createEvent({ slug, title: "Soon Night", types: [{ name: "Standing", price: "20.00", capacity: 10, sale_starts_local: opens }] });
    await page.goto(event.path);
    const standing = ticketRow(page, "Standing");
    const more = standing.getByRole("button", { name: "One more Standing" });
    await expect(standing.locator(".ticket-state")).toHaveText(/^On sale in 0:0\d$/);
    await expect(more).toBeDisabled();
    // In the last minute the page reloads itself every 5 s; nobody touches it.
    const reload = page.locator('meta[http-equiv="refresh"]');
    await expect(reload).toHaveAttribute("content", `5; url=${event.path}`);
    await expect(more).toBeEnabled({ timeout: 20_000 });
    await expect(standing.locator(".ticket-state")).toHaveText("10 left");
    // Open, it reloads no more: a reload could wipe what the buyer is choosing.
    await expect(reload).toHaveCount(0);
    await more.click();
    await expect(standing.locator("output.quantity")).toHaveText("1");
    await expect(reload).toHaveCount(0);
    await organiser.dispose();
  });
});
