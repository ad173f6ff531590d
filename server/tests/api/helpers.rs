use chrono::{DateTime, Duration, Utc};
use contract::model::{Hold, HoldRequest, HoldRequestItem, OrderRequest, PaymentMethod, Person};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use stampede::config::Settings;
use stampede::startup::{Application, Parts};
use stampede::store::{self, EventDetails, NewOrganiser, Stock, Store, TicketTypeChange};
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` as two tests: `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The running app's parts, for tests that act from inside (the reaper's work, the store).
    pub parts: Parts,
    pub backend: Backend,
    /// The app's database, for tests that set up what only the admin API creates (see [`TestApp::sql`]).
    pub database_url: String,
    _sqlite_dir: Option<tempfile::TempDir>,
}

pub struct AppOptions {
    pub hold_ttl_seconds: u64,
    pub reaper_interval_ms: u64,
    pub snapshot_cache_ms: u64,
    /// More settings (INVENTORY_GATE, REDIS_URL, ...), overriding the ones above.
    pub env: Vec<(&'static str, String)>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions { hold_ttl_seconds: 900, reaper_interval_ms: 60_000, snapshot_cache_ms: 0, env: Vec::new() }
    }
}

impl AppOptions {
    pub fn with_env(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.env.push((key, value.into()));
        self
    }
}

/// The operators' token of every test app: `/metrics` and the detail of `/readyz` need it.
pub const OPERATOR_TOKEN: &str = "test-operator-token-0123456789";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, AppOptions::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: AppOptions) -> TestApp {
    let (database_url, sqlite_dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temp dir");
            (format!("sqlite://{}", dir.path().join("test.db").display()), Some(dir))
        }
        Backend::Postgres => (fresh_postgres_database().await, None),
    };
    let mut env = vec![
        ("PORT", "0".to_string()),
        ("DATABASE_URL", database_url.clone()),
        ("DATABASE_MAX_CONNECTIONS", "10".to_string()),
        ("HOLD_TTL_SECONDS", options.hold_ttl_seconds.to_string()),
        ("REAPER_INTERVAL_MS", options.reaper_interval_ms.to_string()),
        ("SNAPSHOT_CACHE_MS", options.snapshot_cache_ms.to_string()),
        ("STAMPEDE_DEMO", "false".to_string()),
        ("SITE_ROOT", "/nonexistent-site-root".to_string()),
        ("OPERATOR_TOKEN", OPERATOR_TOKEN.to_string()),
        // Every test's buyers come from 127.0.0.1: the storefront's per-buyer limits are out of
        // the way unless a test sets them (fair_use.rs tests them).
        ("HOLD_RATE_BURST", "1000000".to_string()),
        ("HOLD_TICKETS_PER_NETWORK", "1000000".to_string()),
        ("HOLD_TICKETS_PER_BROWSER", "1000000".to_string()),
        ("CODE_ATTEMPTS_BURST", "100000".to_string()),
        ("CODE_ATTEMPTS_PER_HOLD", "1000".to_string()),
        ("WAITING_LIST_JOIN_BURST", "100000".to_string()),
    ];
    // Later entries win.
    env.extend(options.env);
    let settings =
        Settings::from_lookup(|key| env.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v.clone())).expect("test settings are valid");
    let app = Application::build(&settings).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr());
    let parts = app.parts();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap(),
        parts,
        backend,
        database_url,
        _sqlite_dir: sqlite_dir,
    }
}

/// A new, empty database on the shared PostgreSQL server, named for this test run.
async fn fresh_postgres_database() -> String {
    static CLEANED: OnceCell<()> = OnceCell::const_new();
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|err| panic!("PostgreSQL at {admin_url} is required for these tests: {err}"));
    CLEANED
        .get_or_init(|| async {
            // Databases left by earlier runs (a test that panicked does not clean up). Not WITH (FORCE):
            // a database still in use belongs to a run going on beside this one, and stays.
            let old: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'stampede_test_%'")
                .fetch_all(&admin_url_conn(&admin_url).await)
                .await
                .unwrap_or_default();
            for (name,) in old {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\"")).execute(&admin_url_conn(&admin_url).await).await;
            }
        })
        .await;
    let name = format!("stampede_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await.expect("create a test database");
    let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /<database>");
    format!("{base}/{name}")
}

async fn admin_url_conn(admin_url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(admin_url).await.expect("connect to PostgreSQL")
}

/// A ticket type for [`TestApp::seed_event`].
#[derive(Clone)]
pub struct TypeSpec {
    pub name: &'static str,
    pub price_minor: i64,
    pub capacity: i64,
    pub min_per_order: i64,
    pub max_per_order: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
}

impl TypeSpec {
    pub fn on_sale(name: &'static str, price_minor: i64, capacity: i64) -> Self {
        TypeSpec {
            name,
            price_minor,
            capacity,
            min_per_order: 1,
            max_per_order: 10,
            sale_starts_at: Some(Utc::now() - Duration::hours(1)),
            sale_ends_at: Some(Utc::now() + Duration::days(1)),
        }
    }
}

/// A discount code as tests set it up; `ticket_type_ids` "" for all of the event's types.
#[derive(Clone, Copy, Default)]
pub struct DiscountSpec<'a> {
    pub code: &'a str,
    pub kind: &'a str,
    pub amount: i64,
    pub max_uses: Option<i64>,
    pub expires_at: Option<&'a str>,
    pub ticket_type_ids: &'a str,
}

pub struct SeededEvent {
    pub slug: String,
    pub type_ids: Vec<i64>,
}

impl TestApp {
    /// Sends every email due now through the log transport, as the mailer would, so that tests
    /// which read the outbox see only what comes after.
    pub async fn send_mail(&self) {
        let settings = stampede::mail::MailSettings { rate_per_second: 100_000, ..Default::default() };
        let mailer = stampede::mail::Mailer::new(self.store().clone(), settings, "http://127.0.0.1").unwrap();
        while mailer.round().await.unwrap() != stampede::mail::Round::default() {}
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.parts.store
    }

    pub async fn seed_event(&self, types: &[TypeSpec]) -> SeededEvent {
        let store = self.store();
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let organiser_id =
            store.create_organiser(&NewOrganiser { name: "Test Org".into(), email: format!("{unique}@org.example") }).await.unwrap();
        let slug = format!("event-{}", &unique[..12]);
        let starts_at = store::truncate_to_millis(Utc::now() + Duration::days(10));
        let event_id = store
            .create_event(
                organiser_id,
                &EventDetails {
                    slug: slug.clone(),
                    title: "Test Night".into(),
                    description: "A test event.".into(),
                    venue: "Test Hall".into(),
                    timezone: "Europe/Amsterdam".into(),
                    starts_at,
                    ends_at: starts_at + Duration::hours(3),
                    currency: "EUR".into(),
                    // Most tests pay offline; offline_payment.rs tests the setting itself.
                    offline_payment_days: Some(7),
                    card_payments: true,
                    waiting_list: true,
                    waiting_list_offer_minutes: 240,
                    waiting_room: false,
                    waiting_room_per_minute: 3000,
                    waiting_room_max_active: 1000,
                },
                true,
            )
            .await
            .unwrap()
            .saved("the test event's address")
            .unwrap();
        let mut type_ids = Vec::new();
        for spec in types {
            type_ids.push(
                store
                    .create_ticket_type(
                        event_id,
                        &TicketTypeChange {
                            name: spec.name.into(),
                            description: String::new(),
                            price_minor: spec.price_minor,
                            capacity: spec.capacity,
                            sale_starts_at: spec.sale_starts_at.map(store::truncate_to_millis),
                            sale_ends_at: spec.sale_ends_at.map(store::truncate_to_millis),
                            min_per_order: spec.min_per_order,
                            max_per_order: spec.max_per_order,
                            access_code: None,
                        },
                    )
                    .await
                    .unwrap()
                    .id,
            );
        }
        SeededEvent { slug, type_ids }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("POST")
    }

    pub async fn hold(&self, slug: &str, items: &[(i64, i64)]) -> reqwest::Response {
        let request = HoldRequest {
            items: items.iter().map(|&(ticket_type_id, quantity)| HoldRequestItem { ticket_type_id, quantity }).collect(),
            access_code: None,
        };
        self.client.post(self.url(&format!("/api/events/{slug}/holds"))).json(&request).send().await.expect("POST hold")
    }

    /// A hold that must succeed.
    pub async fn hold_ok(&self, slug: &str, items: &[(i64, i64)]) -> Hold {
        let response = self.hold(slug, items).await;
        assert_eq!(response.status(), StatusCode::CREATED, "hold should be created");
        response.json().await.unwrap()
    }

    pub async fn order(&self, hold_id: &str, key: &str, request: &OrderRequest) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/holds/{hold_id}/order")))
            .header("Idempotency-Key", key)
            .json(request)
            .send()
            .await
            .expect("POST order")
    }

    pub async fn stock(&self, ticket_type_id: i64) -> Stock {
        self.store().stock(ticket_type_id).await.unwrap().expect("ticket type exists")
    }

    /// Availability of one ticket type as the API reports it.
    pub async fn available(&self, slug: &str, ticket_type_id: i64) -> i64 {
        let body: Value = self.get(&format!("/api/events/{slug}/availability")).await.json().await.unwrap();
        body["ticket_types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == ticket_type_id)
            .map(|t| t["available"].as_i64().unwrap())
            .expect("ticket type listed")
    }
}

impl TestApp {
    /// Runs one SQL statement on the app's database (values inline: both backends read the same
    /// literals) and returns the rows it changed.
    pub async fn sql(&self, statement: &str) -> u64 {
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(&self.database_url).await.expect("connect to SQLite");
                sqlx::query(statement).execute(&mut connection).await.unwrap_or_else(|err| panic!("{statement}: {err}")).rows_affected()
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.database_url).await.expect("connect to PostgreSQL");
                sqlx::query(statement).execute(&mut connection).await.unwrap_or_else(|err| panic!("{statement}: {err}")).rows_affected()
            }
        }
    }

    /// The one integer a query returns (an id from `RETURNING id`, a count).
    pub async fn sql_i64(&self, query: &str) -> i64 {
        match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(&self.database_url).await.expect("connect to SQLite");
                sqlx::query_scalar(query).fetch_one(&mut connection).await.unwrap_or_else(|err| panic!("{query}: {err}"))
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.database_url).await.expect("connect to PostgreSQL");
                sqlx::query_scalar(query).fetch_one(&mut connection).await.unwrap_or_else(|err| panic!("{query}: {err}"))
            }
        }
    }

    /// A discount code for the event, written as the admin API would store it.
    pub async fn add_discount(&self, slug: &str, spec: DiscountSpec<'_>) -> i64 {
        let DiscountSpec { code, kind, amount, max_uses, expires_at, ticket_type_ids } = spec;
        let event_id = self.event_id(slug).await;
        let max_uses = max_uses.map_or("NULL".to_string(), |n| n.to_string());
        let expires_at = expires_at.map_or("NULL".to_string(), |at| format!("'{at}'"));
        self.sql_i64(&format!(
            "INSERT INTO discount_codes (event_id, code, kind, amount, max_uses, expires_at, ticket_type_ids, created_at) \
             VALUES ({event_id}, '{code}', '{kind}', {amount}, {max_uses}, {expires_at}, '{ticket_type_ids}', '2026-01-01T00:00:00.000+00:00') RETURNING id"
        ))
        .await
    }

    /// A checkout question for the event; `options` a JSON array.
    pub async fn add_question(&self, slug: &str, label: &str, kind: &str, options: &str, required: bool, position: i64) -> i64 {
        let event_id = self.event_id(slug).await;
        self.sql_i64(&format!(
            "INSERT INTO questions (event_id, label, kind, options, required, position) \
             VALUES ({event_id}, '{label}', '{kind}', '{options}', {required}, {position}) RETURNING id"
        ))
        .await
    }

    /// A GET as an operator (with the operator token).
    pub async fn get_as_operator(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(OPERATOR_TOKEN).send().await.expect("GET")
    }

    pub async fn metrics(&self) -> String {
        let response = self.get_as_operator("/metrics").await;
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// `/readyz` with its detail, as an operator sees it.
    pub async fn readiness(&self) -> Value {
        self.get_as_operator("/readyz").await.json().await.unwrap()
    }

    /// A counter or gauge from /metrics; 0 when the series has not been created yet.
    pub async fn metric(&self, series: &str) -> f64 {
        metric_in(&self.metrics().await, series)
    }

    pub async fn event_id(&self, slug: &str) -> i64 {
        self.store().event_by_slug(slug).await.unwrap().expect("the event exists").id
    }

    /// The event's books must add up, with nothing oversold.
    pub async fn assert_books_balance(&self, slug: &str) -> stampede::store::Audit {
        let audit = self.store().audit(self.event_id(slug).await, store::now(), std::time::Duration::from_secs(3600)).await.unwrap();
        assert_eq!(audit.oversold(), 0, "oversold: {audit:?}");
        assert!(audit.problems().is_empty(), "the books disagree: {:?}", audit.problems());
        audit
    }
}

pub fn metric_in(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

/// The machine's shared Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379). Tests that use
/// it fail when it is missing; they never skip.
pub async fn shared_redis_url() -> String {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let client = redis::Client::open(url.as_str()).expect("a valid TEST_REDIS_URL");
    let ping = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut connection).await
    })
    .await;
    match ping {
        Ok(Ok(_)) => url,
        Ok(Err(err)) => panic!("Redis at {url} is required for these tests: {err}"),
        Err(_) => panic!("Redis at {url} is required for these tests: no answer within 3 s"),
    }
}

/// Settings for a Redis gate on the shared Redis, with keys no other test uses.
pub async fn shared_redis_gate(options: AppOptions) -> AppOptions {
    options
        .with_env("REDIS_URL", shared_redis_url().await)
        .with_env("REDIS_KEY_PREFIX", format!("stampede-test-{}", uuid::Uuid::new_v4().simple()))
        // These tests count the gate's decisions; on a CI machine busy compiling, a 200 ms timeout
        // would send a hold down the database path now and then. chaos.rs tests the timeouts.
        .with_env("REDIS_TIMEOUT_MS", "5000")
}

/// The data a page carries to hydrate with (`page-data`).
pub fn page_data(html: &str) -> Value {
    let start = html.find("<script id=\"page-data\" type=\"application/json\">").expect("page data embedded");
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    serde_json::from_str(json).expect("page data is JSON")
}

pub fn person(name: &str) -> Person {
    Person { name: name.into(), email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")) }
}

pub fn order_request(attendees: &[&str], payment: PaymentMethod) -> OrderRequest {
    OrderRequest {
        buyer: person("Ada Lovelace"),
        attendees: attendees.iter().map(|name| person(name)).collect(),
        payment,
        discount_code: None,
        answers: Vec::new(),
    }
}

/// Asserts the response is a 4xx with the API's error body and returns it.
pub async fn assert_api_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status for {code}: body {body}");
    assert_eq!(body["error"], code, "error code: body {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.len() > 10, "a message a person can act on, got {body}");
    body
}

/// Polls `check` every 50 ms until it holds; fails the test after `limit`. Tests wait for the event
/// they stand for (a hold's expiry, the reaper's round), never for a fixed time.
pub async fn wait_until<F, Fut>(what: &str, limit: std::time::Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out after {} s waiting until {what}", limit.as_secs());
}

impl TestApp {
    /// Waits until the storefront reads the hold as expired (its TTL has passed).
    pub async fn wait_until_expired(&self, hold_id: &str) {
        wait_until("the hold has expired", std::time::Duration::from_secs(30), || async {
            let hold: Value = self.get(&format!("/api/holds/{hold_id}")).await.json().await.unwrap();
            hold["status"] == "expired"
        })
        .await
    }
}
