//! Signing up (through the emailed link), in and out; sessions, cookies, CSRF, passwords.
use crate::admin_client::{browser, email_of, last_mail_to, mail_to, post_from, start_sign_up, Organiser, PASSWORD};
use crate::helpers::{on_both_backends, spawn_app, spawn_app_with, wait_until, AppOptions, Backend, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    signing_up_confirms_the_address_then_signs_in_with_a_safe_cookie,
    sign_up_answers_the_same_for_an_address_with_an_account,
    a_sign_up_link_works_once,
    changes_without_the_csrf_token_are_refused,
    the_token_before_sign_in_must_be_signed_by_the_server,
    visitors_who_do_not_sign_in_write_no_session,
    signing_in_rotates_the_session,
    expired_sessions_are_deleted_on_a_timer,
    signing_out_and_in_again,
    sign_up_mistakes_are_named_by_field,
    common_passwords_are_refused_with_the_reason,
    another_browser_is_not_signed_in,
    cookies_are_secure_unless_served_over_plain_http_on_loopback,
    the_mailer_writes_emails_to_mail_dir,
    the_demo_organiser_runs_the_demo_event,
);

fn set_cookies(response: &reqwest::Response) -> String {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join("; ")
}

async fn admin_sessions(app: &TestApp) -> i64 {
    app.sql_i64("SELECT COUNT(*) FROM admin_sessions").await
}

async fn confirm(app: &TestApp, client: &reqwest::Client, csrf: &str, token: &str) -> reqwest::Response {
    post_from(app, client, csrf, "/signup/confirm", &json!({ "token": token })).await
}

async fn signing_up_confirms_the_address_then_signs_in_with_a_safe_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, csrf) = browser(&app).await;
    let started = post_from(
        &app,
        &client,
        &csrf,
        "/signup",
        &json!({"name": "Ada Organiser", "email": "Ada@Example.com ", "password": PASSWORD, "organisation": "Ada's Events"}),
    )
    .await;
    assert_eq!(started.status(), 202);
    let sent: Value = started.json().await.unwrap();
    assert_eq!(sent["email"], "ada@example.com", "emails are kept lower-case");
    assert!(sent["message"].as_str().unwrap().contains("ada@example.com"), "{sent}");
    assert!(app.store().user_by_email("ada@example.com").await.unwrap().is_none(), "no account before the link is opened");

    let mail = last_mail_to(&app, "ada@example.com").await;
    assert_eq!(mail.subject, "Confirm your Stampede account");
    assert!(mail.body.contains("Ada's Events"), "{}", mail.body);
    let response = confirm(&app, &client, &csrf, &mail.token("/confirm")).await;
    assert_eq!(response.status(), 201);
    let cookie = set_cookies(&response);
    assert!(cookie.contains("stampede_admin="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/admin"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http on loopback: {cookie}");
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["user"]["email"], "ada@example.com");
    assert_eq!(session["memberships"][0]["role"], "owner");
    assert_eq!(session["memberships"][0]["organisation_name"], "Ada's Events");
    assert_ne!(session["csrf_token"].as_str().unwrap(), csrf, "signing in rotates the CSRF token");

    // The password is stored as an argon2id hash, never as given.
    let user = app.store().user_by_email("ada@example.com").await.unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"), "{}", user.password_hash);
    assert!(!user.password_hash.contains(PASSWORD));
}

/// Fails on the main of before: a known address got 409 "already exists".
async fn sign_up_answers_the_same_for_an_address_with_an_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = Organiser::sign_up(&app, "Ada").await;
    let answer = |email: String| {
        let app = &app;
        async move {
            let (client, csrf) = browser(app).await;
            let response = start_sign_up(app, &client, &csrf, "Someone", &email).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body["message"].as_str().unwrap().replace(&email.to_lowercase(), "<address>"), body.as_object().unwrap().len())
        }
    };
    let known = answer("ADA@example.com".into()).await;
    let unknown = answer("nobody-yet@example.com".into()).await;
    assert_eq!(known.0, 202);
    assert_eq!(known, unknown, "the answer must not tell whether the address has an account");
    // The owner of the known address hears that someone tried; the unknown one gets a link.
    let note = last_mail_to(&app, &ada.email).await;
    assert_eq!(note.subject, "Someone tried to sign up with your address");
    assert!(!note.body.contains("#"), "no link that could make anything: {}", note.body);
    assert_eq!(last_mail_to(&app, "nobody-yet@example.com").await.subject, "Confirm your Stampede account");
    // And Ada's account is as it was: her password still works, nobody else's does.
    let session: Value = ada.get("/session").await.json().await.unwrap();
    assert_eq!(session["user"]["name"], "Ada");
}

async fn a_sign_up_link_works_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, csrf) = browser(&app).await;
    assert_eq!(start_sign_up(&app, &client, &csrf, "Grace", "grace@example.com").await.status(), 202);
    assert_eq!(start_sign_up(&app, &client, &csrf, "Grace", "grace@example.com").await.status(), 202);
    let links: Vec<String> = mail_to(&app, "grace@example.com").await.iter().map(|mail| mail.token("/confirm")).collect();
    assert_eq!(links.len(), 2);
    assert_eq!(confirm(&app, &client, &csrf, &links[1]).await.status(), 201);
    // The first link is spent with the second: the address has its one account.
    let (other, other_csrf) = browser(&app).await;
    let again = confirm(&app, &other, &other_csrf, &links[0]).await;
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "not_found", "{body}");
    assert!(body["message"].as_str().unwrap().contains("expired or has been used"), "{body}");
    let made_up = confirm(&app, &other, &other_csrf, "not-a-token").await;
    assert_eq!(made_up.status(), 404);
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

/// The double-submit cookie before sign-in: the header must equal this browser's cookie, and
/// the cookie must carry the server's signature, so neither a token from elsewhere nor a planted
/// cookie passes.
async fn the_token_before_sign_in_must_be_signed_by_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Barbara").await;
    let sign_in = |client: reqwest::Client, token: String, cookie: Option<String>| {
        let url = app.url("/admin/api/signin");
        let email = organiser.email.clone();
        async move {
            let mut request = client.post(url).header("x-csrf-token", token).json(&json!({"email": email, "password": PASSWORD}));
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            request.send().await.unwrap().status().as_u16()
        }
    };
    let plain = reqwest::Client::new();
    let forged = format!("{}.{}.{}", "ab".repeat(16), chrono::Utc::now().timestamp(), "cd".repeat(32));
    assert_eq!(
        sign_in(plain.clone(), forged.clone(), Some(format!("stampede_admin_csrf={forged}"))).await,
        403,
        "a cookie the server did not sign"
    );
    let (_, someone_elses) = browser(&app).await;
    let (mine, my_token) = browser(&app).await;
    assert_ne!(someone_elses, my_token);
    assert_eq!(sign_in(mine.clone(), someone_elses.clone(), None).await, 403, "another browser's token is not this cookie's");
    assert_eq!(sign_in(plain, someone_elses, None).await, 403, "a token without its cookie");
    assert_eq!(sign_in(mine, my_token, None).await, 200);
}

/// Fails on the main of before: every anonymous `GET /session` wrote a session row.
async fn visitors_who_do_not_sign_in_write_no_session(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        let (client, _) = browser(&app).await;
        let again: Value = client.get(app.url("/admin/api/session")).send().await.unwrap().json().await.unwrap();
        assert!(again["user"].is_null());
    }
    assert_eq!(admin_sessions(&app).await, 0, "looking at the sign-in page writes nothing");
    let organiser = Organiser::sign_up(&app, "Edsger").await;
    assert_eq!(admin_sessions(&app).await, 1, "signing in makes the session");
    organiser.post("/signout", json!({})).await;
    assert_eq!(admin_sessions(&app).await, 0, "and signing out ends it");
}

async fn signing_in_rotates_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Frances").await;
    let session_cookie = |response: &reqwest::Response| {
        set_cookies(response)
            .split(';')
            .find_map(|part| part.trim().strip_prefix("stampede_admin=").map(str::to_string))
            .expect("a session cookie")
    };
    let first = organiser.post("/signin", json!({"email": organiser.email, "password": PASSWORD})).await;
    assert_eq!(first.status(), 200);
    let old_id = session_cookie(&first);
    let info: Value = first.json().await.unwrap();
    let again = organiser
        .client
        .post(app.url("/admin/api/signin"))
        .header("x-csrf-token", info["csrf_token"].as_str().unwrap())
        .json(&json!({"email": organiser.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let new_id = session_cookie(&again);
    assert_ne!(old_id, new_id, "a new session id at every sign-in");
    let replayed = reqwest::Client::new()
        .get(app.url(&format!("/admin/api/organisations/{}/events", organiser.org)))
        .header("cookie", format!("stampede_admin={old_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 401, "the old id signs nobody in");
    assert_eq!(admin_sessions(&app).await, 1);
}

/// Fails on the main of before: expired sessions went only when the mailer had sent an email.
async fn expired_sessions_are_deleted_on_a_timer(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions::default().with_env("SESSION_SWEEP_INTERVAL_SECONDS", "1")).await;
    let organiser = Organiser::sign_up(&app, "Hedy").await;
    app.sql("INSERT INTO admin_sessions (id_hash, record, expires_at) VALUES ('expired', '{}', '2001-01-01T00:00:00.000+00:00')").await;
    assert_eq!(admin_sessions(&app).await, 2);
    wait_until("the expired session is deleted", Duration::from_secs(30), || async { admin_sessions(&app).await == 1 }).await;
    assert_eq!(organiser.get(&format!("/organisations/{}/events", organiser.org)).await.status(), 200, "the live one stays");
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
    let attempt = |email: String, password: &'static str| {
        let request = organiser.client.post(app.url("/admin/api/signin")).header("x-csrf-token", &csrf);
        async move { request.json(&json!({"email": email, "password": password})).send().await.unwrap() }
    };
    assert_eq!(attempt(organiser.email.clone(), "not the password").await.status(), 401);
    assert_eq!(attempt("nobody@example.com".into(), PASSWORD).await.status(), 401, "an unknown address reads like a wrong password");
    let right = attempt(organiser.email.to_uppercase(), PASSWORD).await;
    assert_eq!(right.status(), 200);
    assert!(set_cookies(&right).contains("stampede_admin_csrf=;"), "the token of before sign-in is cleared");
    let session: Value = right.json().await.unwrap();
    assert_eq!(session["user"]["id"], organiser.user_id);
}

/// Fails on the main of before for the line breaks in the organisation's name.
async fn sign_up_mistakes_are_named_by_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, csrf) = browser(&app).await;
    let good = json!({"name": "Alan", "email": "alan@example.com", "password": PASSWORD, "organisation": "Alan's"});
    for (field, value) in [
        ("name", json!("")),
        ("name", json!("Alan\r\nBcc: everyone@example.com")),
        ("email", json!("not-an-address")),
        ("password", json!("short")),
        ("organisation", json!("  ")),
        ("organisation", json!("Alan's\nEvents")),
    ] {
        let mut body = good.clone();
        body[field] = value.clone();
        let response = post_from(&app, &client, &csrf, "/signup", &body).await;
        assert_eq!(response.status(), 422, "{field} {value}");
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

/// Fails on the main of before: "password123" and "aaaaaaaaaaaa" were long enough, so accepted.
async fn common_passwords_are_refused_with_the_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let (client, csrf) = browser(&app).await;
    for (password, why) in [
        ("password123", "most common passwords"),
        ("Qwertyuiop!", "most common passwords"),
        ("aaaaaaaaaaaa", "one character repeated"),
        ("abcabcabcabc", "repeats a few characters"),
    ] {
        let response = post_from(
            &app,
            &client,
            &csrf,
            "/signup",
            &json!({"name": "Alan", "email": "alan@example.com", "password": password, "organisation": "Alan's"}),
        )
        .await;
        assert_eq!(response.status(), 422, "{password}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["field"], "password");
        assert!(error["message"].as_str().unwrap().contains(why), "{password}: {error}");
    }
    assert!(mail_to(&app, "alan@example.com").await.is_empty(), "nothing was sent");
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

/// Fails on the main of before: cookies were Secure only when ADMIN_SECURE_COOKIES said so.
async fn cookies_are_secure_unless_served_over_plain_http_on_loopback(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions::default().with_env("PUBLIC_URL", "https://tickets.example.com")).await;
    let response = reqwest::get(app.url("/admin/api/session")).await.unwrap();
    let cookie = set_cookies(&response);
    assert!(cookie.contains("stampede_admin_csrf=") && cookie.contains("Secure"), "{cookie}");
    let local = spawn_app(backend).await;
    let cookie = set_cookies(&reqwest::get(local.url("/admin/api/session")).await.unwrap());
    assert!(cookie.contains("stampede_admin_csrf=") && !cookie.contains("Secure"), "http://127.0.0.1 is a developer's: {cookie}");
}

async fn the_mailer_writes_emails_to_mail_dir(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_with(
        backend,
        AppOptions::default().with_env("MAIL_DIR", dir.path().display().to_string()).with_env("PUBLIC_URL", "https://tickets.example.com/"),
    )
    .await;
    let (client, csrf) = browser(&app).await;
    assert_eq!(start_sign_up(&app, &client, &csrf, "Ida", &email_of("Ida")).await.status(), 202);
    let read = || {
        std::fs::read_dir(dir.path())
            .map(|entries| entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "eml")).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    wait_until("the mailer writes the email", Duration::from_secs(30), || async { !read().is_empty() }).await;
    let raw = std::fs::read(read()[0].path()).unwrap();
    let mail = mail_parser::MessageParser::default().parse(&raw[..]).expect("the file is an email");
    assert_eq!(mail.to().and_then(|to| to.first()).and_then(|to| to.address()), Some("ida@example.com"));
    assert_eq!(mail.subject(), Some("Confirm your Stampede account"));
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("https://tickets.example.com/admin/confirm#"), "links are absolute, from PUBLIC_URL: {text}");
}

async fn the_demo_organiser_runs_the_demo_event(backend: Backend) {
    let app = spawn_app_with(backend, AppOptions::default().with_env("STAMPEDE_DEMO", "true")).await;
    let (client, csrf) = browser(&app).await;
    let response = post_from(
        &app,
        &client,
        &csrf,
        "/signin",
        &json!({"email": stampede::demo::DEMO_EMAIL, "password": stampede::demo::DEMO_PASSWORD}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let session: Value = response.json().await.unwrap();
    let org = session["memberships"][0]["organisation_id"].as_i64().unwrap();
    let events: Value = client.get(app.url(&format!("/admin/api/organisations/{org}/events"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(events[0]["slug"], stampede::demo::DEMO_SLUG);
    assert_eq!(events[0]["sold"], 137, "the demo's sold tickets are real orders");
}
