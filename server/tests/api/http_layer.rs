//! The HTTP layer around every handler: security headers, private answers never stored,
//! connections and bodies that stall, addresses and methods that do not exist. None of it depends
//! on the database, so these run on SQLite only.
use crate::admin_client::{browser, Organiser};
use crate::helpers::*;
use base64::Engine;
use contract::model::{Order, PaymentMethod};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every bound a test waits for is far below this; a server that never acts fails the test here.
const WAIT_LIMIT: Duration = Duration::from_secs(20);

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|value| value.to_str().unwrap())
}

/// The inline scripts a browser would run: `<script>` without `src` and not a JSON data block.
fn inline_scripts(html: &str) -> Vec<&str> {
    html.split("<script")
        .skip(1)
        .filter_map(|rest| {
            let (tag, rest) = rest.split_once('>')?;
            let (body, _) = rest.split_once("</script>")?;
            (!tag.contains("src=") && !tag.contains("application/json")).then_some(body)
        })
        .collect()
}

fn sha256_source(script: &str) -> String {
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes())))
}

/// A hold, its order (free) and the order's token, for the private pages.
async fn bought(app: &TestApp) -> (String, Order) {
    let event = app.seed_event(&[TypeSpec::on_sale("Community", 0, 10)]).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let second = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let order = app.order(&second.id, &second.id, &order_request(&["Ada"], PaymentMethod::Free)).await;
    assert_eq!(order.status(), 201);
    (hold.id, order.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let site = built_site();
    let app = spawn_app_with(Backend::Sqlite, AppOptions::default().with_env("SITE_ROOT", site.path().display().to_string())).await;
    let (hold_id, order) = bought(&app).await;

    let home = app.get("/").await;
    let policy = header(&home, "content-security-policy").expect("a CSP on the home page").to_string();
    for directive in ["script-src 'self' 'sha256-", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"]
    {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(header(&home, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&home, "referrer-policy"), Some("strict-origin-when-cross-origin"));
    assert_eq!(header(&home, "strict-transport-security"), None, "plain http: no HSTS");
    let html = home.text().await.unwrap();
    assert_eq!(inline_scripts(&html).len(), 0, "the home page is links and text, with no script: {html}");
    let event_page = app.get(&format!("/e/{}", order.event_slug)).await.text().await.unwrap();
    let scripts = inline_scripts(&event_page);
    assert_eq!(scripts.len(), 1, "one inline script, the bootstrap: {event_page}");
    assert!(policy.contains(&sha256_source(scripts[0])), "the CSP allows the page's bootstrap by its hash: {policy}");
    assert!(event_page.contains("/pkg/event_bg.wasm?v="), "the event page loads its own bundle: {event_page}");

    // Every page with a script has the one bootstrap and so the one policy (the checkout's adds
    // only Stripe.js, its API and its frames); pages whose URL is a buyer's secret send no referrer.
    let checkout = app.get(&format!("/checkout/{hold_id}")).await;
    let checkout_policy = header(&checkout, "content-security-policy").expect("a CSP on the checkout").to_string();
    assert_eq!(checkout_policy, app::security::checkout_policy());
    assert!(
        checkout_policy
            .starts_with(&format!("{policy} https://js.stripe.com; connect-src 'self' https://js.stripe.com https://api.stripe.com")),
        "the storefront's policy and Stripe's on top: {checkout_policy}"
    );
    for (path, referrer) in [
        (format!("/checkout/{hold_id}"), "no-referrer"),
        (order.url.clone(), "no-referrer"),
        (format!("/api/orders{}", order.url.trim_start_matches("/o")), "no-referrer"),
        ("/e/no-such-event".to_string(), "strict-origin-when-cross-origin"),
        ("/api/events".to_string(), "strict-origin-when-cross-origin"),
    ] {
        let response = app.get(&path).await;
        let expected = if path.starts_with("/checkout/") { checkout_policy.as_str() } else { policy.as_str() };
        assert_eq!(header(&response, "content-security-policy"), Some(expected), "{path}");
        assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(header(&response, "referrer-policy"), Some(referrer), "{path}");
    }

    // The admin SPA loads its bootstrap as a file: its policy has no hash.
    for path in ["/admin/", "/admin/api/session"] {
        let response = app.get(path).await;
        let admin = header(&response, "content-security-policy").expect("a CSP on the admin");
        assert!(admin.contains("script-src 'self' 'wasm-unsafe-eval'") && !admin.contains("sha256-"), "{path}: {admin}");
        assert!(admin.contains("frame-ancestors 'none'"), "{path}: {admin}");
        assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"), "{path}");
    }
}

/// A site laid out as `make site` builds it: the stylesheet and each page's bundle (whose bytes do
/// not matter to the headers).
fn built_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("a temp dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("stampede.css"), "body {}").unwrap();
    for bundle in app::document::Bundle::ALL {
        std::fs::write(pkg.join(format!("{}.js", bundle.name())), "export default async () => {};").unwrap();
        std::fs::write(pkg.join(format!("{}_bg.wasm", bundle.name())), b"\0asm\x01\0\0\0").unwrap();
    }
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_when_the_public_url_is_https() {
    let app = spawn_app_with(Backend::Sqlite, AppOptions::default().with_env("PUBLIC_URL", "https://tickets.example")).await;
    for path in ["/", "/api/events", "/admin/"] {
        assert_eq!(header(&app.get(path).await, "strict-transport-security"), Some("max-age=31536000"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_answers_are_never_stored() {
    let app = spawn_app(Backend::Sqlite).await;
    let (hold_id, order) = bought(&app).await;
    let token = order.url.trim_start_matches("/o/");
    let hold = app.get(&format!("/api/holds/{hold_id}")).await;
    assert_eq!(hold.status(), 200);
    assert_eq!(header(&hold, "cache-control"), Some("no-store"), "a hold is its buyer's");
    let read = app.get(&format!("/api/orders/{token}")).await;
    assert_eq!(read.status(), 200);
    assert_eq!(header(&read, "cache-control"), Some("no-store"), "an order is its buyer's");
    let released = app.client.delete(app.url(&format!("/api/holds/{hold_id}"))).send().await.unwrap();
    assert_eq!(released.status(), 200);
    assert_eq!(header(&released, "cache-control"), Some("no-store"));

    let (anonymous, _) = browser(&app).await;
    let session = anonymous.get(app.url("/admin/api/session")).send().await.unwrap();
    assert_eq!(header(&session, "cache-control"), Some("no-store"), "the session");
    let organiser = Organiser::sign_up(&app, "Nora Nostore").await;
    for path in [format!("/organisations/{}/events", organiser.org), format!("/organisations/{}/members", organiser.org)] {
        let response = organiser.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), Some("no-store"), "{path}");
    }
}

/// Sends `bytes` on a new connection to the app, then reads until the server closes it: whether it
/// did (within `WAIT_LIMIT`), and what it sent.
async fn raw(app: &TestApp, bytes: &str) -> (bool, String) {
    let mut stream = TcpStream::connect(app.address.trim_start_matches("http://")).await.expect("connect to the app");
    stream.write_all(bytes.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(WAIT_LIMIT, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    (read.is_ok(), String::from_utf8_lossy(&received).into_owned())
}

/// A POST of a hold with these headers and body bytes (the request line and Host given).
fn hold_request(slug: &str, headers_and_body: &str) -> String {
    format!("POST /api/events/{slug}/holds HTTP/1.1\r\nHost: stampede\r\nContent-Type: application/json\r\n{headers_and_body}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_whose_headers_stall_is_closed() {
    let app = spawn_app_with(Backend::Sqlite, AppOptions::default().with_env("HEADER_READ_TIMEOUT_MS", "300")).await;
    let (closed, _) = raw(&app, "GET /healthz HT").await;
    assert!(closed, "half a request line, then nothing: the origin must close the connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(Backend::Sqlite, AppOptions::default().with_env("HEADER_READ_TIMEOUT_MS", "300")).await;
    let (closed, received) = raw(&app, "GET /healthz HTTP/1.1\r\nHost: stampede\r\n\r\n").await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(closed, "a keep-alive connection that sends nothing more is closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_is_a_408() {
    let app = spawn_app_with(Backend::Sqlite, AppOptions::default().with_env("REQUEST_BODY_TIMEOUT_MS", "300")).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let (closed, received) = raw(&app, &hold_request(&event.slug, "Content-Length: 200\r\n\r\n{\"items\"")).await;
    assert!(closed, "the origin answers and closes");
    assert!(received.starts_with("HTTP/1.1 408"), "a stalled body is the client's problem, not a busy origin: {received}");
    assert!(received.contains(r#""error":"request_timeout""#) && received.contains("did not arrive"), "{received}");

    // A broken chunked body is a 400, not a 5xx.
    let (_, received) = raw(&app, &hold_request(&event.slug, "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")).await;
    assert!(received.starts_with("HTTP/1.1 400"), "{received}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_addresses_and_methods_get_json() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/admin/api/nope", "/admin/api/events/1/nope", "/admin/api", "/admin/api/"] {
        let got = assert_api_error(app.get(path).await, 404, "not_found").await;
        assert!(got["message"].as_str().unwrap().contains("admin API"), "{path}: {got}");
        assert_api_error(app.post_json(path, &serde_json::json!({})).await, 404, "not_found").await;
    }
    let (client, csrf) = browser(&app).await;
    let put = client.put(app.url("/admin/api/session")).header("x-csrf-token", csrf).send().await.unwrap();
    assert_eq!(header(&put, "allow"), Some("GET,HEAD"));
    assert_api_error(put, 405, "method_not_allowed").await;
    for path in ["/", "/e/some-event", "/admin/", "/admin/events/7", "/healthz", "/favicon.svg", "/api/events"] {
        let response = app.post_json(path, &serde_json::json!({})).await;
        assert!(header(&response, "allow").is_some_and(|allow| allow.contains("GET")), "{path}: {:?}", response.headers());
        assert_api_error(response, 405, "method_not_allowed").await;
    }
}
