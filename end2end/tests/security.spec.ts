import { Page, Response } from "@playwright/test";
import { test, expect, expectNoScript, openHydrated, ticketRow } from "./fixtures";
import { EDGE_PORT, MAIN_PORT } from "../playwright.config";
import { createEvent, signUp } from "./admin-app";
import { uniqueStamp } from "./organiser";

// Every page under its Content-Security-Policy: the storefront through the origin and through the
// edge, and the admin app. The fixtures fail a test on any CSP violation (and any console error);
// here each page is also checked for its headers: one storefront policy on both hosts (the checkout
// pages' adds Stripe.js and nothing else), the admin's own, nosniff, and no referrer from the pages
// whose URL is a buyer's secret.
const ORIGIN = `http://127.0.0.1:${MAIN_PORT}`;
const EDGE = `http://127.0.0.1:${EDGE_PORT}`;

type Headers = Record<string, string>;

function expectStorefrontHeaders(headers: Headers, policy: string, referrer: string, what: string) {
  expect(headers["content-security-policy"], what).toBe(policy);
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe(referrer);
}

/** The document response of the navigation `act` starts. */
async function documentOf(page: Page, path: RegExp, act: () => Promise<void>): Promise<Response> {
  const response = page.waitForResponse((r) => path.test(new URL(r.url()).pathname) && r.request().resourceType() === "document");
  await act();
  return response;
}

for (const [host, base] of [
  ["origin", ORIGIN],
  ["edge", EDGE],
] as const) {
  test(`storefront pages keep to their CSP through the ${host}`, async ({ page, event, request }) => {
    // The policy is a constant of the renderer: the origin's home page shows it.
    const policy = (await request.get(`${ORIGIN}/`)).headers()["content-security-policy"];
    expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*' 'wasm-unsafe-eval'/);
    expect(policy).not.toContain("unsafe-inline");

    const home = await page.goto(`${base}/`);
    await expectNoScript(page);
    expectStorefrontHeaders(await home!.allHeaders(), policy, "strict-origin-when-cross-origin", `${host} home`);

    const eventPage = await openHydrated(page, `${base}${event.path}`);
    expectStorefrontHeaders(await eventPage!.allHeaders(), policy, "strict-origin-when-cross-origin", `${host} event page`);

    await ticketRow(page, "Community Pass").getByRole("button", { name: "One more Community Pass" }).click();
    const checkout = await documentOf(page, /^\/checkout\//, () => page.getByRole("button", { name: "Reserve tickets" }).click());
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    // The storefront's policy, and only the card provider's script, API and frames on top of it.
    const checkoutPolicy = (await checkout.allHeaders())["content-security-policy"];
    expect(checkoutPolicy.startsWith(`${policy} `), `${host} checkout: ${checkoutPolicy}`).toBe(true);
    expect(checkoutPolicy.slice(policy.length)).toMatch(/^ \S+; connect-src 'self' \S+ https:\/\/api\.stripe\.com; frame-src (\S+ )?https:\/\/js\.stripe\.com https:\/\/hooks\.stripe\.com$/);
    expectStorefrontHeaders(await checkout.allHeaders(), checkoutPolicy, "no-referrer", `${host} checkout`);

    await page.locator("#buyer-name").fill("Ada Lovelace");
    await page.locator("#buyer-email").fill("ada@example.com");
    const order = await documentOf(page, /^\/o\//, () => page.getByRole("button", { name: "Place order" }).click());
    await expect(page.getByRole("heading", { name: "You’re going!" })).toBeVisible();
    await expectNoScript(page);
    expectStorefrontHeaders(await order.allHeaders(), policy, "no-referrer", `${host} order page`);
    await expect.poll(() => page.locator("img.qr").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  });
}

test("the admin app keeps to its CSP: sign-in, events, editor, orders", async ({ page }) => {
  const expectAdminHeaders = async (response: Response | null, what: string) => {
    const headers = await response!.allHeaders();
    expect(headers["content-security-policy"], what).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(headers["content-security-policy"], what).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"], what).not.toContain("sha256-");
    expect(headers["x-content-type-options"], what).toBe("nosniff");
  };
  await expectAdminHeaders(await page.goto(`${ORIGIN}/admin/signin`), "sign-in");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  const stamp = uniqueStamp();
  await signUp(page, stamp);
  await expectAdminHeaders(await page.reload(), "events");
  await expect(page.getByRole("link", { name: "New event" })).toBeVisible();

  await createEvent(page, "Policy Night", `policy-${stamp}`, "Paradiso, Amsterdam");
  await expectAdminHeaders(await page.reload(), "editor");
  await expect(page.getByRole("heading", { name: "Policy Night" })).toBeVisible();

  await page.getByRole("link", { name: "Orders" }).click();
  await expect(page).toHaveURL(/\/orders$/);
  await expectAdminHeaders(await page.reload(), "orders");
  await expect(page.getByRole("link", { name: "Orders" })).toBeVisible();
});
