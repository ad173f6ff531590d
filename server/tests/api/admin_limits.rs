//! The accounts' limits: sign-in per client first, then failures per address and client, so a
//! guesser cannot lock the owner out; sign-up per client; and the bound on password hashing.
//! Clients are told apart as the origin does (`http::client`): by the TCP peer, or by the
//! address the edge names with its key. Every test here talks from 127.0.0.1, so "another
//! client" is another address named by the edge.
use crate::admin_client::{browser, post_from, start_sign_up, Organiser, PASSWORD};
use crate::helpers::{on_both_backends, spawn_app_with, AppOptions, Backend, TestApp};
use futures::future::join_all;
use serde_json::{json, Value};

on_both_backends!(
    guesses_spread_over_many_addresses_are_limited_per_client,
    headers_a_browser_sets_do_not_make_another_client,
    a_guesser_cannot_lock_the_owner_out,
    sign_ups_are_limited_per_client,
    password_hashing_is_bounded,
);

const EDGE_KEY: &str = "the edge's key, long enough";

fn with_edge(options: AppOptions) -> AppOptions {
    options.with_env("STAMPEDE_EDGE_KEY", EDGE_KEY)
}

/// A browser ready to sign in, and the headers that make its requests come from `client`.
struct Browser {
    client: reqwest::Client,
    csrf: String,
    headers: Vec<(&'static str, String)>,
}

impl Browser {
    async fn new(app: &TestApp, headers: &[(&'static str, &str)]) -> Browser {
        let (client, csrf) = browser(app).await;
        Browser { client, csrf, headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect() }
    }

    /// Through the edge, as client `ip`.
    async fn from(app: &TestApp, ip: &str) -> Browser {
        Browser::new(app, &[("x-stampede-edge-key", EDGE_KEY), ("x-stampede-client-ip", ip)]).await
    }

    async fn sign_in(&self, app: &TestApp, email: &str, password: &str) -> reqwest::Response {
        let mut request = self.client.post(app.url("/admin/api/signin")).header("x-csrf-token", &self.csrf);
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        request.json(&json!({"email": email, "password": password})).send().await.unwrap()
    }
}

/// Fails on the main of before: 30 guesses over 30 addresses from one client all got 401.
async fn guesses_spread_over_many_addresses_are_limited_per_client(backend: Backend) {
    let app = spawn_app_with(backend, with_edge(AppOptions::default().with_env("SIGN_IN_CLIENT_BURST", "10"))).await;
    let guesser = Browser::new(&app, &[]).await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses.push(guesser.sign_in(&app, &format!("victim{i}@example.com"), "a guess at it").await.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429; 20], "the client is limited whatever address it tries");
    let limited = guesser.sign_in(&app, "victim0@example.com", "a guess at it").await;
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert!(body["message"].as_str().unwrap().contains("10 at once"), "the refusal says what the limit is: {body}");
    // Another client is not.
    let other = Browser::from(&app, "203.0.113.9").await;
    assert_eq!(other.sign_in(&app, "victim0@example.com", "a guess at it").await.status(), 401);
}

/// A browser cannot pose as many clients: only the edge's key makes the origin believe a
/// client address it is told.
async fn headers_a_browser_sets_do_not_make_another_client(backend: Backend) {
    let app = spawn_app_with(backend, with_edge(AppOptions::default().with_env("SIGN_IN_CLIENT_BURST", "3"))).await;
    let first = Browser::new(&app, &[]).await;
    for _ in 0..3 {
        assert_eq!(first.sign_in(&app, "someone@example.com", "a guess at it").await.status(), 401);
    }
    for (i, forged) in [
        vec![("x-forwarded-for", "203.0.113.1")],
        vec![("cf-connecting-ip", "203.0.113.2")],
        vec![("x-stampede-client-ip", "203.0.113.3")],
        vec![("x-stampede-edge-key", "a guess at the key, long"), ("x-stampede-client-ip", "203.0.113.4")],
    ]
    .into_iter()
    .enumerate()
    {
        let posing = Browser::new(&app, &forged).await;
        assert_eq!(posing.sign_in(&app, "someone@example.com", "a guess at it").await.status(), 429, "forged headers #{i}");
    }
    let through_edge = Browser::from(&app, "203.0.113.5").await;
    assert_eq!(through_edge.sign_in(&app, "someone@example.com", "a guess at it").await.status(), 401, "the edge's word counts");
}

/// Fails on the main of before: the failures of one client locked the address for everyone.
async fn a_guesser_cannot_lock_the_owner_out(backend: Backend) {
    let app = spawn_app_with(backend, with_edge(AppOptions::default().with_env("SIGN_IN_BURST", "3"))).await;
    let owner = Organiser::sign_up(&app, "Olive").await;
    let guesser = Browser::from(&app, "198.51.100.66").await;
    for _ in 0..3 {
        assert_eq!(guesser.sign_in(&app, &owner.email, "a guess at it").await.status(), 401);
    }
    let locked = guesser.sign_in(&app, &owner.email, PASSWORD).await;
    assert_eq!(locked.status(), 429, "the guesser's client is out of tries for this address, even with the password");
    let body: Value = locked.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("failed sign-ins for this address"), "{body}");
    // The owner, at a fresh client, signs in: the guesser's failures were the guesser's.
    let at_home = Browser::from(&app, "192.0.2.10").await;
    assert_eq!(at_home.sign_in(&app, &owner.email, PASSWORD).await.status(), 200);
    // And the owner's successes cost nothing of the budget: a slip, then sign-ins (each in a
    // fresh browser at the same client, as a signed-in one needs its session's token).
    let at_work = Browser::from(&app, "192.0.2.11").await;
    assert_eq!(at_work.sign_in(&app, &owner.email, "a slip of the finger").await.status(), 401);
    for _ in 0..5 {
        assert_eq!(Browser::from(&app, "192.0.2.11").await.sign_in(&app, &owner.email, PASSWORD).await.status(), 200);
    }
}

/// Fails on the main of before: sign-up had no limit at all.
async fn sign_ups_are_limited_per_client(backend: Backend) {
    let app = spawn_app_with(backend, with_edge(AppOptions::default().with_env("SIGN_UP_CLIENT_BURST", "2"))).await;
    let (client, csrf) = browser(&app).await;
    for i in 0..2 {
        assert_eq!(start_sign_up(&app, &client, &csrf, "Sam", &format!("sam{i}@example.com")).await.status(), 202);
    }
    let limited = start_sign_up(&app, &client, &csrf, "Sam", "sam9@example.com").await;
    assert_eq!(limited.status(), 429);
    let body: Value = limited.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("sign-ups from your network"), "{body}");
    // Mistakes are not counted: a person fixing the form is not a bot.
    let mistake =
        post_from(&app, &client, &csrf, "/signup", &json!({"name": "Sam", "email": "nope", "password": PASSWORD, "organisation": "Sam's"}))
            .await;
    assert_eq!(mistake.status(), 422);
}

/// 64 sign-ins at once never run more than PASSWORD_HASH_CONCURRENCY hashes together; the rest
/// wait for a slot, or are told to come back (503 with Retry-After) when none comes in time.
/// Fails on the main of before: nothing bounded the hashing (and no metric showed it).
async fn password_hashing_is_bounded(backend: Backend) {
    let options = AppOptions::default()
        .with_env("PASSWORD_HASH_CONCURRENCY", "2")
        .with_env("SIGN_IN_CLIENT_BURST", "1000")
        .with_env("SIGN_IN_BURST", "1000");
    let app = spawn_app_with(backend, options).await;
    let owner = Organiser::sign_up(&app, "Peggy").await;
    let browser = Browser::new(&app, &[]).await;
    let attempts = (0..64).map(|i| {
        let (browser, app, email) = (&browser, &app, owner.email.clone());
        async move {
            let password = if i % 8 == 0 { PASSWORD } else { "a wrong guess" };
            let response = browser.sign_in(app, &email, password).await;
            let status = response.status().as_u16();
            if status == 503 {
                assert!(response.headers().contains_key("retry-after"));
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"], "busy");
            }
            status
        }
    });
    let statuses = join_all(attempts).await;
    assert!(statuses.iter().all(|status| [200, 401, 503].contains(status)), "{statuses:?}");
    assert!(statuses.iter().any(|status| [200, 401].contains(status)), "some were checked: {statuses:?}");
    let metrics = app.metrics().await;
    let peak = crate::helpers::metric_in(&metrics, "stampede_password_hashes_peak");
    assert!((1.0..=2.0).contains(&peak), "at most 2 hashes at once, saw {peak}");
    let hashed = crate::helpers::metric_in(&metrics, "stampede_password_hashes_total{outcome=\"hashed\"}");
    let busy = crate::helpers::metric_in(&metrics, "stampede_password_hashes_total{outcome=\"busy\"}");
    let answered = statuses.iter().filter(|status| **status != 503).count() as f64;
    // The sign-up's hash is counted too.
    assert_eq!(hashed, answered + 1.0, "{metrics}");
    assert_eq!(busy, statuses.iter().filter(|status| **status == 503).count() as f64);
}
