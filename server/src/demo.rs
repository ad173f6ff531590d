//! The demo event that `make run` shows on a fresh database: one ticket type on sale with plenty of
//! stock, one nearly sold out, one sold out, one going on sale in a few minutes, and a free one.
//! Sold stock is sold through real holds and orders, so every sold ticket belongs to an order.
use crate::admin::hash_password;
use crate::store::{self, AccountOutcome, EventDetails, NewAccount, Store, TicketTypeChange};
use crate::storefront::fair_use::Buyer;
use crate::storefront::{OrderAttempt, Storefront};
use chrono::Duration;
use contract::model::{HoldRequest, HoldRequestItem, OrderRequest, PaymentMethod, Person};

pub const DEMO_SLUG: &str = "stampede-live";
/// The demo organiser's sign-in for the admin app (`make run` prints it). Demo data only: a
/// database seeded with `STAMPEDE_DEMO=false` has no such account.
pub const DEMO_EMAIL: &str = "demo@stampede.example";
pub const DEMO_PASSWORD: &str = "stampede-demo";
const DEMO_ORGANISATION: &str = "Herd Productions";
const UPCOMING_NAME: &str = "Late Release";
/// How far in the future the upcoming ticket type goes on sale, from the demo's (re)start.
pub const UPCOMING_IN: Duration = Duration::minutes(3);

/// The demo organisation's Stripe test account, as `make run` connects it on the local test server.
pub const DEMO_STRIPE_KEYS: (&str, &str, &str) = ("pk_test_stampede_demo", "sk_test_stampede_demo", "whsec_stampede_demo");

/// Connects the demo organisation to a Stripe *test* account (on every start: the keys are fixed),
/// so the demo's paid tickets are paid by card. The provider checks the key first: against the
/// real Stripe these made-up keys are refused, and start-up says so.
pub async fn connect_test_cards(store: &dyn Store, cards: &crate::payments::CardProvider) -> anyhow::Result<i64> {
    let event = store.event_by_slug(DEMO_SLUG).await?.ok_or_else(|| anyhow::anyhow!("the demo event is missing"))?;
    let (publishable_key, secret_key, webhook_secret) = DEMO_STRIPE_KEYS;
    let account = crate::payments::NewAccount {
        publishable_key: publishable_key.into(),
        secret_key: secret_key.into(),
        webhook_secret: webhook_secret.into(),
    };
    cards
        .connect(event.organiser_id, account, None)
        .await
        .map_err(|err| anyhow::anyhow!("STAMPEDE_DEMO_CARDS: the demo's test account could not be connected: {err}"))?;
    Ok(event.organiser_id)
}

/// Seeds the demo event into an empty database; on later starts, moves the upcoming sale back to
/// a few minutes ahead so the countdown is always there to see.
pub async fn seed_or_refresh(store: &dyn Store, storefront: &Storefront) -> anyhow::Result<()> {
    if store.count_events().await? > 0 {
        return refresh(store).await;
    }
    let now = store::now();
    let organiser_id = demo_account(store).await?;
    let starts_at = evening_in_a_month(now);
    let event_id = store
        .create_event(
            organiser_id,
            &EventDetails {
                slug: DEMO_SLUG.into(),
                title: "Stampede Live: Night of the Herd".into(),
                description: "An evening of loud guitars and louder crowds, in the old tram depot.\n\n\
                          Doors open at 19:00, the first band is on at 20:00. Standing tickets give you the floor; \
                          Front Row tickets the barrier. Bring your ticket on your phone: the QR code is all you need."
                    .into(),
                venue: "De Remise, Amsterdam".into(),
                timezone: "Europe/Amsterdam".into(),
                starts_at,
                ends_at: starts_at + Duration::hours(4),
                currency: "EUR".into(),
                // Paying at the door too; with `STAMPEDE_DEMO_CARDS`, cards as well (`connect_test_cards`).
                offline_payment_days: Some(7),
                card_payments: true,
                waiting_list: true,
                waiting_list_offer_minutes: 240,
                waiting_room: false,
                waiting_room_per_minute: 3000,
                waiting_room_max_active: 1000,
            },
            true,
        )
        .await?
        .saved("the demo event's address")?;
    let on_sale_since = Some(now - Duration::days(1));
    let types = [
        ("General Admission", "Standing, the whole floor.", 3_500, 5_000, on_sale_since, 1, 10),
        ("Front Row", "The first metres by the barrier.", 8_900, 40, on_sale_since, 1, 4),
        ("Early Bird", "The first 100 tickets, at a lower price.", 2_500, 100, on_sale_since, 1, 10),
        (UPCOMING_NAME, "The final release of standing tickets.", 4_500, 500, Some(now + UPCOMING_IN), 1, 6),
        ("Community Pass", "Free for volunteers and neighbours. Two per order.", 0, 200, on_sale_since, 1, 2),
    ];
    let mut ids = Vec::new();
    for (name, description, price_minor, capacity, sale_starts_at, min, max) in types {
        ids.push(
            store
                .create_ticket_type(
                    event_id,
                    &TicketTypeChange {
                        name: name.into(),
                        description: description.into(),
                        price_minor,
                        capacity,
                        sale_starts_at,
                        sale_ends_at: Some(starts_at),
                        min_per_order: min,
                        max_per_order: max,
                        access_code: None,
                    },
                )
                .await?
                .id,
        );
    }
    // Front Row: 37 of 40 sold, so 3 left. Early Bird: all 100 sold.
    sell(storefront, ids[1], 37, 4).await?;
    sell(storefront, ids[2], 100, 10).await?;
    tracing::info!(slug = DEMO_SLUG, "demo event seeded");
    Ok(())
}

/// 20:00 in Amsterdam, thirty days from now: when a concert starts.
fn evening_in_a_month(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let day = (now + Duration::days(30)).with_timezone(&chrono_tz::Europe::Amsterdam).date_naive();
    let evening = day.and_hms_opt(20, 0, 0).expect("20:00 exists");
    chrono_tz::Europe::Amsterdam
        .from_local_datetime(&evening)
        .single()
        .map(|at| at.with_timezone(&chrono::Utc))
        .unwrap_or(now + Duration::days(30))
}

/// The demo organiser's account and its organisation, which runs the demo event.
async fn demo_account(store: &dyn Store) -> anyhow::Result<i64> {
    let account = NewAccount {
        email: DEMO_EMAIL.into(),
        name: "Demo Organiser".into(),
        password_hash: hash_password(DEMO_PASSWORD.into()).await.map_err(|err| anyhow::anyhow!("{err}"))?,
        organisation: DEMO_ORGANISATION.into(),
        created_at: store::now(),
    };
    match store.create_account(&account).await? {
        AccountOutcome::Created { organiser_id, .. } => Ok(organiser_id),
        AccountOutcome::EmailTaken => anyhow::bail!("{DEMO_EMAIL} exists in a database without the demo event"),
    }
}

async fn refresh(store: &dyn Store) -> anyhow::Result<()> {
    let Some(event) = store.event_by_slug(DEMO_SLUG).await? else {
        return Ok(());
    };
    let now = store::now();
    for ticket_type in store.ticket_types(event.id, now).await? {
        let started = ticket_type.sale_starts_at.is_some_and(|at| at <= now);
        if ticket_type.name == UPCOMING_NAME && started && ticket_type.sold == 0 && ticket_type.held == 0 {
            store.set_sale_window(ticket_type.id, Some(now + UPCOMING_IN), ticket_type.sale_ends_at).await?;
        }
    }
    Ok(())
}

/// Sells `count` tickets of a type through holds and orders of at most `per_order`.
async fn sell(storefront: &Storefront, ticket_type_id: i64, count: i64, per_order: i64) -> anyhow::Result<()> {
    let box_office = Person { name: "Box Office".into(), email: "box-office@herd.example".into() };
    let mut left = count;
    while left > 0 {
        let quantity = left.min(per_order);
        let request = HoldRequest { items: vec![HoldRequestItem { ticket_type_id, quantity }], access_code: None };
        let hold = storefront.create_hold(DEMO_SLUG, &request, &Buyer::box_office(), None).await?;
        let order = OrderRequest {
            buyer: box_office.clone(),
            attendees: (0..quantity).map(|_| box_office.clone()).collect(),
            payment: PaymentMethod::Offline,
            discount_code: None,
            answers: Vec::new(),
        };
        let key = format!("demo-{}", hold.id);
        let attempt = OrderAttempt { hold_id: &hold.id, idempotency_key: &key, request: &order, client: &Buyer::box_office() };
        storefront.place_order(attempt).await?;
        left -= quantity;
    }
    Ok(())
}
