//! Paying at the door or by invoice: each event's choice, off by default; an unpaid ticket does
//! not open the door until door staff mark its order paid; an order left unpaid past its days is
//! cancelled and its stock goes back on sale, with the reason in the order's history.
use crate::admin_client::{event_input, Organiser};
use crate::helpers::*;
use contract::model::PaymentMethod;
use serde_json::{json, Value};

on_both_backends!(
    offline_payment_is_off_unless_the_event_offers_it,
    an_unpaid_ticket_checks_in_only_once_paid,
    unpaid_orders_lapse_and_their_stock_returns,
);

/// A published event whose one ticket type costs €20.00, with offline payment as given
/// (`""`: not offered); returns (event id, ticket type id).
async fn event_paying_offline(organiser: &Organiser, slug: &str, days: &str) -> (i64, i64) {
    let mut input = event_input(slug);
    input["offline_payment_days"] = json!(days);
    let event = organiser.expect(organiser.post(&format!("/organisations/{}/events", organiser.org), input).await, 201).await;
    let event_id = event["id"].as_i64().unwrap();
    let ticket_type = organiser.add_ticket_type(event_id, "Standing", "20.00", 10).await["id"].as_i64().unwrap();
    organiser.expect(organiser.post(&format!("/events/{event_id}/publish"), json!({})).await, 200).await;
    (event_id, ticket_type)
}

async fn order_offline(app: &TestApp, slug: &str, ticket_type: i64, key: &str) -> reqwest::Response {
    let hold = app.hold_ok(slug, &[(ticket_type, 1)]).await;
    app.order(&hold.id, key, &order_request(&["Ada"], PaymentMethod::Offline)).await
}

/// Fails on the main of before: `payment: offline` was accepted for every paid event.
async fn offline_payment_is_off_unless_the_event_offers_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, ticket_type) = event_paying_offline(&organiser, "card-only", "").await;
    let refused = assert_api_error(order_offline(&app, "card-only", ticket_type, "k1").await, 422, "validation").await;
    assert_eq!(refused["field"], "payment");
    assert!(refused["message"].as_str().unwrap().contains("does not take payment at the door"), "{refused}");
    assert_eq!(app.stock(ticket_type).await.sold, 0);

    // The organiser offers it; then it is taken, and the order awaits payment.
    for bad in ["0", "366", "seven", "1.5"] {
        let mut input = event_input("card-only");
        input["offline_payment_days"] = json!(bad);
        let body = assert_api_error(organiser.put(&format!("/events/{event_id}"), input).await, 422, "validation").await;
        assert_eq!(body["field"], "offline_payment_days", "{bad}: {body}");
    }
    let mut input = event_input("card-only");
    input["offline_payment_days"] = json!("7");
    let event = organiser.expect(organiser.put(&format!("/events/{event_id}"), input).await, 200).await;
    assert_eq!(event["offline_payment_days"], 7);
    let order: Value = order_offline(&app, "card-only", ticket_type, "k2").await.json().await.unwrap();
    assert_eq!(order["status"], "awaiting_payment", "{order}");
    app.assert_books_balance("card-only").await;
}

/// Fails on the main of before: the ticket of an order awaiting payment checked in as valid.
async fn an_unpaid_ticket_checks_in_only_once_paid(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, ticket_type) = event_paying_offline(&organiser, "at-the-door", "7").await;
    let order: Value = order_offline(&app, "at-the-door", ticket_type, "k1").await.json().await.unwrap();
    let code = order["tickets"][0]["code"].as_str().unwrap().to_string();
    let check_ins = format!("/events/{event_id}/check-ins");
    let check = || organiser.post(&check_ins, json!({"code": code}));

    let unpaid = organiser.expect(check().await, 200).await;
    assert_eq!(unpaid["result"], "not_paid");
    let message = unpaid["message"].as_str().unwrap();
    assert!(message.starts_with("Not paid: collect €20.00 at the door"), "{message}");
    let order_id = unpaid["order_id"].as_i64().unwrap();
    let detail = organiser.expect(organiser.get(&format!("/orders/{order_id}")).await, 200).await;
    assert!(detail["tickets"][0]["checked_in_at"].is_null(), "nobody was let in");

    let paid = organiser.expect(organiser.post(&format!("/orders/{order_id}/paid"), json!({})).await, 200).await;
    assert_eq!(paid["status"], "confirmed", "{paid}");
    assert_api_error(organiser.post(&format!("/orders/{order_id}/paid"), json!({})).await, 409, "conflict").await;
    assert_eq!(organiser.expect(check().await, 200).await["result"], "valid");
    let history = format!("SELECT COUNT(*) FROM order_history WHERE order_id = {order_id} AND change = 'paid' AND user_id IS NOT NULL");
    assert_eq!(app.sql_i64(&history).await, 1, "the history names who took the money");
}

/// Fails on the main of before: unpaid orders kept their tickets out of sale for ever.
async fn unpaid_orders_lapse_and_their_stock_returns(backend: Backend) {
    for gate in ["local", "redis"] {
        let options = AppOptions { reaper_interval_ms: 100, ..AppOptions::default() }.with_env("INVENTORY_GATE", gate);
        let options = if gate == "redis" { shared_redis_gate(options).await } else { options };
        let app = spawn_app_with(backend, options).await;
        let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 3)]).await;
        let id = event.type_ids[0];
        let hold = app.hold_ok(&event.slug, &[(id, 3)]).await;
        let order: Value = app.order(&hold.id, "k1", &order_request(&["A", "B", "C"], PaymentMethod::Offline)).await.json().await.unwrap();
        assert_eq!(order["status"], "awaiting_payment");
        assert_api_error(app.hold(&event.slug, &[(id, 1)]).await, 409, "sold_out").await;

        // Seven days on, as far as the order's deadline knows.
        let moved =
            app.sql(&format!("UPDATE orders SET pay_by = created_at WHERE reference = '{}'", order["reference"].as_str().unwrap())).await;
        assert_eq!(moved, 1);
        wait_until("the unpaid order lapsed", std::time::Duration::from_secs(30), || async { app.stock(id).await.sold == 0 }).await;
        let (cancelled, refunded): (bool, i64) = (
            app.sql_i64("SELECT COUNT(*) FROM orders WHERE cancelled_at IS NOT NULL").await == 1,
            app.sql_i64("SELECT refunded_minor FROM orders").await,
        );
        assert!(cancelled, "{gate}");
        assert_eq!(refunded, 0, "{gate}: nothing was paid, so nothing is refunded");
        assert_eq!(
            app.sql_i64(
                "SELECT COUNT(*) FROM order_history WHERE change = 'cancelled' AND reason = 'not paid by its deadline' AND user_id IS NULL"
            )
            .await,
            1
        );
        let told = app
            .sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE subject LIKE 'Your unpaid order % was cancelled' AND order_id IS NOT NULL")
            .await;
        assert_eq!(told, 1, "{gate}: the buyer is told, in the cancellation's transaction");
        // Back on sale, through the gate.
        app.hold_ok(&event.slug, &[(id, 3)]).await;
        app.assert_books_balance(&event.slug).await;
    }
}
