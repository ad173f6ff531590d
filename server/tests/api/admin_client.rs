//! An organiser at a desk, as the admin SPA is: a cookie jar, the session's CSRF token on every
//! change, JSON in and out; and their mailbox, read from the outbox (the links sent to them).
use crate::helpers::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery";

pub struct Organiser {
    pub client: reqwest::Client,
    pub address: String,
    pub csrf: String,
    pub user_id: i64,
    /// The organisation they own.
    pub org: i64,
    pub email: String,
}

/// A browser with its own cookie jar, and the CSRF token of its (anonymous) session.
pub async fn browser(app: &TestApp) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder().cookie_store(true).timeout(std::time::Duration::from_secs(30)).build().unwrap();
    let session: Value = client.get(format!("{}/admin/api/session", app.address)).send().await.unwrap().json().await.unwrap();
    (client, session["csrf_token"].as_str().expect("a csrf token").to_string())
}

/// An email as the outbox holds it.
#[derive(Clone, Debug)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// The token of the link to `page` ("/confirm", "/invitation") in the body: what follows `#`.
    pub fn token(&self, page: &str) -> String {
        let marker = format!("/admin{page}#");
        let start = self.body.find(&marker).unwrap_or_else(|| panic!("no {marker} link in: {}", self.body)) + marker.len();
        self.body[start..].chars().take_while(char::is_ascii_alphanumeric).collect()
    }
}

/// Every email queued for `recipient`, oldest first (sent or not).
pub async fn mail_to(app: &TestApp, recipient: &str) -> Vec<Mail> {
    let query = "SELECT subject, body FROM outbox_emails WHERE recipient = $1 ORDER BY id";
    let rows: Vec<(String, String)> = match app.backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&app.database_url).await.expect("connect to SQLite");
            sqlx::query_as(query).bind(recipient).fetch_all(&mut connection).await.unwrap()
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&app.database_url).await.expect("connect to PostgreSQL");
            sqlx::query_as(query).bind(recipient).fetch_all(&mut connection).await.unwrap()
        }
    };
    rows.into_iter().map(|(subject, body)| Mail { subject, body }).collect()
}

/// The last email to `recipient`; fails when there is none.
pub async fn last_mail_to(app: &TestApp, recipient: &str) -> Mail {
    mail_to(app, recipient).await.pop().unwrap_or_else(|| panic!("no email to {recipient}"))
}

pub fn email_of(name: &str) -> String {
    format!("{}@example.com", name.to_lowercase().replace(' ', "."))
}

/// A POST to the admin API (`path` under `/admin/api`) from `client`, with its CSRF token, as the
/// SPA sends it.
pub async fn post_from(app: &TestApp, client: &reqwest::Client, csrf: &str, path: &str, body: &Value) -> reqwest::Response {
    client.post(format!("{}/admin/api{path}", app.address)).header("x-csrf-token", csrf).json(body).send().await.unwrap()
}

/// `POST /signup` from a browser, as the sign-up form sends it.
pub async fn start_sign_up(app: &TestApp, client: &reqwest::Client, csrf: &str, name: &str, email: &str) -> reqwest::Response {
    let body = json!({"name": name, "email": email, "password": PASSWORD, "organisation": format!("{name}'s Events")});
    post_from(app, client, csrf, "/signup", &body).await
}

impl Organiser {
    /// Signs up `name` (email `name@example.com`) with an organisation of their own: the form,
    /// then the link in the email, opened in the same browser.
    pub async fn sign_up(app: &TestApp, name: &str) -> Organiser {
        let (client, csrf) = browser(app).await;
        let email = email_of(name);
        let response = start_sign_up(app, &client, &csrf, name, &email).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "sign up: {}", response.text().await.unwrap());
        let token = last_mail_to(app, &email).await.token("/confirm");
        let response = post_from(app, &client, &csrf, "/signup/confirm", &json!({ "token": token })).await;
        assert_eq!(response.status(), StatusCode::CREATED, "confirm: {}", response.text().await.unwrap());
        let session: Value = response.json().await.unwrap();
        // The link has been read: the mailer sends it, so tests that count what the outbox holds
        // see only their own emails.
        app.send_mail().await;
        Organiser::from_session(app, client, &session, email)
    }

    /// The organiser whose browser got `session` (a `SessionInfo`) back.
    pub fn from_session(app: &TestApp, client: reqwest::Client, session: &Value, email: String) -> Organiser {
        Organiser {
            client,
            address: app.address.clone(),
            csrf: session["csrf_token"].as_str().unwrap().to_string(),
            user_id: session["user"]["id"].as_i64().unwrap(),
            org: session["memberships"][0]["organisation_id"].as_i64().unwrap_or_default(),
            email,
        }
    }

    /// Invites `member` with `role`, and they accept through the link emailed to them.
    pub async fn invite_and_accept(&self, app: &TestApp, member: &Organiser, role: &str) {
        let invited = self.post(&format!("/organisations/{}/invitations", self.org), json!({"email": member.email, "role": role})).await;
        self.expect(invited, 201).await;
        let token = last_mail_to(app, &member.email).await.token("/invitation");
        member.expect(member.post("/invitations/accept", json!({ "token": token })).await, 200).await;
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}/admin/api{path}", self.address)).header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("admin request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> reqwest::Response {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// The JSON of an answer that must have `status`.
    pub async fn expect(&self, response: reqwest::Response, status: u16) -> Value {
        let got = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// An event of this organisation, not yet published; returns its JSON.
    pub async fn create_event(&self, slug: &str) -> Value {
        let response = self.post(&format!("/organisations/{}/events", self.org), event_input(slug)).await;
        self.expect(response, 201).await
    }

    pub async fn add_ticket_type(&self, event_id: i64, name: &str, price: &str, capacity: i64) -> Value {
        self.add_ticket_type_with(event_id, ticket_type_input(name, price, capacity)).await
    }

    pub async fn add_ticket_type_with(&self, event_id: i64, input: Value) -> Value {
        let response = self.post(&format!("/events/{event_id}/ticket-types"), input).await;
        self.expect(response, 201).await
    }

    /// A published event with the given (name, price, capacity) types; returns (event id, type ids).
    pub async fn published_event(&self, slug: &str, types: &[(&str, &str, i64)]) -> (i64, Vec<i64>) {
        let event = self.create_event(slug).await;
        let event_id = event["id"].as_i64().unwrap();
        let mut ids = Vec::new();
        for (name, price, capacity) in types {
            ids.push(self.add_ticket_type(event_id, name, price, *capacity).await["id"].as_i64().unwrap());
        }
        self.expect(self.post(&format!("/events/{event_id}/publish"), json!({})).await, 200).await;
        (event_id, ids)
    }
}

pub fn event_input(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": format!("Event {slug}"),
        "description": "An evening of tests.",
        "venue": "Paradiso, Amsterdam",
        "timezone": "Europe/Amsterdam",
        "starts_local": "2030-06-01T20:00",
        "ends_local": "2030-06-01T23:30",
        "currency": "EUR",
        // Paid tickets are bought offline in these tests; the card payment tests connect Stripe.
        "offline_payment_days": "7",
    })
}

pub fn ticket_type_input(name: &str, price: &str, capacity: i64) -> Value {
    json!({
        "name": name,
        "description": "",
        "price": price,
        "capacity": capacity,
        "sale_starts_local": "",
        "sale_ends_local": "",
        "min_per_order": 1,
        "max_per_order": 10,
        "access_code": "",
    })
}
