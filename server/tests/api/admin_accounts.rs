//! Signing up, in and out; sessions, cookies, CSRF and the sign-in rate limit.
use crate::admin_client::{browser, Organiser, PASSWORD};
use crate::helpers::{on_both_backends, spawn_app, spawn_app_with, AppOptions, Backend};
use serde_json::{json, Value};

on_both_backends!(
    signing_up_signs_in_with_a_safe_cookie,
    changes_without_the_csrf_token_are_refused,
    signing_out_and_in_again,
    sign_in_attempts_are_rate_limited,
    sign_up_mistakes_are_named_by_field,
    another_browser_is_not_signed_in,
    the_demo_organiser_runs_the_demo_event,
);

async fn signing_up_signs_in_with_a_safe_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, csrf) = browser(&app).await;
    let response = client
        .post(app.url("/admin/api/signup"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Ada Organiser", "email": "Ada@Example.com ", "password": PASSWORD, "organisation": "Ada's Events"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let cookie = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join("; ");
    assert!(cookie.contains("stampede_admin="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/admin"), "{cookie}");
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["user"]["email"], "ada@example.com", "emails are kept lower-case");
    assert_eq!(session["memberships"][0]["role"], "owner");
    assert_eq!(session["memberships"][0]["organisation_name"], "Ada's Events");
    assert_ne!(session["csrf_token"].as_str().unwrap(), csrf, "signing in rotates the CSRF token");

    // The same address again is refused, however it is written.
    let (other, other_csrf) = browser(&app).await;
    let again = other
        .post(app.url("/admin/api/signup"))
        .header("x-csrf-token", &other_csrf)
        .json(&json!({"name": "Someone", "email": "ADA@example.com", "password": PASSWORD, "organisation": "Other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["field"], "email");

    // The password is stored as an argon2id hash, never as given.
    let user = app.store().user_by_email("ada@example.com").await.unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"), "{}", user.password_hash);
    assert!(!user.password_hash.contains(PASSWORD));
}

async fn changes_without_the_csrf_token_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Grace").await;
    let path = format!("{}/admin/api/organisations/{}/events", app.address, organiser.org);
    let body = crate::admin_client::event_input("no-token");
    let missing = organiser.client.post(&path).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    let wrong = organiser.client.post(&path).header("x-csrf-token", "0".repeat(64)).json(&body).send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let message: Value = wrong.json().await.unwrap();
    assert!(message["message"].as_str().unwrap().contains("security token"));
    // Sign-up and sign-in need it too (no login CSRF).
    let (client, _) = browser(&app).await;
    let sign_in =
        client.post(app.url("/admin/api/signin")).json(&json!({"email": organiser.email, "password": PASSWORD})).send().await.unwrap();
    assert_eq!(sign_in.status(), 403);
    // With the token, the same request works; nothing was created before.
    assert_eq!(organiser.get(&format!("/organisations/{}/events", organiser.org)).await.json::<Vec<Value>>().await.unwrap().len(), 0);
    organiser.create_event("with-token").await;
}

async fn signing_out_and_in_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Linus").await;
    let signed_out = organiser.post("/signout", json!({})).await;
    assert_eq!(signed_out.status(), 204);
    let session: Value = organiser.get("/session").await.json().await.unwrap();
    assert!(session["user"].is_null());
    let events = organiser.get(&format!("/organisations/{}/events", organiser.org)).await;
    assert_eq!(events.status(), 401);

    let csrf = session["csrf_token"].as_str().unwrap().to_string();
    let wrong = organiser
        .client
        .post(app.url("/admin/api/signin"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"email": organiser.email, "password": "not the password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let unknown = organiser
        .client
        .post(app.url("/admin/api/signin"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"email": "nobody@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401, "an unknown address reads like a wrong password");
    let right = organiser
        .client
        .post(app.url("/admin/api/signin"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"email": organiser.email.to_uppercase(), "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    let session: Value = right.json().await.unwrap();
    assert_eq!(session["user"]["id"], organiser.user_id);
}

async fn sign_in_attempts_are_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions::default().with_env("SIGN_IN_BURST", "3")).await;
    let organiser = Organiser::sign_up(&app, "Barbara").await;
    let (client, csrf) = browser(&app).await;
    let attempt = |password: &'static str| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = app.url("/admin/api/signin");
        let email = organiser.email.clone();
        async move { client.post(url).header("x-csrf-token", csrf).json(&json!({"email": email, "password": password})).send().await.unwrap() }
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong password!").await.status(), 401);
    }
    let limited = attempt(PASSWORD).await;
    assert_eq!(limited.status(), 429, "even the right password waits once the limit is reached");
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    // Another address is not affected.
    let other = Organiser::sign_up(&app, "Edsger").await;
    let fine = client
        .post(app.url("/admin/api/signin"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"email": other.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);
}

async fn sign_up_mistakes_are_named_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, csrf) = browser(&app).await;
    let good = json!({"name": "Alan", "email": "alan@example.com", "password": PASSWORD, "organisation": "Alan's"});
    for (field, value) in
        [("name", json!("")), ("email", json!("not-an-address")), ("password", json!("short")), ("organisation", json!("  "))]
    {
        let mut body = good.clone();
        body[field] = value;
        let response = client.post(app.url("/admin/api/signup")).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 422, "{field}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["field"], field);
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let not_json = client
        .post(app.url("/admin/api/signup"))
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
}

async fn another_browser_is_not_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Margaret").await;
    // The session lives in the database, keyed by a hash: the row cannot be used as a cookie.
    let (stranger, _) = browser(&app).await;
    let response = stranger.get(app.url(&format!("/admin/api/organisations/{}/events", organiser.org))).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let ok = organiser.get(&format!("/organisations/{}/events", organiser.org)).await;
    assert_eq!(ok.status(), 200);
}

async fn the_demo_organiser_runs_the_demo_event(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions::default().with_env("STAMPEDE_DEMO", "true")).await;
    let (client, csrf) = browser(&app).await;
    let response = client
        .post(app.url("/admin/api/signin"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"email": stampede::demo::DEMO_EMAIL, "password": stampede::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session: Value = response.json().await.unwrap();
    let org = session["memberships"][0]["organisation_id"].as_i64().unwrap();
    let events: Value = client.get(app.url(&format!("/admin/api/organisations/{org}/events"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(events[0]["slug"], stampede::demo::DEMO_SLUG);
    assert_eq!(events[0]["sold"], 137, "the demo's sold tickets are real orders");
}
