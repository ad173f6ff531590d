//! /metrics tells what happened, in Prometheus' text format.
use crate::helpers::*;
use contract::model::PaymentMethod;

on_both_backends!(metrics_count_holds_orders_and_requests);

fn value_of(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("{series} not in\n{text}"))
}

async fn metrics_count_holds_orders_and_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 2)]).await;
    let id = event.type_ids[0];
    let hold = app.hold_ok(&event.slug, &[(id, 2)]).await;
    assert_eq!(app.hold(&event.slug, &[(id, 1)]).await.status(), 409);
    assert_eq!(app.order(&hold.id, "metrics", &order_request(&["Ada", "Bob"], PaymentMethod::Offline)).await.status(), 201);
    assert_eq!(app.order(&hold.id, "metrics", &order_request(&["Ada", "Bob"], PaymentMethod::Offline)).await.status(), 201);

    let response = app.get_as_operator("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();

    assert_eq!(value_of(&text, r#"stampede_holds_total{outcome="created"}"#), 1.0);
    assert_eq!(value_of(&text, r#"stampede_holds_total{outcome="sold_out"}"#), 1.0);
    assert_eq!(value_of(&text, r#"stampede_orders_total{outcome="created"}"#), 1.0);
    assert_eq!(value_of(&text, r#"stampede_orders_total{outcome="replayed"}"#), 1.0);
    let holds_route = r#"stampede_http_request_duration_seconds_count{method="POST",route="/api/events/{slug}/holds",status="2xx"}"#;
    assert_eq!(value_of(&text, holds_route), 1.0);
    let refused_route = r#"stampede_http_request_duration_seconds_count{method="POST",route="/api/events/{slug}/holds",status="4xx"}"#;
    assert_eq!(value_of(&text, refused_route), 1.0);
    assert_eq!(value_of(&text, r#"stampede_db_pool_connections{state="max"}"#), 10.0);
    assert!(value_of(&text, r#"stampede_db_pool_connections{state="open"}"#) >= 1.0);
}

/// The operators' endpoints answer the operator token only; `/readyz` tells anyone ready or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_endpoints_need_the_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let anonymous = app.get("/metrics").await;
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_api_error(anonymous, 401, "unauthorized").await;
    let wrong = app.client.get(app.url("/metrics")).bearer_auth("not-the-operator-token").send().await.unwrap();
    assert_api_error(wrong, 401, "unauthorized").await;
    assert!(app.metrics().await.contains("stampede_db_pool_connections"), "the token opens /metrics");

    let public = app.get("/readyz").await;
    assert_eq!(public.status(), 200);
    let public: serde_json::Value = public.json().await.unwrap();
    assert_eq!(public, serde_json::json!({"status": "ready"}), "no detail without the token");
    let detail = app.readiness().await;
    assert_eq!(detail["status"], "ready");
    assert_eq!(detail["database"], "ok", "{detail}");
    assert_eq!(detail["gate_kind"], "local", "{detail}");

    // Unset, the token opens nothing: the origin is closed even to its loopback peers, since a
    // proxy on the same host makes every browser one.
    let closed = spawn_app_with(Backend::Sqlite, AppOptions::default().with_env("OPERATOR_TOKEN", "")).await;
    assert_api_error(closed.get_as_operator("/metrics").await, 401, "unauthorized").await;
    let ready: serde_json::Value = closed.get_as_operator("/readyz").await.json().await.unwrap();
    assert_eq!(ready, serde_json::json!({"status": "ready"}));
}

/// A method nobody standardised is counted as `other`: invented ones cannot grow the label set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_methods_share_one_label() {
    let app = spawn_app(Backend::Sqlite).await;
    for method in ["PROPFIND", "FROBNICATE", "XYZZY"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app.client.request(method.clone(), app.url("/api/events")).send().await.unwrap();
        assert_api_error(response, 405, "method_not_allowed").await;
    }
    let text = app.metrics().await;
    for invented in ["PROPFIND", "FROBNICATE", "XYZZY"] {
        assert!(!text.contains(invented), "{invented} became a label:\n{text}");
    }
    assert_eq!(value_of(&text, r#"stampede_http_request_duration_seconds_count{method="other",route="/api/events",status="4xx"}"#), 3.0);
}

/// The request's span names its route, never its path: an order's token and a ticket's code are
/// keys to someone's tickets and must not reach the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_name_the_route_never_a_secret() {
    let logs = captured_logs();
    let app = spawn_app(Backend::Sqlite).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Community", 0, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let mut ids = Vec::new();
    let (id, checkout) = traced(app.client.get(app.url(&format!("/checkout/{}", hold.id)))).await;
    assert_eq!(checkout.status(), 200);
    ids.push(id);
    let (id, read) = traced(app.client.get(app.url(&format!("/api/holds/{}", hold.id)))).await;
    assert_eq!(read.status(), 200);
    ids.push(id);
    let request = app.client.post(app.url(&format!("/api/holds/{}/order", hold.id))).header("idempotency-key", "logs");
    let (id, order) = traced(request.json(&order_request(&["Ada"], PaymentMethod::Free))).await;
    assert_eq!(order.status(), 201);
    ids.push(id);
    let order: contract::model::Order = order.json().await.unwrap();
    let token = order.url.trim_start_matches("/o/").to_string();
    let code = order.tickets[0].code.clone();
    let (order_page, page) = traced(app.client.get(app.url(&order.url))).await;
    assert_eq!(page.status(), 200);
    ids.push(order_page.clone());
    for path in [format!("/api/orders/{token}"), order.tickets[0].qr_url.clone()] {
        let (id, response) = traced(app.client.get(app.url(&path))).await;
        assert_eq!(response.status(), 200, "{path}");
        ids.push(id);
    }

    wait_until("every request's span has closed in the logs", std::time::Duration::from_secs(10), || {
        let text = logs.text();
        let all = ids.iter().all(|id| text.contains(id.as_str()));
        async move { all }
    })
    .await;
    let text = logs.text();
    for (what, secret) in [("order token", &token), ("ticket code", &code)] {
        let leak = text.lines().find(|line| line.contains(secret.as_str()));
        assert!(leak.is_none(), "the {what} reached the logs: {leak:?}");
    }
    for (id, route) in [(&ids[0], "/checkout/{hold_id}"), (&order_page, "/o/{token}")] {
        let line = text.lines().find(|line| line.contains(id.as_str())).expect("the request's span");
        assert!(line.contains(&format!("route={route}")), "the span names the route {route}: {line}");
        assert!(!line.contains("path="), "{line}");
    }
}

/// Sends `request` with a request id of its own, to find its span in the logs.
async fn traced(request: reqwest::RequestBuilder) -> (String, reqwest::Response) {
    let id = uuid::Uuid::new_v4().to_string();
    let response = request.header("x-request-id", &id).send().await.expect("the request is answered");
    (id, response)
}

/// What the process logs from the first call on, span closes included.
struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> CapturedLogs {
    static LOGS: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    let buffer = LOGS.get_or_init(|| {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("stampede=info"))
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other test sets a global subscriber");
        buffer
    });
    CapturedLogs(buffer.clone())
}
