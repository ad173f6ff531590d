//! Card payments against localstripe, a Stripe-compatible server each test starts on its own port:
//! success, decline, 3-D Secure, the webhook and the buyer's return in either order and twice,
//! forged webhooks, payments that land after their hold expired (with and without stock left), the
//! provider down mid-checkout, and reconciliation of a payment nobody settled. Every test ends with
//! the event's books, money included, balancing.
use crate::helpers::*;
use crate::stripe_process::{LocalStripe, PUBLISHABLE_KEY, SECRET_KEY};
use contract::model::PaymentMethod;
use contract::payment::CardPaymentRequest;
use reqwest::StatusCode;
use serde_json::Value;
use stampede::payments::webhook;
use stampede::payments::NewAccount;
use std::time::Duration;

on_both_backends!(
    a_card_payment_makes_the_order_once,
    a_declined_card_keeps_the_hold_for_another,
    three_d_secure_then_the_return_makes_the_order,
    the_webhook_settles_before_the_buyer_returns,
    a_webhook_applies_once_and_forged_ones_are_refused,
    a_payment_after_its_hold_expired_gets_the_tickets_still_there,
    a_payment_after_the_tickets_sold_out_is_refunded_in_full,
    the_provider_down_mid_checkout_keeps_the_hold_and_the_origin,
    reconciliation_settles_a_payment_nobody_returned_for,
);

const WEBHOOK_SECRET: &str = "whsec_stampede_test_secret";
/// localstripe's test cards (Stripe's numbers).
const VISA: &str = "4242424242424242";
const DECLINED: &str = "4000000000000341";
const THREE_D_SECURE: &str = "4000002760003184";

struct PaidEvent {
    app: TestApp,
    stripe: LocalStripe,
    slug: String,
    ticket_type: i64,
    organiser_id: i64,
}

/// An app talking to its own localstripe, and an event (€25.00 tickets, `capacity` of them) whose
/// organisation connected its account there; webhooks are sent to the app when `webhooks`.
async fn paid_event(backend: Backend, capacity: i64, options: AppOptions, webhooks: bool) -> PaidEvent {
    let stripe = LocalStripe::start().await;
    let options = options.with_env("STRIPE_API_BASE", stripe.base()).with_env("STRIPE_BREAKER_FAILURES", "3");
    let app = spawn_app_with(backend, options).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2500, capacity)]).await;
    let organiser_id = app.store().event_by_slug(&event.slug).await.unwrap().unwrap().organiser_id;
    let account =
        NewAccount { publishable_key: PUBLISHABLE_KEY.into(), secret_key: SECRET_KEY.into(), webhook_secret: WEBHOOK_SECRET.into() };
    app.parts.cards.connect(organiser_id, account, None).await.expect("the test account connects");
    if webhooks {
        stripe.send_webhooks_to(&app.url(&format!("/api/payments/stripe/{organiser_id}/webhook")), WEBHOOK_SECRET).await;
    }
    PaidEvent { app, stripe, slug: event.slug, ticket_type: event.type_ids[0], organiser_id }
}

impl PaidEvent {
    async fn pay(&self, hold_id: &str, key: &str, card: &str, attendees: &[&str]) -> reqwest::Response {
        let request = CardPaymentRequest { order: order_request(attendees, PaymentMethod::Card), payment_method: card.to_string() };
        self.app
            .client
            .post(self.app.url(&format!("/api/holds/{hold_id}/payment")))
            .header("Idempotency-Key", key)
            .json(&request)
            .send()
            .await
            .unwrap()
    }

    async fn complete(&self, hold_id: &str, key: &str) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(&format!("/api/holds/{hold_id}/payment/complete")))
            .header("Idempotency-Key", key)
            .send()
            .await
            .unwrap()
    }

    async fn count(&self, query: &str) -> i64 {
        self.app.sql_i64(query).await
    }

    async fn assert_books_balance(&self) -> stampede::store::Audit {
        self.app.assert_books_balance(&self.slug).await
    }
}

async fn json(response: reqwest::Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

async fn a_card_payment_makes_the_order_once(backend: Backend) {
    let paid = paid_event(backend, 10, AppOptions::default(), true).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 2)]).await;
    let view = json(paid.app.get(&format!("/api/holds/{}", hold.id)).await, StatusCode::OK).await;
    assert_eq!(view["card"]["publishable_key"], PUBLISHABLE_KEY, "the checkout page learns how to take a card: {view}");
    assert_eq!(view["card"]["test_mode"], true);

    let card = paid.stripe.card(VISA).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada", "Grace"]).await, StatusCode::CREATED).await;
    assert_eq!(state["status"], "paid", "{state}");
    let order = &state["order"];
    assert_eq!(
        (order["payment"].as_str(), order["status"].as_str(), order["total_minor"].as_i64()),
        (Some("card"), Some("confirmed"), Some(5000))
    );
    assert_eq!(order["tickets"].as_array().unwrap().len(), 2);

    // The same attempt again (a second tap, a retry after a lost answer): the same order, no charge.
    let again = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada", "Grace"]).await, StatusCode::CREATED).await;
    assert_eq!(again["order"]["reference"], order["reference"]);
    let intent_id = paid.app.store().payment_by_attempt(hold.id.parse().unwrap(), "attempt-1").await.unwrap().unwrap().intent_id.unwrap();
    let intent = paid.stripe.intent(&intent_id).await;
    assert_eq!((intent["amount"].as_i64(), intent["status"].as_str()), (Some(5000), Some("succeeded")), "the database's amount: {intent}");

    // A second attempt on the ordered hold is refused before any card is charged.
    let refused = assert_api_error(paid.pay(&hold.id, "attempt-2", &card, &["Ada", "Grace"]).await, 409, "hold_closed").await;
    assert!(refused["message"].as_str().unwrap().contains("ordered"), "{refused}");
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM payments").await, 1);
    assert_eq!(paid.app.stock(paid.ticket_type).await.sold, 2);
    let audit = paid.assert_books_balance().await;
    assert_eq!(audit.money.succeeded, 1);
}

async fn a_declined_card_keeps_the_hold_for_another(backend: Backend) {
    let paid = paid_event(backend, 10, AppOptions::default(), true).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let declined = paid.stripe.card(DECLINED).await;
    let body = assert_api_error(paid.pay(&hold.id, "attempt-1", &declined, &["Ada"]).await, 402, "payment_declined").await;
    assert!(body["message"].as_str().unwrap().contains("declined"), "the provider's words reach the buyer: {body}");
    let view = json(paid.app.get(&format!("/api/holds/{}", hold.id)).await, StatusCode::OK).await;
    assert_eq!(view["status"], "active", "the hold is kept for another card");
    assert_eq!(paid.app.stock(paid.ticket_type).await.sold, 0);

    let visa = paid.stripe.card(VISA).await;
    let state = json(paid.pay(&hold.id, "attempt-2", &visa, &["Ada"]).await, StatusCode::CREATED).await;
    assert_eq!(state["status"], "paid");
    let audit = paid.assert_books_balance().await;
    assert_eq!(audit.money.succeeded, 1);
}

async fn three_d_secure_then_the_return_makes_the_order(backend: Backend) {
    // No webhooks: the buyer's return alone settles the payment.
    let paid = paid_event(backend, 10, AppOptions::default(), false).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let card = paid.stripe.card(THREE_D_SECURE).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada"]).await, StatusCode::ACCEPTED).await;
    assert_eq!(state["status"], "requires_action", "{state}");
    let secret = state["client_secret"].as_str().expect("the page needs the client secret for the bank's check").to_string();
    assert_eq!(paid.app.stock(paid.ticket_type).await.sold, 0, "no order before the money");

    // The bank's check fails: nothing charged, the hold kept; the buyer tries again and passes it.
    paid.stripe.authenticate(&secret, false).await;
    assert_api_error(paid.complete(&hold.id, "attempt-1").await, 402, "payment_declined").await;
    let state = json(paid.pay(&hold.id, "attempt-2", &card, &["Ada"]).await, StatusCode::ACCEPTED).await;
    paid.stripe.authenticate(state["client_secret"].as_str().unwrap(), true).await;
    let done = json(paid.complete(&hold.id, "attempt-2").await, StatusCode::CREATED).await;
    assert_eq!(done["status"], "paid", "{done}");
    assert_eq!(done["order"]["payment"], "card");
    let again = json(paid.complete(&hold.id, "attempt-2").await, StatusCode::CREATED).await;
    assert_eq!(again["order"]["reference"], done["order"]["reference"]);
    assert_eq!(paid.app.stock(paid.ticket_type).await.sold, 1);
    paid.assert_books_balance().await;
}

async fn the_webhook_settles_before_the_buyer_returns(backend: Backend) {
    let paid = paid_event(backend, 10, AppOptions::default(), true).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let card = paid.stripe.card(THREE_D_SECURE).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada"]).await, StatusCode::ACCEPTED).await;
    paid.stripe.authenticate(state["client_secret"].as_str().unwrap(), true).await;
    // The buyer's tab is closed; the provider's payment_intent.succeeded makes the order.
    wait_until("the webhook made the order", Duration::from_secs(20), || async {
        paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE payment = 'card'").await == 1
    })
    .await;
    let done = json(paid.complete(&hold.id, "attempt-1").await, StatusCode::CREATED).await;
    assert_eq!(done["status"], "paid", "the late return finds the order: {done}");
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await, 1);
    assert!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM payment_events").await >= 1, "the applied event is recorded");
    paid.assert_books_balance().await;
}

async fn a_webhook_applies_once_and_forged_ones_are_refused(backend: Backend) {
    // The test plays the provider's part: it signs the deliveries itself, with the account's secret.
    let paid = paid_event(backend, 10, AppOptions::default(), false).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let card = paid.stripe.card(THREE_D_SECURE).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada"]).await, StatusCode::ACCEPTED).await;
    let secret = state["client_secret"].as_str().unwrap().to_string();
    let intent = secret.split("_secret_").next().unwrap().to_string();
    paid.stripe.authenticate(&secret, true).await;
    let body = serde_json::to_vec(&serde_json::json!({
        "id": "evt_test_1",
        "type": "payment_intent.succeeded",
        "data": { "object": { "id": intent, "object": "payment_intent", "status": "succeeded" } }
    }))
    .unwrap();
    let url = paid.app.url(&format!("/api/payments/stripe/{}/webhook", paid.organiser_id));
    let deliver = |signature: String| {
        let request = paid.app.client.post(&url).header("Stripe-Signature", signature).header("Content-Type", "application/json");
        request.body(body.clone()).send()
    };

    let forged = deliver(webhook::sign(&body, "whsec_not_the_secret", chrono::Utc::now())).await.unwrap();
    assert_api_error(forged, 400, "bad_request").await;
    let stale = deliver(webhook::sign(&body, WEBHOOK_SECRET, chrono::Utc::now() - chrono::Duration::minutes(10))).await.unwrap();
    assert_api_error(stale, 400, "bad_request").await;
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await, 0, "nothing applied from a forged delivery");

    for _ in 0..2 {
        let delivered = deliver(webhook::sign(&body, WEBHOOK_SECRET, chrono::Utc::now())).await.unwrap();
        assert_eq!(delivered.status(), StatusCode::OK);
    }
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await, 1, "twice delivered, once applied");
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM payment_events").await, 1);
    // A delivery for another organisation's account is refused by that account's secret.
    let elsewhere = paid.app.client.post(paid.app.url("/api/payments/stripe/999999/webhook")).body(body.clone()).send().await.unwrap();
    assert_api_error(elsewhere, 404, "not_found").await;
    paid.assert_books_balance().await;
}

async fn a_payment_after_its_hold_expired_gets_the_tickets_still_there(backend: Backend) {
    let options = AppOptions { hold_ttl_seconds: 1, reaper_interval_ms: 100, ..AppOptions::default() }
        .with_env("PAYMENT_HOLD_EXTENSION_SECONDS", "1");
    let paid = paid_event(backend, 10, options, false).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 2)]).await;
    let card = paid.stripe.card(THREE_D_SECURE).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada", "Grace"]).await, StatusCode::ACCEPTED).await;
    paid.app.wait_until_expired(&hold.id).await;
    wait_until("the reaper returned the stock", Duration::from_secs(20), || async { paid.app.stock(paid.ticket_type).await.held == 0 })
        .await;

    paid.stripe.authenticate(state["client_secret"].as_str().unwrap(), true).await;
    let done = json(paid.complete(&hold.id, "attempt-1").await, StatusCode::CREATED).await;
    assert_eq!(done["status"], "paid", "the tickets were still there: {done}");
    let stock = paid.app.stock(paid.ticket_type).await;
    assert_eq!((stock.sold, stock.held), (2, 0));
    paid.assert_books_balance().await;
}

async fn a_payment_after_the_tickets_sold_out_is_refunded_in_full(backend: Backend) {
    let options = AppOptions { hold_ttl_seconds: 1, reaper_interval_ms: 100, ..AppOptions::default() }
        .with_env("PAYMENT_HOLD_EXTENSION_SECONDS", "1");
    let paid = paid_event(backend, 1, options, false).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let card = paid.stripe.card(THREE_D_SECURE).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada"]).await, StatusCode::ACCEPTED).await;
    paid.app.wait_until_expired(&hold.id).await;
    // Someone else buys the last ticket meanwhile.
    wait_until("the reaper returned the stock", Duration::from_secs(20), || async { paid.app.stock(paid.ticket_type).await.held == 0 })
        .await;
    let other = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let visa = paid.stripe.card(VISA).await;
    json(paid.pay(&other.id, "other-1", &visa, &["Grace"]).await, StatusCode::CREATED).await;

    paid.stripe.authenticate(state["client_secret"].as_str().unwrap(), true).await;
    let done = json(paid.complete(&hold.id, "attempt-1").await, StatusCode::ACCEPTED).await;
    assert_eq!(done["status"], "refunded", "{done}");
    assert!(done["message"].as_str().unwrap().contains("refunded"), "{done}");
    let intent = paid.app.store().payment_by_attempt(hold.id.parse().unwrap(), "attempt-1").await.unwrap().unwrap().intent_id.unwrap();
    let refunds = paid.stripe.refunds(&intent).await;
    assert_eq!(refunds.len(), 1, "one refund at the provider: {refunds:?}");
    assert_eq!(refunds[0]["amount"], 2500);
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM refunds WHERE status = 'succeeded'").await, 1);
    let told =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE recipient = 'ada.lovelace@example.com' AND subject LIKE '%refunded%'";
    assert_eq!(paid.count(told).await, 1, "the buyer is told by email too");
    assert_eq!(paid.app.stock(paid.ticket_type).await.sold, 1, "never oversold");
    let audit = paid.assert_books_balance().await;
    assert_eq!(audit.money.succeeded, 2);
}

async fn the_provider_down_mid_checkout_keeps_the_hold_and_the_origin(backend: Backend) {
    let mut paid = paid_event(backend, 10, AppOptions::default().with_env("STRIPE_TIMEOUT_MS", "1000"), false).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let card = paid.stripe.card(VISA).await;
    paid.stripe.stop();
    let started = std::time::Instant::now();
    for attempt in 0..5 {
        let body =
            assert_api_error(paid.pay(&hold.id, &format!("attempt-{attempt}"), &card, &["Ada"]).await, 503, "payment_unavailable").await;
        assert!(body["message"].as_str().unwrap().contains("reserved"), "the buyer is told the tickets are kept: {body}");
    }
    assert!(started.elapsed() < Duration::from_secs(10), "each call is bounded, then the breaker answers at once");
    let view = json(paid.app.get(&format!("/api/holds/{}", hold.id)).await, StatusCode::OK).await;
    assert_eq!(view["status"], "active");
    assert_eq!(paid.app.get("/readyz").await.status(), StatusCode::OK, "the origin stays healthy");
    assert_eq!(paid.app.hold(&paid.slug, &[(paid.ticket_type, 1)]).await.status(), StatusCode::CREATED, "and keeps selling");
    paid.assert_books_balance().await;
}

async fn reconciliation_settles_a_payment_nobody_returned_for(backend: Backend) {
    let paid = paid_event(backend, 10, AppOptions::default(), false).await;
    let hold = paid.app.hold_ok(&paid.slug, &[(paid.ticket_type, 1)]).await;
    let card = paid.stripe.card(THREE_D_SECURE).await;
    let state = json(paid.pay(&hold.id, "attempt-1", &card, &["Ada"]).await, StatusCode::ACCEPTED).await;
    paid.stripe.authenticate(state["client_secret"].as_str().unwrap(), true).await;
    // No webhook, no return: the worker's round asks the provider.
    let done = paid.app.parts.storefront.reconcile_payments(Duration::ZERO).await.unwrap();
    assert_eq!(done.payments, 1);
    assert_eq!(paid.count("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE payment = 'card'").await, 1);
    assert_eq!(paid.app.stock(paid.ticket_type).await.sold, 1);
    let again = paid.app.parts.storefront.reconcile_payments(Duration::ZERO).await.unwrap();
    assert_eq!(again.payments, 0, "a settled payment is not looked at again");
    paid.assert_books_balance().await;
}
