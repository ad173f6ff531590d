//! The waiting list: joining only a sold-out type, once per address; returned stock offered to
//! the list first, in order (a head that does not fit blocks those behind it and the public);
//! offers claimed, lapsing and passing on; no double offer when stock comes back all at once; the
//! organiser's list, removing an entry and closing the list. On both backends.
use crate::admin_client::{event_input, Organiser};
use crate::helpers::*;
use contract::model::PaymentMethod;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    returned_stock_goes_to_the_list_in_order,
    stock_returned_all_at_once_is_offered_once_each,
    the_organiser_sees_the_list_and_removes_and_closes,
    joining_is_limited_per_network,
    a_hundred_cancellations_reach_the_next_hundred_exactly_once,
    the_audit_sees_a_list_served_out_of_turn,
);

async fn join(app: &TestApp, slug: &str, ticket_type: i64, name: &str, quantity: i64) -> reqwest::Response {
    let body = json!({ "ticket_type_id": ticket_type, "name": name, "email": format!("{}@example.com", name.to_lowercase()), "quantity": quantity });
    app.client.post(app.url(&format!("/api/events/{slug}/waiting-list"))).json(&body).send().await.unwrap()
}

async fn joined(app: &TestApp, slug: &str, ticket_type: i64, name: &str, quantity: i64, status: u16) -> Value {
    let response = join(app, slug, ticket_type, name, quantity).await;
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{name}: {body}");
    body
}

/// The hold offered to `name`'s entry, if one was.
async fn offer_of(app: &TestApp, name: &str) -> Option<String> {
    let list = app.store().waiting_list(event_id_of(app, name).await).await.unwrap();
    list.into_iter().find(|entry| entry.name == name && entry.state == "offered").and_then(|entry| entry.hold_id).map(|id| id.to_string())
}

async fn event_id_of(app: &TestApp, name: &str) -> i64 {
    app.sql_i64(&format!("SELECT event_id FROM waiting_list_entries WHERE name = '{name}' ORDER BY id DESC LIMIT 1")).await
}

async fn list(owner: &Organiser, event_id: i64) -> Vec<Value> {
    owner.expect(owner.get(&format!("/events/{event_id}/waiting-list")).await, 200).await.as_array().unwrap().clone()
}

fn state_of<'a>(list: &'a [Value], name: &str) -> &'a str {
    list.iter().rev().find(|entry| entry["name"] == name).and_then(|entry| entry["state"].as_str()).unwrap_or("missing")
}

/// Fails on the main of before: there was no waiting list; returned stock went to whoever asked next.
async fn returned_stock_goes_to_the_list_in_order(backend: Backend) {
    // The reaper every 200 ms: Bob's offer below lapses and is reaped like any hold.
    let app = spawn_app_with(backend, AppOptions { reaper_interval_ms: 200, ..AppOptions::default() }).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, types) = owner.published_event("waiting", &[("Standing", "20.00", 2)]).await;
    let standing = types[0];
    let refused = assert_api_error(join(&app, "waiting", standing, "Early", 1).await, 409, "conflict").await;
    assert!(refused["message"].as_str().unwrap().contains("still available"), "{refused}");

    let first = app.hold_ok("waiting", &[(standing, 2)]).await;
    assert_eq!(joined(&app, "waiting", standing, "Ada", 1, 201).await["position"], 1);
    assert_eq!(joined(&app, "waiting", standing, "Bob", 2, 201).await["position"], 2);
    assert_eq!(joined(&app, "waiting", standing, "Cy", 1, 201).await["position"], 3);
    let again = joined(&app, "waiting", standing, "Ada", 1, 200).await;
    assert_eq!((again["position"].as_i64(), again["state"].as_str()), (Some(1), Some("waiting")), "joining twice is one entry");
    for (quantity, field) in [(0, "quantity"), (11, "quantity")] {
        let body = assert_api_error(join(&app, "waiting", standing, "Dee", quantity).await, 422, "validation").await;
        assert_eq!(body["field"], field);
    }

    // Two tickets come back: Ada (1) first; Bob wants 2, only 1 is left, so he and Cy behind him
    // wait, and the public gets nothing.
    assert_eq!(app.client.delete(app.url(&format!("/api/holds/{}", first.id))).send().await.unwrap().status(), 200);
    let ada = offer_of(&app, "Ada").await.expect("Ada is offered her ticket");
    assert!(offer_of(&app, "Bob").await.is_none() && offer_of(&app, "Cy").await.is_none());
    assert_eq!(app.hold("waiting", &[(standing, 1)]).await.status(), 409, "the public waits behind the list");
    assert_eq!(app.available("waiting", standing).await, 0);
    let stock = app.stock(standing).await;
    assert_eq!((stock.sold, stock.held), (0, 1), "one kept for Ada, one for the list");

    // Ada's email, with her link; she buys with it.
    app.send_mail().await;
    let offers = app
        .sql_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE recipient = 'ada@example.com' AND body LIKE '%/checkout/{ada}%'"
        ))
        .await;
    assert_eq!(offers, 1, "one offer email, with the link to her checkout");
    let order = app.order(&ada, "ada-1", &order_request(&["Ada"], PaymentMethod::Offline)).await;
    assert_eq!(order.status(), 201);
    assert_eq!(state_of(&list(&owner, event_id).await, "Ada"), "claimed");

    // Ada's order is cancelled: with the ticket left over, Bob's two fit.
    let order_id = app.sql_i64("SELECT id FROM orders WHERE buyer_email = 'ada.lovelace@example.com'").await;
    owner.expect(owner.post(&format!("/orders/{order_id}/cancel"), json!({})).await, 200).await;
    let bob = offer_of(&app, "Bob").await.expect("Bob is offered his two");
    assert!(offer_of(&app, "Cy").await.is_none());

    // Bob lets his offer lapse: it passes to Cy, and the ticket left over goes back on sale.
    assert!(!bob.is_empty());
    let lapsed = app
        .sql(
            "UPDATE holds SET expires_at = '2000-01-01T00:00:00Z' WHERE id = (SELECT hold_id FROM waiting_list_entries WHERE name = 'Bob')",
        )
        .await;
    assert_eq!(lapsed, 1);
    wait_until("Bob's offer lapses and passes to Cy", Duration::from_secs(20), || async { offer_of(&app, "Cy").await.is_some() }).await;
    assert_eq!(state_of(&list(&owner, event_id).await, "Bob"), "expired");
    wait_until("the ticket nobody waits for is on sale", Duration::from_secs(10), || async {
        app.hold("waiting", &[(standing, 1)]).await.status() == 201
    })
    .await;
    app.assert_books_balance("waiting").await;
}

async fn stock_returned_all_at_once_is_offered_once_each(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2000, 6)]).await;
    let standing = event.type_ids[0];
    let mut holds = Vec::new();
    for _ in 0..6 {
        holds.push(app.hold_ok(&event.slug, &[(standing, 1)]).await.id);
    }
    for i in 0..6 {
        joined(&app, &event.slug, standing, &format!("Waiter{i}"), 1, 201).await;
    }
    let releases = holds.iter().map(|id| app.client.delete(app.url(&format!("/api/holds/{id}"))).send());
    for response in futures::future::join_all(releases).await {
        assert_eq!(response.unwrap().status(), 200);
    }
    let offered = app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM waiting_list_entries WHERE state = 'offered'").await;
    let distinct = app.sql_i64("SELECT CAST(COUNT(DISTINCT hold_id) AS BIGINT) FROM waiting_list_entries WHERE state = 'offered'").await;
    assert_eq!((offered, distinct), (6, 6), "each waiter offered once, each offer its own hold");
    let stock = app.stock(standing).await;
    assert_eq!((stock.sold, stock.held), (0, 6), "every returned ticket kept for the list, none twice");
    assert_eq!(app.hold(&event.slug, &[(standing, 1)]).await.status(), 409);
    app.assert_books_balance(&event.slug).await;
}

async fn the_organiser_sees_the_list_and_removes_and_closes(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, types) = owner.published_event("listed", &[("Standing", "20.00", 1)]).await;
    app.hold_ok("listed", &[(types[0], 1)]).await;
    for name in ["Ada", "Bob", "Cy"] {
        joined(&app, "listed", types[0], name, 1, 201).await;
    }
    let entries = list(&owner, event_id).await;
    assert_eq!(entries.iter().map(|e| e["position"].as_i64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 3]);
    let bob = entries[1]["id"].as_i64().unwrap();
    let after = owner.expect(owner.send(reqwest::Method::DELETE, &format!("/waiting-list/{bob}"), None).await, 200).await;
    assert_eq!(state_of(after.as_array().unwrap(), "Bob"), "removed");
    assert_eq!(after.as_array().unwrap()[2]["position"], 2, "Cy moves up");
    assert_api_error(owner.send(reqwest::Method::DELETE, &format!("/waiting-list/{bob}"), None).await, 409, "conflict").await;

    let viewer = Organiser::sign_up(&app, "Vic").await;
    owner.invite_and_accept(&app, &viewer, "viewer").await;
    assert_eq!(list(&viewer, event_id).await.len(), 3, "viewers see the list");
    assert_api_error(viewer.send(reqwest::Method::DELETE, &format!("/waiting-list/{}", entries[0]["id"]), None).await, 403, "forbidden")
        .await;

    // Turned off: nobody waits any more, and a sold-out type offers no list.
    let mut input = event_input("listed");
    input["waiting_list"] = json!(false);
    owner.expect(owner.put(&format!("/events/{event_id}"), input).await, 200).await;
    assert!(list(&owner, event_id).await.iter().all(|e| e["state"] == "removed"));
    assert_api_error(join(&app, "listed", types[0], "Dee", 1).await, 409, "conflict").await;
}

/// Fails on the main of before: one network could fill a list with made-up addresses.
async fn joining_is_limited_per_network(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions::default().with_env("WAITING_LIST_JOIN_BURST", "2")).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2000, 1)]).await;
    app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    joined(&app, &event.slug, event.type_ids[0], "Ada", 1, 201).await;
    joined(&app, &event.slug, event.type_ids[0], "Bob", 1, 201).await;
    let refused = assert_api_error(join(&app, &event.slug, event.type_ids[0], "Cy", 1).await, 429, "too_many_requests").await;
    assert!(refused["message"].as_str().unwrap().contains("waiting-list sign-ups"), "{refused}");
    assert_eq!(app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM waiting_list_entries").await, 2);
}

/// The sold-out evening in miniature: 100 tickets sold in 100 orders, 150 latecomers on the
/// list, then all 100 orders cancelled at once: each cancellation reaches the next in line, once.
async fn a_hundred_cancellations_reach_the_next_hundred_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2000, 100)]).await;
    let standing = event.type_ids[0];
    for i in 0..100 {
        let hold = app.hold_ok(&event.slug, &[(standing, 1)]).await;
        assert_eq!(app.order(&hold.id, &format!("sold-{i}"), &order_request(&["Ada"], PaymentMethod::Offline)).await.status(), 201);
    }
    for i in 0..150 {
        joined(&app, &event.slug, standing, &format!("Late{i:03}"), 1, 201).await;
    }
    let orders = app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await;
    assert_eq!(orders, 100);
    let ids: Vec<i64> = sqlx_ids(&app).await;
    let why = stampede::store::OrderChange { user_id: None, reason: "cancelled by the test".into() };
    let cancellations = ids.iter().map(|id| app.parts.inventory.cancel_order(*id, &why, None, stampede::store::now()));
    for outcome in futures::future::join_all(cancellations).await {
        assert!(matches!(outcome.unwrap(), stampede::store::CancelOutcome::Cancelled(_)));
    }

    let offered = app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM waiting_list_entries WHERE state = 'offered'").await;
    let distinct_holds =
        app.sql_i64("SELECT CAST(COUNT(DISTINCT hold_id) AS BIGINT) FROM waiting_list_entries WHERE state = 'offered'").await;
    assert_eq!((offered, distinct_holds), (100, 100), "a hundred offers, each its own hold");
    let first_waiting = app.sql_i64("SELECT MIN(id) FROM waiting_list_entries WHERE state = 'waiting'").await;
    let last_offered = app.sql_i64("SELECT MAX(id) FROM waiting_list_entries WHERE state = 'offered'").await;
    assert!(last_offered < first_waiting, "the first hundred in line, in order");
    let stock = app.stock(standing).await;
    assert_eq!((stock.sold, stock.held), (0, 100), "every returned ticket kept for the list, none twice, none public");
    assert_eq!(app.hold(&event.slug, &[(standing, 1)]).await.status(), 409);
    app.assert_books_balance(&event.slug).await;
}

/// The orders' ids, oldest first.
async fn sqlx_ids(app: &TestApp) -> Vec<i64> {
    let count = app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM orders").await;
    let mut ids = Vec::with_capacity(count as usize);
    for offset in 0..count {
        ids.push(app.sql_i64(&format!("SELECT id FROM orders ORDER BY id LIMIT 1 OFFSET {offset}")).await);
    }
    ids
}

/// The waiting list's invariants in `Audit::problems`, each broken by hand behind the store's
/// back: stock left free while the head of the list fits, an offer out of turn, an offer sharing
/// another's hold.
async fn the_audit_sees_a_list_served_out_of_turn(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2000, 2)]).await;
    let standing = event.type_ids[0];
    let first = app.hold_ok(&event.slug, &[(standing, 2)]).await;
    for name in ["Ada", "Bob", "Cy"] {
        joined(&app, &event.slug, standing, name, 1, 201).await;
    }
    assert_eq!(app.client.delete(app.url(&format!("/api/holds/{}", first.id))).send().await.unwrap().status(), 200);
    let audit = app.assert_books_balance(&event.slug).await;
    let list = &audit.waiting_list;
    assert_eq!((list.waiting, list.offered, list.claimed), (1, 2, 0), "Ada and Bob offered, Cy waiting: {list:?}");

    let problems = |audit: stampede::store::Audit| audit.problems().join("; ");
    let audit_now =
        || async { app.store().audit(app.event_id(&event.slug).await, stampede::store::now(), Duration::from_secs(3600)).await.unwrap() };
    // A ticket more, and nobody offered it although Cy wants one.
    app.sql(&format!("UPDATE ticket_types SET capacity = capacity + 1 WHERE id = {standing}")).await;
    assert!(problems(audit_now().await).contains("tickets free while the next person"), "idle stock goes unseen");
    app.sql(&format!("UPDATE ticket_types SET capacity = capacity - 1 WHERE id = {standing}")).await;
    // Ada back in line: Bob, behind her, was offered tickets while she waits.
    app.sql("UPDATE waiting_list_entries SET state = 'waiting' WHERE name = 'Ada'").await;
    let seen = problems(audit_now().await);
    assert!(seen.contains("while a person ahead of them still waits"), "an offer out of turn goes unseen: {seen}");
    app.sql("UPDATE waiting_list_entries SET state = 'offered' WHERE name = 'Ada'").await;
    // Bob's entry pointing at Ada's hold: one offer shared by two.
    app.sql("UPDATE waiting_list_entries SET hold_id = (SELECT hold_id FROM waiting_list_entries WHERE name = 'Ada') WHERE name = 'Bob'")
        .await;
    let seen = problems(audit_now().await);
    assert!(seen.contains("not a hold of their own"), "a shared offer goes unseen: {seen}");
}
