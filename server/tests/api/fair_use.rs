//! The storefront's limits per buyer (`storefront::fair_use`): tickets held at once per browser
//! and per network, holds asked for per network, and codes that do not apply per network and per
//! hold. Every request here comes from 127.0.0.1, so "another network" is an address the edge
//! names with its key, as in admin_limits.rs.
use crate::helpers::*;
use contract::model::{HoldRequest, HoldRequestItem};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    one_network_cannot_hoard_the_stock,
    one_browser_holds_less_than_its_network,
    holds_are_rate_limited_per_network,
    codes_that_do_not_apply_are_limited,
);

const EDGE_KEY: &str = "the edge's key, long enough";

fn limits(pairs: &[(&'static str, &str)]) -> AppOptions {
    let mut options = AppOptions::default().with_env("STAMPEDE_EDGE_KEY", EDGE_KEY);
    for (key, value) in pairs {
        options = options.with_env(key, *value);
    }
    options
}

/// A hold of `quantity` of `ticket_type_id`, from `network` as the edge names it (None: the TCP
/// peer) and with these cookies.
async fn hold_from(
    app: &TestApp,
    slug: &str,
    ticket_type_id: i64,
    quantity: i64,
    network: Option<&str>,
    cookie: Option<&str>,
) -> reqwest::Response {
    let request = HoldRequest { items: vec![HoldRequestItem { ticket_type_id, quantity }], access_code: None };
    let mut post = app.client.post(app.url(&format!("/api/events/{slug}/holds"))).json(&request);
    if let Some(network) = network {
        post = post.header("x-stampede-edge-key", EDGE_KEY).header("x-stampede-client-ip", network);
    }
    if let Some(cookie) = cookie {
        post = post.header("cookie", cookie);
    }
    post.send().await.unwrap()
}

async fn limited(response: reqwest::Response, says: &str) -> Value {
    assert!(response.headers().contains_key("retry-after"), "a 429 says when to come back");
    let body = assert_api_error(response, 429, "too_many_requests").await;
    assert!(body["message"].as_str().unwrap().contains(says), "the refusal says the limit: {body}");
    body
}

/// Fails on the main of before: 1,000 holds from one address took 998 of 998 tickets.
async fn one_network_cannot_hoard_the_stock(backend: Backend) {
    let app = spawn_app_with(backend, limits(&[("HOLD_TICKETS_PER_NETWORK", "30")])).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 998)]).await;
    let id = event.type_ids[0];
    let mut holds = Vec::new();
    for _ in 0..3 {
        // No cookie kept: a bot that drops it is still one network.
        let response = hold_from(&app, &event.slug, id, 10, None, None).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        holds.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
    }
    limited(hold_from(&app, &event.slug, id, 1, None, None).await, "one network can hold at most 30 at once").await;
    assert_eq!(app.stock(id).await.held, 30, "the refused hold took nothing");
    // Another network is not held back, nor is another event.
    assert_eq!(hold_from(&app, &event.slug, id, 10, Some("203.0.113.7"), None).await.status(), StatusCode::CREATED);
    let other = app.seed_event(&[TypeSpec::on_sale("Elsewhere", 1_000, 50)]).await;
    assert_eq!(hold_from(&app, &other.slug, other.type_ids[0], 10, None, None).await.status(), StatusCode::CREATED);
    // A released hold counts no more.
    assert_eq!(app.client.delete(app.url(&format!("/api/holds/{}", holds[0]))).send().await.unwrap().status(), 200);
    assert_eq!(hold_from(&app, &event.slug, id, 10, None, None).await.status(), StatusCode::CREATED);
    app.assert_books_balance(&event.slug).await;
}

async fn one_browser_holds_less_than_its_network(backend: Backend) {
    let app = spawn_app_with(backend, limits(&[("HOLD_TICKETS_PER_BROWSER", "4"), ("HOLD_TICKETS_PER_NETWORK", "30")])).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 100)]).await;
    let id = event.type_ids[0];
    let first = hold_from(&app, &event.slug, id, 3, None, None).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let set_cookie = first.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("stampede_client="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax") && set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http on loopback: {set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let again = hold_from(&app, &event.slug, id, 1, None, Some(&cookie)).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(!again.headers().contains_key("set-cookie"), "a browser with a token keeps it");
    limited(hold_from(&app, &event.slug, id, 1, None, Some(&cookie)).await, "one buyer can hold at most 4 at once").await;
    // Someone else behind the same address has a cap of their own, under the network's.
    assert_eq!(hold_from(&app, &event.slug, id, 4, None, None).await.status(), StatusCode::CREATED);
    // A made-up token is just another browser: it gets around nothing but its own cap.
    let forged = "stampede_client=zzzzzzzzzzzzzzzzzzzzzzzzzz";
    assert_eq!(hold_from(&app, &event.slug, id, 4, None, Some(forged)).await.status(), StatusCode::CREATED);
    limited(hold_from(&app, &event.slug, id, 1, None, Some(forged)).await, "at most 4").await;
    app.assert_books_balance(&event.slug).await;
}

async fn holds_are_rate_limited_per_network(backend: Backend) {
    let app = spawn_app_with(backend, limits(&[("HOLD_RATE_BURST", "3"), ("HOLD_RATE_PER_MINUTE", "1")])).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 100)]).await;
    let id = event.type_ids[0];
    for _ in 0..3 {
        assert_eq!(hold_from(&app, &event.slug, id, 1, None, None).await.status(), StatusCode::CREATED);
    }
    limited(hold_from(&app, &event.slug, id, 1, None, None).await, "at most 3 in a row, then 1 a minute").await;
    // Headers a browser can set make no other network; the edge's word does.
    let forged = app
        .client
        .post(app.url(&format!("/api/events/{}/holds", event.slug)))
        .header("x-stampede-client-ip", "203.0.113.8")
        .header("cf-connecting-ip", "203.0.113.9")
        .header("x-forwarded-for", "203.0.113.10")
        .json(&HoldRequest { items: vec![HoldRequestItem { ticket_type_id: id, quantity: 1 }], access_code: None })
        .send()
        .await
        .unwrap();
    limited(forged, "at most 3 in a row").await;
    assert_eq!(hold_from(&app, &event.slug, id, 1, Some("203.0.113.8"), None).await.status(), StatusCode::CREATED);
    assert_eq!(app.stock(id).await.held, 4);
}

/// Fails on the main of before: codes could be guessed without limit.
async fn codes_that_do_not_apply_are_limited(backend: Backend) {
    let app =
        spawn_app_with(backend, limits(&[("CODE_ATTEMPTS_BURST", "6"), ("CODE_ATTEMPTS_PER_HOUR", "1"), ("CODE_ATTEMPTS_PER_HOLD", "3")]))
            .await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 20), TypeSpec::on_sale("VIP", 9_000, 5)]).await;
    let [standing, vip] = event.type_ids[..] else { panic!() };
    app.sql(&format!("UPDATE ticket_types SET access_code = 'VIP-2030' WHERE id = {vip}")).await;
    app.add_discount(&event.slug, DiscountSpec { code: "SAVE10", kind: "percent", amount: 1_000, ..Default::default() }).await;
    let unlock = |code: &'static str, network: Option<&'static str>| {
        let mut get = app.client.get(app.url(&format!("/api/events/{}/unlock", event.slug))).query(&[("code", code)]);
        if let Some(network) = network {
            get = get.header("x-stampede-edge-key", EDGE_KEY).header("x-stampede-client-ip", network);
        }
        get.send()
    };
    let preview =
        |hold: String, code: &'static str| app.client.get(app.url(&format!("/api/holds/{hold}/discount"))).query(&[("code", code)]).send();

    // Codes that work cost nothing.
    for _ in 0..10 {
        assert_eq!(unlock("vip-2030", None).await.unwrap().status(), 200);
    }
    // Per hold: three discount codes that do not apply, then none is looked at, not even a good one.
    let hold = app.hold_ok(&event.slug, &[(standing, 1)]).await.id;
    for guess in ["SAVE1", "SAVE2", "SAVE3"] {
        assert_api_error(preview(hold.clone(), guess).await.unwrap(), 422, "validation").await;
    }
    limited(preview(hold.clone(), "SAVE10").await.unwrap(), "for this reservation (at most 3)").await;
    // Per network: three more guesses anywhere use up the six.
    let another = app.hold_ok(&event.slug, &[(standing, 1)]).await.id;
    assert_eq!(preview(another.clone(), "SAVE10").await.unwrap().status(), 200, "another hold has its own budget");
    for guess in ["VIP-2031", "VIP-2032", "VIP-2033"] {
        assert_api_error(unlock(guess, None).await.unwrap(), 422, "validation").await;
    }
    limited(unlock("vip-2030", None).await.unwrap(), "from your network (the limit is 6 at once, then 1 an hour)").await;
    limited(preview(another, "SAVE10").await.unwrap(), "from your network").await;
    // Access codes in a hold request count too; another network is not held back.
    let request = HoldRequest { items: vec![HoldRequestItem { ticket_type_id: vip, quantity: 1 }], access_code: Some("VIP-2030".into()) };
    let refused = app.client.post(app.url(&format!("/api/events/{}/holds", event.slug))).json(&request).send().await.unwrap();
    limited(refused, "from your network").await;
    assert_eq!(unlock("vip-2030", Some("203.0.113.20")).await.unwrap().status(), 200);
    assert_eq!(app.stock(vip).await.held, 0);
}
