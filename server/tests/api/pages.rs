//! The server-rendered pages: real HTML with the data to hydrate, real status codes.
use crate::helpers::*;
use contract::model::PaymentMethod;
use serde_json::Value;

on_both_backends!(pages_render_on_the_server, unknown_pages_are_real_404s, health_checks_tell_the_truth);

async fn pages_render_on_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;

    let page = app.get(&format!("/e/{}", event.slug)).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>Test Night · Tickets</title>"));
    assert!(html.contains("Standing") && html.contains("€20.00") && html.contains("10 left"), "ticket rows rendered");
    assert!(page_data(&html)["page"]["event"]["snapshot"].is_object(), "the event page's data");

    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 2)]).await;
    let checkout = app.get(&format!("/checkout/{}", hold.id)).await;
    assert_eq!(checkout.status(), 200);
    assert_eq!(checkout.headers()["cache-control"], "private, no-store");
    let html = checkout.text().await.unwrap();
    assert!(html.contains("Your tickets are held for") && html.contains("Ticket 2"), "checkout rendered");

    let order: contract::model::Order =
        app.order(&hold.id, "page-key", &order_request(&["Ada", "Bob"], PaymentMethod::Offline)).await.json().await.unwrap();
    let html = app.get(&order.url).await.text().await.unwrap();
    assert!(html.contains(&order.tickets[1].code));
    assert_eq!(html.matches("class=\"qr\"").count(), 2, "a QR code per ticket");

    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains(&format!("/e/{}", event.slug)));
}

async fn unknown_pages_are_real_404s(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/e/no-such-event", "/checkout/not-a-hold", "/o/not-a-token", "/definitely/not/here"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 404, "{path}");
        let html = page.text().await.unwrap();
        assert!(html.contains("We couldn’t find that page"), "{path}: a real 404 page");
    }
}

async fn health_checks_tell_the_truth(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.text().await.unwrap(), "ok");
    let ready = app.get_as_operator("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}
