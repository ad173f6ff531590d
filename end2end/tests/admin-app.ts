import { expect, Page } from "@playwright/test";
import { emailedLink, PASSWORD } from "./organiser";

// The organiser's steps in the admin app's own screens, shared by the specs that drive it.

/** Signs up a new organiser (email and organisation made from `stamp`) through the form, then opens
 * the link emailed to the address, which signs in; waits for the events list. */
export async function signUp(page: Page, stamp: string) {
  const email = `olivia-${stamp}@example.com`;
  await page.goto("/admin/signup");
  await page.getByLabel("Your name").fill("Olivia Organiser");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Organisation name").fill(`Launch Events ${stamp}`);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await expect(page.getByText(`We sent an email to ${email}`)).toBeVisible();
  await page.goto(await emailedLink(email, "/confirm"));
  await expect(page.getByRole("link", { name: "New event" })).toBeVisible();
}

/** From the events list: a new event in Amsterdam on 1 June 2030, 20:00 to 23:30; waits for its screen. */
export async function createEvent(page: Page, title: string, slug: string, venue: string) {
  await page.getByRole("link", { name: "New event" }).click();
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Slug").fill(slug);
  await page.getByLabel("Venue").fill(venue);
  await page.getByLabel("Time zone").fill("Europe/Amsterdam");
  await page.getByLabel("Starts").fill("2030-06-01T20:00");
  await page.getByLabel("Ends").fill("2030-06-01T23:30");
  await page.getByLabel("Currency").fill("EUR");
  await page.getByLabel("Days to pay at the door").fill("7");
  await page.getByRole("button", { name: "Create event" }).click();
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
}
