use crate::helpers::*;
use chrono::{Duration, Utc};
use serde_json::Value;

on_both_backends!(
    a_hold_takes_stock,
    a_hold_larger_than_the_stock_is_refused_with_what_is_left,
    a_hold_takes_all_items_or_none,
    sales_windows_and_order_limits_are_enforced,
    a_released_hold_returns_its_stock,
    an_expired_hold_returns_its_stock_on_read_and_to_the_reaper,
    concurrent_expirers_return_each_hold_once,
);

async fn a_hold_takes_stock(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 100)]).await;
    let id = event.type_ids[0];

    let hold = app.hold_ok(&event.slug, &[(id, 3)]).await;

    assert_eq!(hold.items.len(), 1);
    assert_eq!(hold.items[0].quantity, 3);
    assert_eq!(hold.total_minor, 6_000);
    assert_eq!(hold.currency, "EUR");
    let ttl = hold.expires_at - Utc::now();
    assert!(ttl > Duration::minutes(14) && ttl <= Duration::minutes(15), "15 minute hold, got {ttl}");
    assert_eq!(app.stock(id).await.held, 3);
    assert_eq!(app.available(&event.slug, id).await, 97);
    let fetched: Value = app.get(&format!("/api/holds/{}", hold.id)).await.json().await.unwrap();
    assert_eq!(fetched["status"], "active");
    assert_eq!(fetched["total_minor"], 6_000);
}

async fn a_hold_larger_than_the_stock_is_refused_with_what_is_left(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Front Row", 5_000, 4)]).await;
    let id = event.type_ids[0];
    app.hold_ok(&event.slug, &[(id, 3)]).await;

    let body = assert_api_error(app.hold(&event.slug, &[(id, 2)]).await, 409, "sold_out").await;

    assert_eq!(body["available"][0]["id"], id);
    assert_eq!(body["available"][0]["available"], 1);
    assert!(body["message"].as_str().unwrap().contains("Only 1 Front Row ticket is left"), "{body}");
    assert_eq!(app.stock(id).await.held, 3, "a refused hold takes nothing");
}

async fn a_hold_takes_all_items_or_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("A", 1_000, 10), TypeSpec::on_sale("B", 1_000, 1)]).await;
    let (a, b) = (event.type_ids[0], event.type_ids[1]);

    assert_api_error(app.hold(&event.slug, &[(a, 2), (b, 2)]).await, 409, "sold_out").await;

    assert_eq!(app.stock(a).await.held, 0, "A must not stay held when B is short");
    assert_eq!(app.stock(b).await.held, 0);
}

async fn sales_windows_and_order_limits_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut later = TypeSpec::on_sale("Later", 1_000, 10);
    later.sale_starts_at = Some(Utc::now() + Duration::minutes(5));
    let mut over = TypeSpec::on_sale("Over", 1_000, 10);
    over.sale_ends_at = Some(Utc::now() - Duration::minutes(1));
    let mut limited = TypeSpec::on_sale("Limited", 1_000, 10);
    limited.min_per_order = 2;
    limited.max_per_order = 4;
    let event = app.seed_event(&[later, over, limited]).await;
    let [later, over, limited] = event.type_ids[..] else { panic!() };

    let body = assert_api_error(app.hold(&event.slug, &[(later, 1)]).await, 422, "not_on_sale").await;
    assert!(body["message"].as_str().unwrap().contains("goes on sale in"), "{body}");
    assert_api_error(app.hold(&event.slug, &[(over, 1)]).await, 422, "not_on_sale").await;
    let body = assert_api_error(app.hold(&event.slug, &[(limited, 5)]).await, 422, "validation").await;
    assert_eq!(body["field"], "items[0].quantity");
    assert!(body["message"].as_str().unwrap().contains("at most 4"), "{body}");
    assert_api_error(app.hold(&event.slug, &[(limited, 1)]).await, 422, "validation").await;
    app.hold_ok(&event.slug, &[(limited, 4)]).await;
    for id in [later, over] {
        assert_eq!(app.stock(id).await.held, 0);
    }
}

async fn a_released_hold_returns_its_stock(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 5)]).await;
    let id = event.type_ids[0];
    let hold = app.hold_ok(&event.slug, &[(id, 5)]).await;
    assert_eq!(app.available(&event.slug, id).await, 0);

    let released = app.client.delete(app.url(&format!("/api/holds/{}", hold.id))).send().await.unwrap();

    assert_eq!(released.status(), 200);
    let body: Value = released.json().await.unwrap();
    assert_eq!(body["status"], "released");
    assert_eq!(app.stock(id).await.held, 0);
    assert_eq!(app.available(&event.slug, id).await, 5);
    // Releasing again changes nothing.
    let again = app.client.delete(app.url(&format!("/api/holds/{}", hold.id))).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(app.stock(id).await.held, 0);
}

async fn an_expired_hold_returns_its_stock_on_read_and_to_the_reaper(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions { hold_ttl_seconds: 1, reaper_interval_ms: 60_000, ..Default::default() }).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 2)]).await;
    let id = event.type_ids[0];
    let hold = app.hold_ok(&event.slug, &[(id, 2)]).await;
    assert_eq!(app.available(&event.slug, id).await, 0);

    app.wait_until_expired(&hold.id).await;

    // Before any reaper ran: the read already counts the stock as available, and a new hold gets it.
    assert_eq!(app.stock(id).await.held, 2, "not reaped yet");
    assert_eq!(app.available(&event.slug, id).await, 2);
    let expired: Value = app.get(&format!("/api/holds/{}", hold.id)).await.json().await.unwrap();
    assert_eq!(expired["status"], "expired");
    let second = app.hold_ok(&event.slug, &[(id, 2)]).await;
    assert_eq!(app.stock(id).await.held, 2, "the first hold was reaped to make room for the second");

    app.wait_until_expired(&second.id).await;
    assert_eq!(app.parts.inventory.expire_holds(stampede::store::now()).await.unwrap(), 1, "the reaper expires the second hold");
    assert_eq!(app.stock(id).await.held, 0);
    let body: Value = app.get(&format!("/api/holds/{}", second.id)).await.json().await.unwrap();
    assert_eq!(body["status"], "expired");
}

/// The reaper and buyers who find stock short expire holds at the same time (at a flash sale's
/// first expiries, hundreds at once). Each hold must be expired, and its stock returned, exactly
/// once, and no expirer may fail. (The deadlock that `make sale` once showed needed order batches
/// claiming the same holds too; the simulator's flash sale is what exercises that mix.)
async fn concurrent_expirers_return_each_hold_once(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions { hold_ttl_seconds: 1, ..AppOptions::default() }).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 1_000), TypeSpec::on_sale("Seated", 4_000, 1_000)]).await;
    let (standing, seated) = (event.type_ids[0], event.type_ids[1]);
    let holds = futures::future::join_all((0..120).map(|n| {
        let items = if n % 2 == 0 { vec![(standing, 2), (seated, 1)] } else { vec![(seated, 3)] };
        let app = &app;
        let slug = event.slug.clone();
        async move { app.hold_ok(&slug, &items).await }
    }))
    .await;
    assert_eq!(holds.len(), 120);
    let last = holds.iter().max_by_key(|hold| hold.expires_at).expect("120 holds");
    app.wait_until_expired(&last.id).await;

    let store = app.store();
    let expirers = (0..8).map(|_| {
        let store = store.clone();
        async move {
            let (mut holds, mut returned) = (0, std::collections::BTreeMap::new());
            loop {
                let expired = store.expire_holds(Utc::now(), 7).await.expect("an expirer never fails");
                if expired.holds == 0 {
                    return (holds, returned);
                }
                holds += expired.holds;
                for (id, quantity) in expired.returned {
                    *returned.entry(id).or_insert(0) += quantity;
                }
            }
        }
    });
    let results = futures::future::join_all(expirers).await;
    let expired: u64 = results.iter().map(|(holds, _)| holds).sum();
    let returned = |id| results.iter().map(|(_, returned)| returned.get(&id).copied().unwrap_or(0)).sum::<i64>();
    assert_eq!(expired, 120, "every hold expired once");
    assert_eq!(returned(standing), 60 * 2);
    assert_eq!(returned(seated), 60 + 60 * 3);
    assert_eq!(app.stock(standing).await.held, 0);
    assert_eq!(app.stock(seated).await.held, 0);
    app.assert_books_balance(&event.slug).await;
}
