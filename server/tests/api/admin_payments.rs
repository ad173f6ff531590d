//! The organiser's side of card payments, through the admin API against localstripe: connecting
//! the organisation's Stripe account (keys checked, secrets never shown again, owners only),
//! refunds in part and in full (never more than was paid), cancelling with a refund, and the
//! dashboard's revenue net of refunds, and an event that turns card payments off.
use crate::admin_client::Organiser;
use crate::helpers::*;
use crate::stripe_process::{LocalStripe, PUBLISHABLE_KEY, SECRET_KEY};
use contract::model::PaymentMethod;
use contract::payment::CardPaymentRequest;
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    an_owner_connects_the_account_and_its_secrets_stay_sealed,
    refunds_in_part_then_in_full_never_more,
    cancelling_a_card_order_refunds_it,
    an_event_that_turns_cards_off_takes_none,
);

const WEBHOOK_SECRET: &str = "whsec_admin_payments_test";

fn keys() -> Value {
    json!({ "publishable_key": PUBLISHABLE_KEY, "secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET })
}

async fn app_with_stripe(backend: Backend) -> (TestApp, LocalStripe) {
    let stripe = LocalStripe::start().await;
    let app = spawn_app_with(backend, AppOptions::default().with_env("STRIPE_API_BASE", stripe.base())).await;
    (app, stripe)
}

async fn an_owner_connects_the_account_and_its_secrets_stay_sealed(backend: Backend) {
    let (app, _stripe) = app_with_stripe(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let path = format!("/organisations/{}/payment-account", owner.org);
    let before = owner.expect(owner.get(&path).await, 200).await;
    assert_eq!(before["connected"], false);
    assert!(before["webhook_url"].as_str().unwrap().ends_with(&format!("/api/payments/stripe/{}/webhook", owner.org)), "{before}");

    for (field, bad) in [
        ("publishable_key", json!({ "publishable_key": "sk_test_x", "secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET })),
        ("secret_key", json!({ "publishable_key": PUBLISHABLE_KEY, "secret_key": "pk_test_x", "webhook_secret": WEBHOOK_SECRET })),
        ("webhook_secret", json!({ "publishable_key": PUBLISHABLE_KEY, "secret_key": SECRET_KEY, "webhook_secret": "secret" })),
        ("secret_key", json!({ "publishable_key": "pk_live_abc", "secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET })),
        // localstripe refuses keys that are not sk_...: the provider's word is asked before saving.
        ("secret_key", json!({ "publishable_key": PUBLISHABLE_KEY, "secret_key": "rk_test_", "webhook_secret": WEBHOOK_SECRET })),
    ] {
        let body = assert_api_error(owner.put(&path, bad.clone()).await, 422, "validation").await;
        assert_eq!(body["field"], field, "{bad}: {body}");
    }
    let connected = owner.expect(owner.put(&path, keys()).await, 200).await;
    assert_eq!((connected["connected"].as_bool(), connected["live"].as_bool()), (Some(true), Some(false)), "{connected}");
    let text = owner.get(&path).await.text().await.unwrap();
    assert!(!text.contains(SECRET_KEY) && !text.contains(WEBHOOK_SECRET), "secrets are never sent back: {text}");
    let stored: i64 = app
        .sql_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM payment_accounts WHERE secret_key LIKE 'sealed1:%' AND secret_key NOT LIKE '%{SECRET_KEY}%'"
        ))
        .await;
    assert_eq!(stored, 1, "stored sealed");

    // Another member who is not an owner sees it, cannot change it.
    let admin = Organiser::sign_up(&app, "Adam").await;
    owner.invite_and_accept(&app, &admin, "admin").await;
    admin.expect(admin.get(&path).await, 200).await;
    assert_api_error(admin.put(&path, keys()).await, 403, "forbidden").await;
    assert_api_error(admin.send(Method::DELETE, &path, None).await, 403, "forbidden").await;
    let gone = owner.expect(owner.send(Method::DELETE, &path, None).await, 200).await;
    assert_eq!(gone["connected"], false);
}

/// A published €25.00 event of `owner`'s with its account connected, and a paid card order of
/// `tickets` tickets; returns (event id, order id).
async fn paid_order(app: &TestApp, stripe: &LocalStripe, owner: &Organiser, slug: &str, tickets: i64) -> (i64, i64) {
    owner.expect(owner.put(&format!("/organisations/{}/payment-account", owner.org), keys()).await, 200).await;
    let (event_id, types) = owner.published_event(slug, &[("Standing", "25.00", 10)]).await;
    let hold = app.hold_ok(slug, &[(types[0], tickets)]).await;
    let names: Vec<String> = (0..tickets).map(|i| format!("Guest {i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let request =
        CardPaymentRequest { order: order_request(&names, PaymentMethod::Card), payment_method: stripe.card("4242424242424242").await };
    let response = app
        .client
        .post(app.url(&format!("/api/holds/{}/payment", hold.id)))
        .header("Idempotency-Key", "pay-1")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let order_id = app.sql_i64("SELECT id FROM orders WHERE payment = 'card'").await;
    (event_id, order_id)
}

async fn refunds_in_part_then_in_full_never_more(backend: Backend) {
    let (app, stripe) = app_with_stripe(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, order_id) = paid_order(&app, &stripe, &owner, "refunds", 2).await;
    let path = format!("/orders/{order_id}/refunds");
    let refund = |body: Value| owner.post(&path, body);

    let order = owner.expect(refund(json!({ "amount": "10.00", "reason": "one guest could not come" })).await, 200).await;
    assert_eq!(order["refunded_minor"], 1000);
    assert_eq!(order["refunds"][0]["status"], "succeeded", "{order}");
    assert_eq!(order["refunds"][0]["reason"], "one guest could not come");

    let body = assert_api_error(refund(json!({ "amount": "45.00" })).await, 422, "validation").await;
    assert_eq!(body["field"], "amount");
    assert!(body["message"].as_str().unwrap().contains("40.00"), "what is left is named: {body}");
    assert_api_error(refund(json!({ "amount": "ten" })).await, 422, "validation").await;

    let order = owner.expect(refund(json!({ "amount": "" })).await, 200).await;
    assert_eq!(order["refunded_minor"], 5000, "blank: all that is left");
    assert_api_error(refund(json!({})).await, 409, "conflict").await;

    let intent = app.store().payment_of_order(order_id).await.unwrap().unwrap().intent_id.unwrap();
    let at_provider: i64 = stripe.refunds(&intent).await.iter().map(|r| r["amount"].as_i64().unwrap()).sum();
    assert_eq!(at_provider, 5000, "the provider refunded exactly that");
    let dashboard = owner.expect(owner.get(&format!("/events/{event_id}/dashboard")).await, 200).await;
    assert_eq!(dashboard["revenue_minor"], 0, "revenue is net of refunds: {dashboard}");
    // The buyer is told of each refund, its amount in words (queued with the refund itself); the
    // refusals told nobody anything.
    let told = crate::admin_client::mail_to(&app, "ada.lovelace@example.com").await;
    let refunds: Vec<_> = told.iter().filter(|mail| mail.subject.starts_with("A refund for your order")).collect();
    assert_eq!(refunds.len(), 2, "{told:?}");
    assert!(refunds[0].body.contains("10.00") && refunds[1].body.contains("40.00"), "{refunds:?}");
    let audit = app.assert_books_balance("refunds").await;
    assert_eq!(audit.money.succeeded, 1);
}

async fn cancelling_a_card_order_refunds_it(backend: Backend) {
    let (app, stripe) = app_with_stripe(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, order_id) = paid_order(&app, &stripe, &owner, "cancelled", 1).await;
    let order = owner.expect(owner.post(&format!("/orders/{order_id}/cancel"), json!({ "refund": true })).await, 200).await;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["refunded_minor"], 2500);
    assert_eq!(order["refunds"].as_array().unwrap().len(), 1);
    let dashboard = owner.expect(owner.get(&format!("/events/{event_id}/dashboard")).await, 200).await;
    assert_eq!((dashboard["revenue_minor"].as_i64(), dashboard["sold"].as_i64()), (Some(0), Some(0)), "{dashboard}");
    app.assert_books_balance("cancelled").await;
}

/// Fails on the main of before: every paid event of a connected organisation took cards.
async fn an_event_that_turns_cards_off_takes_none(backend: Backend) {
    let (app, stripe) = app_with_stripe(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    owner.expect(owner.put(&format!("/organisations/{}/payment-account", owner.org), keys()).await, 200).await;
    let (event_id, types) = owner.published_event("at-the-door", &[("Standing", "25.00", 10)]).await;
    let event = owner.expect(owner.get(&format!("/events/{event_id}")).await, 200).await;
    assert_eq!(event["card_payments"], true, "on unless turned off: {event}");

    let mut input = crate::admin_client::event_input("at-the-door");
    input["card_payments"] = json!(false);
    let event = owner.expect(owner.put(&format!("/events/{event_id}"), input).await, 200).await;
    assert_eq!(event["card_payments"], false, "{event}");

    let hold = app.hold_ok("at-the-door", &[(types[0], 1)]).await;
    let view: Value = app.get(&format!("/api/holds/{}", hold.id)).await.json().await.unwrap();
    assert!(view["card"].is_null(), "the checkout is not offered a card form: {view}");
    let request =
        CardPaymentRequest { order: order_request(&["Ada"], PaymentMethod::Card), payment_method: stripe.card("4242424242424242").await };
    let response = app
        .client
        .post(app.url(&format!("/api/holds/{}/payment", hold.id)))
        .header("Idempotency-Key", "pay-1")
        .json(&request)
        .send()
        .await
        .unwrap();
    let refused = assert_api_error(response, 422, "validation").await;
    assert_eq!(refused["field"], "payment");
    assert!(refused["message"].as_str().unwrap().contains("does not take cards"), "{refused}");
    assert_eq!(app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM payments").await, 0, "nothing was sent to the provider");

    // Paid at the door instead, as the event offers.
    let order: Value = app.order(&hold.id, "door-1", &order_request(&["Ada"], PaymentMethod::Offline)).await.json().await.unwrap();
    assert_eq!(order["status"], "awaiting_payment", "{order}");
    app.assert_books_balance("at-the-door").await;
}
