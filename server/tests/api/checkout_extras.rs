//! The storefront side of the organisers' configuration: secret ticket types behind access codes.
//! The configuration is written with SQL, as the admin API would.
use crate::helpers::*;
use app::model::{Hold, HoldRequest, HoldRequestItem, Order, PaymentMethod};
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(secret_types_stay_out_of_what_is_cached, an_access_code_unlocks_its_types, a_hold_of_a_secret_type_needs_its_code);

const ACCESS_CODE: &str = "Vip-Lounge";

/// An event with a public "Standing" type and a secret "VIP Lounge" behind [`ACCESS_CODE`].
async fn event_with_secret(app: &TestApp) -> SeededEvent {
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_500, 10), TypeSpec::on_sale("VIP Lounge", 9_000, 5)]).await;
    let changed = app.sql(&format!("UPDATE ticket_types SET access_code = '{ACCESS_CODE}' WHERE id = {}", event.type_ids[1])).await;
    assert_eq!(changed, 1);
    event
}

fn hold_request(items: &[(i64, i64)], access_code: Option<&str>) -> HoldRequest {
    HoldRequest {
        items: items.iter().map(|&(ticket_type_id, quantity)| HoldRequestItem { ticket_type_id, quantity }).collect(),
        access_code: access_code.map(str::to_string),
    }
}

async fn post_hold(app: &TestApp, slug: &str, request: &HoldRequest) -> reqwest::Response {
    app.client.post(app.url(&format!("/api/events/{slug}/holds"))).json(request).send().await.unwrap()
}

async fn secret_types_stay_out_of_what_is_cached(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = event_with_secret(&app).await;

    let snapshot: Value = app.get(&format!("/api/events/{}", event.slug)).await.json().await.unwrap();
    let names: Vec<&str> = snapshot["ticket_types"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Standing"], "the snapshot is public: no secret type in it");
    assert!(!snapshot.to_string().contains(ACCESS_CODE), "nor its code");
    let availability: Value = app.get(&format!("/api/events/{}/availability", event.slug)).await.json().await.unwrap();
    assert_eq!(availability["ticket_types"].as_array().unwrap().len(), 1);
    assert!(availability["ticket_types"].as_array().unwrap().iter().all(|t| t["id"] != event.type_ids[1]));

    let html = app.get(&format!("/e/{}", event.slug)).await.text().await.unwrap();
    assert!(html.contains("Standing"));
    assert!(!html.contains("VIP Lounge") && !html.contains(ACCESS_CODE), "the page is cached publicly too");
    assert!(html.contains("Have an access code?") && html.contains(">Access code</label>") && html.contains(">Unlock</button>"));
}

async fn an_access_code_unlocks_its_types(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = event_with_secret(&app).await;
    let other = app.seed_event(&[TypeSpec::on_sale("Backstage", 1_000, 5)]).await;
    app.sql(&format!("UPDATE ticket_types SET access_code = 'OTHER-EVENT' WHERE id = {}", other.type_ids[0])).await;
    let unlock = |slug: &str, code: &str| {
        app.client.get(app.url(&format!("/api/events/{slug}/unlock"))).query(&[("code", code)]).send()
    };

    // Trimmed, and whatever the case.
    let response = unlock(&event.slug, "  vip-LOUNGE ").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store", "a code's answer is nobody else's");
    let unlocked: Value = response.json().await.unwrap();
    let types = unlocked["ticket_types"].as_array().unwrap();
    assert_eq!(types.len(), 1);
    assert_eq!(types[0]["id"], event.type_ids[1]);
    assert_eq!(types[0]["name"], "VIP Lounge");
    assert_eq!(types[0]["price_minor"], 9_000);
    assert_eq!(types[0]["available"], 5);
    assert_eq!(types[0]["status"], "on_sale");

    let wrong = assert_api_error(unlock(&event.slug, "VIP-LOUNG").await.unwrap(), 422, "validation").await;
    assert_eq!(wrong["field"], "code");
    assert!(wrong["message"].as_str().unwrap().starts_with("No tickets match this code."), "{wrong}");
    // Another event's code is just as wrong here: nothing says it exists elsewhere.
    let elsewhere = assert_api_error(unlock(&event.slug, "other-event").await.unwrap(), 422, "validation").await;
    assert_eq!(elsewhere, wrong);
    let blank = assert_api_error(unlock(&event.slug, "  ").await.unwrap(), 422, "validation").await;
    assert_eq!(blank["field"], "code");
    assert_api_error(unlock("no-such-event", ACCESS_CODE).await.unwrap(), 404, "not_found").await;
}

async fn a_hold_of_a_secret_type_needs_its_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = event_with_secret(&app).await;
    let [standing, vip] = event.type_ids[..] else { panic!() };

    let without = assert_api_error(post_hold(&app, &event.slug, &hold_request(&[(vip, 1)], None)).await, 422, "validation").await;
    assert_eq!(without["field"], "access_code");
    let wrong = assert_api_error(post_hold(&app, &event.slug, &hold_request(&[(vip, 1)], Some("nope"))).await, 422, "validation").await;
    // A type that does not exist gets the very same answer: ids cannot be probed for codes.
    let unknown = assert_api_error(post_hold(&app, &event.slug, &hold_request(&[(987_654, 1)], None)).await, 422, "validation").await;
    assert_eq!(without, wrong);
    assert_eq!(without, unknown);
    assert!(!without.to_string().contains("VIP"), "no name given away: {without}");
    assert_eq!(app.stock(vip).await.held, 0);

    let response = post_hold(&app, &event.slug, &hold_request(&[(standing, 1), (vip, 2)], Some(" vip-lounge"))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let hold: Hold = response.json().await.unwrap();
    let names: Vec<&str> = hold.items.iter().map(|item| item.name.as_str()).collect();
    assert_eq!(names, ["Standing", "VIP Lounge"], "in the organiser's order");
    assert_eq!(hold.total_minor, 2_500 + 2 * 9_000);
    assert_eq!(app.stock(vip).await.held, 2);
    let checkout = app.get(&format!("/checkout/{}", hold.id)).await.text().await.unwrap();
    assert!(checkout.contains("VIP Lounge"), "the buyer's own checkout shows what they hold");

    let order: Order =
        app.order(&hold.id, "secret-order", &order_request(&["Ada", "Bob", "Cy"], PaymentMethod::Offline)).await.json().await.unwrap();
    assert_eq!(order.tickets[2].ticket_type_name, "VIP Lounge");
    app.assert_books_balance(&event.slug).await;
}
