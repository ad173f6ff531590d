import { test, expect, openHydrated, ticketRow } from "./fixtures";
import { buyThroughApi, emailedUrl, Organiser, uniqueStamp } from "./organiser";

// The waiting list on a phone: the last ticket is sold, a latecomer joins the list, an organiser
// cancels the order, the returned ticket is offered to the latecomer by email, and the link buys it.
test("a latecomer joins the waiting list, gets the returned ticket by email, and buys it", async ({ page, baseURL }) => {
  const organiser = await Organiser.signUp(baseURL!);
  const slug = `waiting-${uniqueStamp()}`;
  const event = await organiser.createEvent({ slug, title: "Waiting Night", types: [{ name: "Standing", price: "20.00", capacity: 1 }] });
  await buyThroughApi(baseURL!, slug, event.typeIds["Standing"], 1);

  await openHydrated(page, event.path);
  const row = ticketRow(page, "Standing");
  await expect(row).toContainText("Sold out");
  await row.locator(".waiting-list summary").click();
  const email = `wanda-${uniqueStamp()}@example.com`;
  await row.getByLabel("Your name").fill("Wanda Waiting");
  await row.getByLabel("Email").fill(email);
  await row.getByRole("button", { name: "Join the waiting list" }).click();
  await expect(row.locator(".waiting-list-answer")).toContainText("You are number 1 in line");

  await organiser.cancelNewestOrder(event);
  const link = await emailedUrl(email, /https?:\/\/\S+\/checkout\/[0-9a-f-]{36}/);
  await openHydrated(page, new URL(link).pathname);
  await expect(page.getByRole("timer")).toContainText("Your tickets are held for");
  await page.locator("#buyer-name").fill("Wanda Waiting");
  await page.locator("#buyer-email").fill(email);
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/o\/[0-9a-z]{32}$/);
  await expect(page.locator(".ticket-card")).toHaveCount(1);
  await organiser.dispose();
});
