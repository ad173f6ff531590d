//! After the sale: finding orders, cancelling (stock back on sale), resending confirmations, the
//! door's check-in, the live dashboard and the attendee export.
use crate::admin_client::Organiser;
use crate::helpers::{on_both_backends, order_request, spawn_app, spawn_app_with, AppOptions, Backend, TestApp};
use contract::model::{AnswerInput, PaymentMethod};
use serde_json::{json, Value};

on_both_backends!(
    orders_are_found_by_reference_name_or_email,
    cancelling_returns_the_stock_to_sale,
    check_in_says_valid_already_or_invalid,
    the_dashboard_counts_sales_per_minute,
    the_export_lists_every_attendee,
    resending_queues_the_confirmation,
    what_organisers_set_up_is_used_at_checkout_and_shown_after,
);

/// Buys `attendees.len()` tickets of `ticket_type` for `buyer`; returns the order's JSON.
async fn buy(app: &TestApp, slug: &str, ticket_type: i64, attendees: &[&str], key: &str) -> Value {
    let hold = app.hold_ok(slug, &[(ticket_type, attendees.len() as i64)]).await;
    let response = app.order(&hold.id, key, &order_request(attendees, PaymentMethod::Offline)).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn orders_are_found_by_reference_name_or_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("findable", &[("GA", "10", 50)]).await;
    let first = buy(&app, "findable", types[0], &["Grace Hopper"], "k1").await;
    buy(&app, "findable", types[0], &["Alan Turing", "Joan Clarke"], "k2").await;
    let all = organiser.expect(organiser.get(&format!("/events/{event}/orders")).await, 200).await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["orders"][0]["tickets"], 2, "newest first");
    let by_ref = organiser
        .expect(organiser.get(&format!("/events/{event}/orders?q={}", first["reference"].as_str().unwrap().to_lowercase())).await, 200)
        .await;
    assert_eq!(by_ref["total"], 1);
    assert_eq!(by_ref["orders"][0]["reference"], first["reference"]);
    // order_request's buyer is always Ada Lovelace.
    let by_name = organiser.expect(organiser.get(&format!("/events/{event}/orders?q=LOVELACE")).await, 200).await;
    assert_eq!(by_name["total"], 2);
    let by_email = organiser.expect(organiser.get(&format!("/events/{event}/orders?q=ada.lovelace@example")).await, 200).await;
    assert_eq!(by_email["total"], 2);
    let nobody = organiser.expect(organiser.get(&format!("/events/{event}/orders?q=hopper")).await, 200).await;
    assert_eq!(nobody["total"], 0, "attendees are not buyers");
    let none = organiser.expect(organiser.get(&format!("/events/{event}/orders?q=%25")).await, 200).await;
    assert_eq!(none["total"], 0, "a % is searched for, not a wildcard");
    let page = organiser.expect(organiser.get(&format!("/events/{event}/orders?limit=1&offset=1")).await, 200).await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["orders"].as_array().unwrap().len(), 1);
    let id = by_ref["orders"][0]["id"].as_i64().unwrap();
    let detail = organiser.expect(organiser.get(&format!("/orders/{id}")).await, 200).await;
    assert_eq!(detail["tickets"][0]["attendee_name"], "Grace Hopper");
    assert_eq!(detail["total_minor"], 1000);
    let active = organiser.expect(organiser.get(&format!("/events/{event}/orders?status=active")).await, 200).await;
    assert_eq!(active["total"], 2);
    let cancelled = organiser.expect(organiser.get(&format!("/events/{event}/orders?status=cancelled")).await, 200).await;
    assert_eq!(cancelled["total"], 0);
}

async fn cancelling_returns_the_stock_to_sale(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("last-seats", &[("Seat", "25", 3)]).await;
    buy(&app, "last-seats", types[0], &["A", "B", "C"], "k1").await;
    assert_eq!(app.available("last-seats", types[0]).await, 0);
    assert_eq!(app.hold("last-seats", &[(types[0], 1)]).await.status(), 409, "sold out");
    let orders = organiser.expect(organiser.get(&format!("/events/{event}/orders")).await, 200).await;
    let id = orders["orders"][0]["id"].as_i64().unwrap();
    // Paid at the door first: a cancelled order refunds what was paid.
    organiser.expect(organiser.post(&format!("/orders/{id}/paid"), json!({})).await, 200).await;
    let cancelled = organiser.expect(organiser.post(&format!("/orders/{id}/cancel"), json!({})).await, 200).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["refunded_minor"], 7500);
    assert!(cancelled["cancelled_at"].is_string());
    assert_eq!(app.available("last-seats", types[0]).await, 3, "the stock is back on sale");
    let again = organiser.expect(organiser.post(&format!("/orders/{id}/cancel"), json!({})).await, 409).await;
    assert!(again["message"].as_str().unwrap().contains("already"));
    // Sold again through the gate, and the books still balance.
    buy(&app, "last-seats", types[0], &["D", "E", "F"], "k2").await;
    assert_eq!(app.available("last-seats", types[0]).await, 0);
    let audit = app.assert_books_balance("last-seats").await;
    assert_eq!(audit.sold(), 3);
    let dashboard = organiser.expect(organiser.get(&format!("/events/{event}/dashboard")).await, 200).await;
    assert_eq!(dashboard["sold"], 3);
    assert_eq!(dashboard["orders"], 1);
    assert_eq!(dashboard["revenue_minor"], 7500, "a refunded order is no revenue");
}

async fn check_in_says_valid_already_or_invalid(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("door", &[("GA", "0", 10)]).await;
    let (other_event, other_types) = organiser.published_event("other-door", &[("GA", "0", 10)]).await;
    let order = buy(&app, "door", types[0], &["Grace", "Alan"], "k1").await;
    let other = buy(&app, "other-door", other_types[0], &["Linus"], "k2").await;
    let code = order["tickets"][0]["code"].as_str().unwrap();
    let check = |code: String| {
        let organiser = &organiser;
        async move { organiser.expect(organiser.post(&format!("/events/{event}/check-ins"), json!({"code": code})).await, 200).await }
    };
    let first = check(format!("  {code} ")).await;
    assert_eq!(first["result"], "valid");
    assert_eq!(first["attendee_name"], "Grace");
    let second = check(code.to_string()).await;
    assert_eq!(second["result"], "already_checked_in");
    assert_eq!(second["checked_in_at"], first["checked_in_at"], "the first check-in's time is kept");
    assert!(second["message"].as_str().unwrap().contains("Already checked in at"));
    assert_eq!(check("NOT-A-CODE".into()).await["result"], "invalid");
    let elsewhere = check(other["tickets"][0]["code"].as_str().unwrap().to_string()).await;
    assert_eq!(elsewhere["result"], "invalid", "a ticket for another event does not open this door");
    assert!(elsewhere["attendee_name"].is_null());
    let _ = other_event;
    // A cancelled order's tickets stop working.
    let id = organiser.expect(organiser.get(&format!("/events/{event}/orders")).await, 200).await["orders"][0]["id"].as_i64().unwrap();
    organiser.expect(organiser.post(&format!("/orders/{id}/cancel"), json!({})).await, 200).await;
    let cancelled = check(order["tickets"][1]["code"].as_str().unwrap().to_string()).await;
    assert_eq!(cancelled["result"], "invalid");
    assert!(cancelled["message"].as_str().unwrap().contains("cancelled"));
    let detail = organiser.expect(organiser.get(&format!("/orders/{id}")).await, 200).await;
    assert!(detail["tickets"][0]["checked_in_at"].is_string());
    assert!(detail["tickets"][1]["checked_in_at"].is_null());
}

async fn the_dashboard_counts_sales_per_minute(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("busy", &[("GA", "10", 100), ("VIP", "50.50", 10)]).await;
    buy(&app, "busy", types[0], &["A", "B"], "k1").await;
    buy(&app, "busy", types[1], &["C"], "k2").await;
    let _held = app.hold_ok("busy", &[(types[0], 3)]).await;
    let dashboard = organiser.expect(organiser.get(&format!("/events/{event}/dashboard")).await, 200).await;
    assert_eq!(dashboard["sold"], 3);
    assert_eq!(dashboard["orders"], 2);
    assert_eq!(dashboard["revenue_minor"], 2000 + 5050);
    assert_eq!(dashboard["remaining"], 100 - 2 - 3 + 10 - 1, "held tickets are not remaining");
    assert_eq!(dashboard["ticket_types"][0]["held"], 3);
    assert_eq!(dashboard["ticket_types"][1]["revenue_minor"], 5050);
    let minutes = dashboard["per_minute"].as_array().unwrap();
    assert_eq!(minutes.len(), 60);
    let total: i64 = minutes.iter().map(|m| m["tickets"].as_i64().unwrap()).sum();
    assert_eq!(total, 3);
    assert!(
        minutes.last().unwrap()["tickets"].as_i64().unwrap() > 0 || minutes[58]["tickets"].as_i64().unwrap() > 0,
        "sales show in the last minutes"
    );
}

async fn the_export_lists_every_attendee(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("exported", &[("GA", "10", 100)]).await;
    organiser
        .expect(organiser.post(&format!("/events/{event}/questions"), json!({"label": "Dietary needs", "kind": "text"})).await, 201)
        .await;
    buy(&app, "exported", types[0], &["Grace Hopper", "=cmd|' /C calc'!A0"], "k1").await;
    buy(&app, "exported", types[0], &["Turing, Alan"], "k2").await;
    let job = organiser.expect(organiser.post(&format!("/events/{event}/exports"), json!({})).await, 202).await;
    let id = job["id"].as_i64().unwrap();
    let mut status = job;
    for _ in 0..100 {
        if status["status"] == "done" || status["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        status = organiser.expect(organiser.get(&format!("/exports/{id}")).await, 200).await;
    }
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["done"], 3);
    assert_eq!(status["total"], 3);
    let download = organiser.get(&format!("/exports/{id}/csv")).await;
    assert_eq!(download.status(), 200);
    assert!(download.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(download.headers()["content-disposition"].to_str().unwrap().contains("exported-attendees"));
    let csv = download.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("ticket_code,ticket_type,attendee_name"));
    assert!(lines[0].contains(",order_status,payment,order_total,refunded,currency,"), "the payment state: {}", lines[0]);
    assert!(lines[0].ends_with("Dietary needs"));
    assert!(csv.contains("Grace Hopper"));
    assert!(csv.contains("\"Turing, Alan\""));
    assert!(csv.contains("'=cmd"), "formulas are defused: {csv}");
}

async fn resending_queues_the_confirmation(backend: Backend) {
    // The mailer's first round runs at start-up, the next one a minute later: emails wait.
    let app = spawn_app_with(backend, AppOptions::default().with_env("WORKER_INTERVAL_MS", "60000")).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("mailed", &[("GA", "10", 10)]).await;
    buy(&app, "mailed", types[0], &["Grace"], "k1").await;
    let id = organiser.expect(organiser.get(&format!("/events/{event}/orders")).await, 200).await["orders"][0]["id"].as_i64().unwrap();
    let before = organiser.expect(organiser.get(&format!("/orders/{id}")).await, 200).await;
    assert!(before["confirmation_sent_at"].is_string(), "the order queued its confirmation: {before}");
    assert_eq!(before["emails"].as_array().unwrap().len(), 1);
    assert_eq!(before["emails"][0]["status"], "queued");
    assert_eq!(before["emails"][0]["recipient"], "ada.lovelace@example.com");
    assert!(before["emails"][0]["subject"].as_str().unwrap().contains(before["reference"].as_str().unwrap()));

    let after = organiser.expect(organiser.post(&format!("/orders/{id}/resend"), json!({})).await, 200).await;
    assert_eq!(after["emails"].as_array().unwrap().len(), 2, "{after}");
    assert_eq!(after["emails"][0]["subject"], before["emails"][0]["subject"]);
    app.send_mail().await;
    let sent = organiser.expect(organiser.get(&format!("/orders/{id}")).await, 200).await;
    assert!(sent["emails"].as_array().unwrap().iter().all(|email| email["status"] == "sent"), "the mailer sent them: {sent}");

    organiser.expect(organiser.post(&format!("/orders/{id}/cancel"), json!({})).await, 200).await;
    let cancelled = organiser.expect(organiser.get(&format!("/orders/{id}")).await, 200).await;
    assert!(cancelled["emails"][0]["subject"].as_str().unwrap().contains("was cancelled"), "the buyer is told: {cancelled}");
    organiser.expect(organiser.post(&format!("/orders/{id}/resend"), json!({})).await, 409).await;
}

async fn what_organisers_set_up_is_used_at_checkout_and_shown_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (event, types) = organiser.published_event("set-up", &[("GA", "40", 10)]).await;
    let discount = organiser
        .expect(
            organiser
                .post(
                    &format!("/events/{event}/discounts"),
                    json!({"code": "half", "kind": "percent", "amount": "50", "max_uses": 1, "ticket_type_ids": []}),
                )
                .await,
            201,
        )
        .await;
    let question = organiser
        .expect(
            organiser
                .post(
                    &format!("/events/{event}/questions"),
                    json!({"label": "T-shirt size", "kind": "choice", "options": ["S", "M", "L"], "required": true}),
                )
                .await,
            201,
        )
        .await;
    let question_id = question["id"].as_i64().unwrap();
    let snapshot: Value = app.get("/api/events/set-up").await.json().await.unwrap();
    assert_eq!(snapshot["questions"][0]["label"], "T-shirt size", "a new question is on the storefront at once");

    let hold = app.hold_ok("set-up", &[(types[0], 2)]).await;
    let mut request = order_request(&["Grace", "Alan"], PaymentMethod::Offline);
    request.discount_code = Some("HALF".into());
    request.answers = vec![AnswerInput { question_id, answer: "M".into() }];
    let placed = app.order(&hold.id, "k1", &request).await;
    assert_eq!(placed.status(), 201);
    let orders = organiser.expect(organiser.get(&format!("/events/{event}/orders")).await, 200).await;
    let id = orders["orders"][0]["id"].as_i64().unwrap();
    let order = organiser.expect(organiser.get(&format!("/orders/{id}")).await, 200).await;
    assert_eq!(order["total_minor"], 4000);
    assert_eq!(order["discount_minor"], 4000);
    assert_eq!(order["discount_code"], "HALF");
    assert_eq!(order["answers"][0]["label"], "T-shirt size");
    assert_eq!(order["answers"][0]["answer"], "M");
    let used = organiser.expect(organiser.get(&format!("/events/{event}")).await, 200).await;
    assert_eq!(used["discounts"][0]["uses"], 1);
    organiser.expect(organiser.send(reqwest::Method::DELETE, &format!("/discounts/{}", discount["id"]), None).await, 409).await;

    // The answer is in the export, under its question.
    let job = organiser.expect(organiser.post(&format!("/events/{event}/exports"), json!({})).await, 202).await;
    let export = job["id"].as_i64().unwrap();
    let mut csv = None;
    for _ in 0..100 {
        let response = organiser.get(&format!("/exports/{export}/csv")).await;
        if response.status() == 200 {
            csv = Some(response.text().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let csv = csv.expect("the export finishes");
    assert!(csv.lines().next().unwrap().ends_with("T-shirt size"));
    assert_eq!(csv.lines().filter(|line| line.ends_with(",M")).count(), 2, "{csv}");

    // Cancelling gives the code's only use back: the next buyer can use it.
    organiser.expect(organiser.post(&format!("/orders/{id}/cancel"), json!({})).await, 200).await;
    let back = organiser.expect(organiser.get(&format!("/events/{event}")).await, 200).await;
    assert_eq!(back["discounts"][0]["uses"], 0);
    let hold = app.hold_ok("set-up", &[(types[0], 1)]).await;
    let mut request = order_request(&["Linus"], PaymentMethod::Offline);
    request.discount_code = Some("half".into());
    request.answers = vec![AnswerInput { question_id, answer: "L".into() }];
    assert_eq!(app.order(&hold.id, "k2", &request).await.status(), 201);
    app.assert_books_balance("set-up").await;
}
