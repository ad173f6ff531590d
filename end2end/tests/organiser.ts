import { APIRequestContext, APIResponse, expect, request } from "@playwright/test";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

// An organiser on an origin, through the admin API as the admin app uses it (docs/api.md#admin-api):
// a session and its CSRF token, sign-up, then events, ticket types and publishing. Tests make their
// own events with it, so each knows exactly what is on sale.
export const PASSWORD = "correct horse battery";

/** A browser token as the origin makes them (26 letters and digits; contract::rules::client). */
export function browserToken(): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  return Array.from({ length: 26 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
}

/** Different in every call, across workers and runs: for slugs, emails and names. */
export function uniqueStamp(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

export type TicketTypeSpec = {
  name: string;
  /** Decimal in the event's currency: "35.00", "0". */
  price: string;
  capacity: number;
  min_per_order?: number;
  max_per_order?: number;
  description?: string;
  /** Wall-clock time in the event's time zone (UTC here): "2030-06-01T20:00:00"; empty: on sale now. */
  sale_starts_local?: string;
  access_code?: string;
};

export type EventSpec = { slug: string; title: string; types: TicketTypeSpec[] };

export type CreatedEvent = {
  id: number;
  slug: string;
  /** The storefront page: `/e/<slug>`. */
  path: string;
  title: string;
  /** Ticket type ids by name. */
  typeIds: Record<string, number>;
};

/** The events here run in UTC, so wall-clock times are ISO times without the zone. */
export function utcLocal(at: Date): string {
  return at.toISOString().slice(0, 19);
}

/** The emails every origin of the run writes to MAIL_DIR (playwright.config.ts), newest first. */
function mails(): string[] {
  const dir = process.env.MAIL_DIR!;
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith(".eml")) : [];
  return names.sort().reverse().map((name) => fs.readFileSync(path.join(dir, name), "utf8"));
}

/** An email file's header lines (as the mailer writes them: the message as SMTP would carry it). */
function headerLines(text: string): string[] {
  return text.split("\r\n\r\n")[0].split("\r\n");
}

/** An email file's text with quoted-printable's soft line breaks joined again. */
function unfolded(text: string): string {
  return text.replace(/=\r\n/g, "");
}

/** The first match of `pattern` in the newest email to `to`, once the mailer has written it. */
export async function emailedUrl(to: string, pattern: RegExp): Promise<string> {
  let url: string | undefined;
  await expect
    .poll(
      () => {
        const mail = mails().map(unfolded).find((text) => headerLines(text).includes(`To: ${to}`) && pattern.test(text));
        url = mail?.match(pattern)?.[0];
        return url;
      },
      { message: `an email to ${to} with ${pattern}`, intervals: [200], timeout: 20_000 },
    )
    .toBeTruthy();
  return url!;
}

/**
 * The link to the admin app's `page` ("/confirm", "/invitation") in the newest email to `to`, once
 * the mailer has written it: what a person would click.
 */
export async function emailedLink(to: string, page: string): Promise<string> {
  const pattern = new RegExp(`https?://\\S+/admin${page}#[0-9a-z]+`);
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const mail = mails().find((text) => headerLines(text).includes(`To: ${to}`) && pattern.test(text));
        link = mail?.match(pattern)?.[0];
        return link;
      },
      { message: `an email to ${to} with a ${page} link`, intervals: [100] },
    )
    .toBeTruthy();
  return link!;
}

async function expectStatus(response: APIResponse, status: number, what: string) {
  expect(response.status(), `${what}: ${await response.text()}`).toBe(status);
}

export class Organiser {
  private constructor(
    readonly origin: string,
    private readonly api: APIRequestContext,
    private readonly csrfToken: string,
    readonly organisationId: number,
  ) {}

  /** A new account and organisation on `origin` (each call its own email), confirmed through the emailed link. */
  static async signUp(origin: string): Promise<Organiser> {
    const api = await request.newContext({ baseURL: origin });
    const session = await api.get("/admin/api/session");
    await expectStatus(session, 200, "GET /admin/api/session");
    const csrf = (await session.json()).csrf_token;
    const stamp = uniqueStamp();
    const email = `organiser-${stamp}@example.com`;
    const signUp = await api.post("/admin/api/signup", {
      headers: { "x-csrf-token": csrf },
      data: { name: "Test Organiser", email, password: PASSWORD, organisation: `Test Events ${stamp}` },
    });
    await expectStatus(signUp, 202, "POST /admin/api/signup");
    const token = (await emailedLink(email, "/confirm")).split("#")[1];
    const confirmed = await api.post("/admin/api/signup/confirm", { headers: { "x-csrf-token": csrf }, data: { token } });
    await expectStatus(confirmed, 201, "POST /admin/api/signup/confirm");
    // Confirming signs in: a new session with a new token.
    const info = await confirmed.json();
    return new Organiser(origin, api, info.csrf_token, info.memberships[0].organisation_id);
  }

  private async send(method: "POST" | "PUT", path: string, expected: number, data?: object) {
    const response = await this.api.fetch(`/admin/api${path}`, { method, headers: { "x-csrf-token": this.csrfToken }, data });
    await expectStatus(response, expected, `${method} /admin/api${path}`);
    return response.json();
  }

  eventInput(slug: string, title: string) {
    return {
      slug,
      title,
      description: "Made by a test, for that test alone.",
      venue: "De Remise, Amsterdam",
      timezone: "UTC",
      starts_local: "2030-06-01T20:00",
      ends_local: "2030-06-01T23:30",
      currency: "EUR",
      // Buyers in these tests pay at the door (the event's choice; off unless set).
      offline_payment_days: "7",
    };
  }

  /** Creates the event with its ticket types, in order, and publishes it. */
  async createEvent(spec: EventSpec): Promise<CreatedEvent> {
    const created = await this.send("POST", `/organisations/${this.organisationId}/events`, 201, this.eventInput(spec.slug, spec.title));
    const event: CreatedEvent = { id: created.id, slug: spec.slug, path: `/e/${spec.slug}`, title: spec.title, typeIds: {} };
    for (const type of spec.types) await this.addTicketType(event, type);
    await this.publish(event.id);
    return event;
  }

  /** Adds a ticket type (last in order) and notes its id in `event.typeIds`. */
  async addTicketType(event: CreatedEvent, type: TicketTypeSpec) {
    const created = await this.send("POST", `/events/${event.id}/ticket-types`, 201, {
      min_per_order: 1,
      max_per_order: 10,
      description: "",
      sale_starts_local: "",
      sale_ends_local: "",
      access_code: "",
      ...type,
    });
    event.typeIds[type.name] = created.id;
  }

  /** Adds a discount code for every ticket type: `kind` "percent" ("50") or "fixed" ("5.00" off each ticket). */
  async addDiscount(event: CreatedEvent, code: string, kind: "percent" | "fixed", amount: string) {
    await this.send("POST", `/events/${event.id}/discounts`, 201, { code, kind, amount, expires_local: "", ticket_type_ids: [] });
  }

  /** Puts the event's ticket types in this order (every one of them, by name). */
  async orderTicketTypes(event: CreatedEvent, names: string[]) {
    await this.send("PUT", `/events/${event.id}/ticket-types/order`, 200, { ids: names.map((name) => event.typeIds[name]) });
  }

  async publish(eventId: number) {
    await this.send("POST", `/events/${eventId}/publish`, 200);
  }

  async unpublish(eventId: number) {
    await this.send("POST", `/events/${eventId}/unpublish`, 200);
  }

  /** Changes the event's waiting-room settings (`waiting_room`, `waiting_room_per_minute`, ...). */
  async setRoom(event: CreatedEvent, room: Record<string, unknown>) {
    await this.send("PUT", `/events/${event.id}`, 200, { ...this.eventInput(event.slug, event.title), ...room });
  }

  /** The event's waiting room as it last reported to the origins (null before it has). */
  async room(eventId: number) {
    const response = await this.api.get(`/admin/api/events/${eventId}/room`);
    await expectStatus(response, 200, `GET /admin/api/events/${eventId}/room`);
    return response.json();
  }

  async retitle(eventId: number, slug: string, title: string) {
    await this.send("PUT", `/events/${eventId}`, 200, this.eventInput(slug, title));
  }

  /**
   * Connects the organisation's Stripe account on the test server (`stripeBase`), and points the
   * server's webhooks for it at this origin, as an organiser does in Stripe's dashboard.
   */
  async connectStripe(stripeBase: string) {
    const webhookSecret = `whsec_${uniqueStamp()}`;
    const account = await this.send("PUT", `/organisations/${this.organisationId}/payment-account`, 200, {
      publishable_key: "pk_test_stampede_e2e",
      secret_key: "sk_test_stampede_e2e",
      webhook_secret: webhookSecret,
    });
    expect(account.connected).toBe(true);
    const stripe = await request.newContext({ baseURL: stripeBase });
    const registered = await stripe.post(`/_config/webhooks/${uniqueStamp()}`, { form: { url: account.webhook_url, secret: webhookSecret } });
    await expectStatus(registered, 200, "registering the webhook");
    await stripe.dispose();
  }

  /** Cancels the event's newest order, as its page in the admin app does. */
  async cancelNewestOrder(event: CreatedEvent) {
    const response = await this.api.get(`/admin/api/events/${event.id}/orders`);
    await expectStatus(response, 200, `GET /admin/api/events/${event.id}/orders`);
    const { orders } = await response.json();
    await this.send("POST", `/orders/${orders[0].id}/cancel`, 200, {});
  }

  async dispose() {
    await this.api.dispose();
  }
}

/**
 * Buys `quantity` tickets of a type through the public API (a hold, then its order), as a buyer
 * would: stock is sold through real orders, never written into the database.
 */
export async function buyThroughApi(origin: string, slug: string, ticketTypeId: number, quantity: number) {
  const api = await request.newContext({ baseURL: origin });
  try {
    const hold = await api.post(`/api/events/${slug}/holds`, { data: { items: [{ ticket_type_id: ticketTypeId, quantity }] } });
    await expectStatus(hold, 201, `POST /api/events/${slug}/holds`);
    const { id, total_minor } = await hold.json();
    const buyer = { name: "Box Office", email: "box-office@example.com" };
    const order = await api.post(`/api/holds/${id}/order`, {
      headers: { "idempotency-key": `test-${id}` },
      data: { buyer, attendees: Array.from({ length: quantity }, () => buyer), payment: total_minor === 0 ? "free" : "offline" },
    });
    await expectStatus(order, 201, `POST /api/holds/${id}/order`);
  } finally {
    await api.dispose();
  }
}

/** What the origin's snapshot API says is left of a ticket type. */
export async function availableOn(origin: string, slug: string, ticketName: string): Promise<number> {
  const snapshot = await (await fetch(`${origin}/api/events/${slug}`)).json();
  return snapshot.ticket_types.find((t: { name: string }) => t.name === ticketName).available;
}

/** How far ahead the showcase's Late Release goes on sale when the event is made. */
export const LATE_RELEASE_IN_MS = 3 * 60_000;

/**
 * The demo's shape with small exact numbers: plenty of General Admission (100), Front Row with 3
 * left, Early Bird sold out (through a real order), Late Release on sale in three minutes, and a
 * free Community Pass at most two per order.
 */
export async function showcase(organiser: Organiser, slug: string): Promise<CreatedEvent> {
  const types: TicketTypeSpec[] = [
    { name: "General Admission", description: "Standing, the whole floor.", price: "35.00", capacity: 100 },
    { name: "Front Row", description: "The first metres by the barrier.", price: "89.00", capacity: 3, max_per_order: 4 },
    { name: "Early Bird", description: "The first tickets, at a lower price.", price: "25.00", capacity: 2 },
    {
      name: "Late Release",
      description: "The final release of standing tickets.",
      price: "45.00",
      capacity: 500,
      max_per_order: 6,
      sale_starts_local: utcLocal(new Date(Date.now() + LATE_RELEASE_IN_MS)),
    },
    { name: "Community Pass", description: "Free for volunteers and neighbours.", price: "0", capacity: 200, max_per_order: 2 },
  ];
  // The Early Bird goes on sale first and sells out; then the organiser adds the rest and puts
  // them in order. The origin shows stock up to SNAPSHOT_CACHE_MS old, but forgets what it cached of
  // an event at each organiser's change: so the sold-out Early Bird shows at once.
  const earlyBird = types.find((type) => type.name === "Early Bird")!;
  const event = await organiser.createEvent({ slug, title: "Stampede Live: Night of the Herd", types: [earlyBird] });
  await buyThroughApi(organiser.origin, slug, event.typeIds["Early Bird"], earlyBird.capacity);
  for (const type of types.filter((type) => type !== earlyBird)) await organiser.addTicketType(event, type);
  await organiser.orderTicketTypes(event, types.map((type) => type.name));
  await expect.poll(() => availableOn(organiser.origin, slug, "Early Bird"), { intervals: [100] }).toBe(0);
  return event;
}
