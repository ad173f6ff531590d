//! Organisers running their events: create, edit, publish (seen on the storefront at once),
//! ticket types with capacity rules, reordering, discount codes and questions; every form's
//! mistakes are named by field.
use crate::admin_client::{event_input, ticket_type_input, Organiser};
use crate::helpers::{on_both_backends, order_request, spawn_app, Backend};
use contract::model::PaymentMethod;
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    publishing_shows_the_event_on_the_storefront,
    edits_reach_the_storefront_at_once,
    capacity_cannot_go_below_sold,
    ticket_types_are_reordered,
    discount_codes_and_questions_are_kept,
    every_form_names_its_mistakes,
);

async fn publishing_shows_the_event_on_the_storefront(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let event = organiser.create_event("ada-live").await;
    let id = event["id"].as_i64().unwrap();
    assert_eq!(event["published"], false);
    assert_eq!(event["starts_local"], "2030-06-01T20:00");
    assert_eq!(event["starts_at"], "2030-06-01T18:00:00Z", "20:00 in Amsterdam in summer is 18:00 UTC");
    assert_eq!(app.get("/api/events/ada-live").await.status(), 404, "not published yet");
    let empty = organiser.expect(organiser.post(&format!("/events/{id}/publish"), json!({})).await, 409).await;
    assert!(empty["message"].as_str().unwrap().contains("ticket type"));
    organiser.add_ticket_type(id, "Early bird", "15.50", 100).await;
    organiser.expect(organiser.post(&format!("/events/{id}/publish"), json!({})).await, 200).await;
    let snapshot: Value = app.get("/api/events/ada-live").await.json().await.unwrap();
    assert_eq!(snapshot["title"], "Event ada-live");
    assert_eq!(snapshot["ticket_types"][0]["price_minor"], 1550);
    let page = app.get("/e/ada-live").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Early bird"));
    let listed = organiser.expect(organiser.get(&format!("/organisations/{}/events", organiser.org)).await, 200).await;
    assert_eq!(listed[0]["published"], true);
    assert_eq!(listed[0]["capacity"], 100);
    organiser.expect(organiser.post(&format!("/events/{id}/unpublish"), json!({})).await, 200).await;
    assert_eq!(app.get("/api/events/ada-live").await.status(), 404, "unpublished at once");
    assert_eq!(app.get("/e/ada-live").await.status(), 404);
}

async fn edits_reach_the_storefront_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (id, types) = organiser.published_event("first-name", &[("GA", "10", 10)]).await;
    let before: Value = app.get("/api/events/first-name").await.json().await.unwrap();
    let mut edit = event_input("second-name");
    edit["title"] = json!("A better title");
    let edited = organiser.expect(organiser.put(&format!("/events/{id}"), edit).await, 200).await;
    assert_eq!(edited["slug"], "second-name");
    assert_eq!(app.get("/api/events/first-name").await.status(), 404);
    let after: Value = app.get("/api/events/second-name").await.json().await.unwrap();
    assert_eq!(after["title"], "A better title");
    assert!(after["version"].as_i64() > before["version"].as_i64(), "the version moves, so caches re-render");
    let mut ga = ticket_type_input("General admission", "12.00", 20);
    ga["max_per_order"] = json!(4);
    organiser.expect(organiser.put(&format!("/ticket-types/{}", types[0]), ga).await, 200).await;
    let after: Value = app.get("/api/events/second-name").await.json().await.unwrap();
    assert_eq!(after["ticket_types"][0]["name"], "General admission");
    assert_eq!(after["ticket_types"][0]["available"], 20);
    assert_eq!(after["ticket_types"][0]["max_per_order"], 4);
    // The inventory gate follows the new capacity: all 20 can be held now.
    let hold = app.hold("second-name", &[(types[0], 4)]).await;
    assert_eq!(hold.status(), 201);
    assert_eq!(app.available("second-name", types[0]).await, 16);
}

async fn capacity_cannot_go_below_sold(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (_, types) = organiser.published_event("small-room", &[("Seat", "5.00", 5)]).await;
    let hold = app.hold_ok("small-room", &[(types[0], 3)]).await;
    let order = app.order(&hold.id, "k1", &order_request(&["A", "B", "C"], PaymentMethod::Offline)).await;
    assert_eq!(order.status(), 201);
    let refused = organiser.put(&format!("/ticket-types/{}", types[0]), ticket_type_input("Seat", "5.00", 2)).await;
    let error = organiser.expect(refused, 409).await;
    assert_eq!(error["field"], "capacity");
    assert!(error["message"].as_str().unwrap().contains('3'), "{error}");
    let ok = organiser.expect(organiser.put(&format!("/ticket-types/{}", types[0]), ticket_type_input("Seat", "5.00", 3)).await, 200).await;
    assert_eq!(ok["sold"], 3);
    assert_eq!(ok["available"], 0);
    assert_eq!(app.hold("small-room", &[(types[0], 1)]).await.status(), 409, "sold out at the new capacity");
    app.assert_books_balance("small-room").await;
}

async fn ticket_types_are_reordered(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (id, types) = organiser.published_event("ordered", &[("A", "1", 1), ("B", "1", 1), ("C", "1", 1)]).await;
    let reversed: Vec<i64> = types.iter().rev().copied().collect();
    let listed = organiser.expect(organiser.put(&format!("/events/{id}/ticket-types/order"), json!({"ids": reversed})).await, 200).await;
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["C", "B", "A"]);
    let snapshot: Value = app.get("/api/events/ordered").await.json().await.unwrap();
    let names: Vec<&str> = snapshot["ticket_types"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["C", "B", "A"]);
    let partial = organiser.expect(organiser.put(&format!("/events/{id}/ticket-types/order"), json!({"ids": [types[0]]})).await, 422).await;
    assert_eq!(partial["field"], "ids");
}

async fn discount_codes_and_questions_are_kept(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (id, types) = organiser.published_event("with-extras", &[("GA", "20", 10), ("VIP", "80", 5)]).await;
    let discount = organiser
        .expect(
            organiser
                .post(
                    &format!("/events/{id}/discounts"),
                    json!({"code": "early-bird", "kind": "percent", "amount": "12.5", "max_uses": 100,
                           "expires_local": "2030-05-01T00:00", "ticket_type_ids": [types[0]]}),
                )
                .await,
            201,
        )
        .await;
    assert_eq!(discount["code"], "EARLY-BIRD", "codes are upper-cased");
    assert_eq!(discount["amount"], 1250);
    assert_eq!(discount["amount_display"], "12.5");
    assert_eq!(discount["expires_local"], "2030-05-01T00:00");
    let again = organiser
        .post(&format!("/events/{id}/discounts"), json!({"code": "Early-Bird", "kind": "fixed", "amount": "5", "ticket_type_ids": []}))
        .await;
    assert_eq!(organiser.expect(again, 409).await["field"], "code");
    let fixed = organiser
        .expect(
            organiser
                .post(&format!("/events/{id}/discounts"), json!({"code": "FIVER", "kind": "fixed", "amount": "5", "ticket_type_ids": []}))
                .await,
            201,
        )
        .await;
    assert_eq!(fixed["amount"], 500);
    organiser.expect(organiser.send(Method::DELETE, &format!("/discounts/{}", fixed["id"]), None).await, 204).await;

    let question = organiser
        .expect(
            organiser
                .post(
                    &format!("/events/{id}/questions"),
                    json!({"label": "T-shirt size", "kind": "choice", "options": ["S", "M", " L ", ""], "required": true}),
                )
                .await,
            201,
        )
        .await;
    assert_eq!(question["options"], json!(["S", "M", "L"]));
    let event = organiser.expect(organiser.get(&format!("/events/{id}")).await, 200).await;
    assert_eq!(event["discounts"].as_array().unwrap().len(), 1);
    assert_eq!(event["questions"][0]["label"], "T-shirt size");
    assert_eq!(event["questions"][0]["required"], true);
    // A secret ticket type keeps its access code.
    let mut secret = ticket_type_input("Crew", "0", 10);
    secret["access_code"] = json!("CREW-2030");
    let crew = organiser.add_ticket_type_with(id, secret).await;
    assert_eq!(crew["access_code"], "CREW-2030");
    organiser.expect(organiser.send(Method::DELETE, &format!("/questions/{}", question["id"]), None).await, 204).await;
}

async fn every_form_names_its_mistakes(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (id, types) = organiser.published_event("forms", &[("GA", "20", 10)]).await;
    let events = format!("/organisations/{}/events", organiser.org);
    let event_cases = [
        ("slug", json!("Not A Slug!")),
        ("slug", json!("forms")),
        ("title", json!("")),
        ("venue", json!(" ")),
        ("timezone", json!("Mars/Olympus")),
        ("starts_local", json!("next friday")),
        ("ends_local", json!("2030-06-01T19:00")),
        ("currency", json!("euro")),
    ];
    for (field, value) in event_cases {
        let mut body = event_input("fresh-slug");
        body[field] = value.clone();
        let response = organiser.post(&events, body).await;
        let status = response.status().as_u16();
        let error: Value = response.json().await.unwrap();
        assert!(status == 422 || status == 409, "{field}={value}: {status}");
        assert_eq!(error["field"], field, "{field}={value}: {error}");
    }
    let type_cases = [
        ("name", json!("")),
        ("price", json!("-5")),
        ("price", json!("12.345")),
        ("price", json!("twelve")),
        ("capacity", json!(-1)),
        ("min_per_order", json!(0)),
        ("max_per_order", json!(1000)),
        ("sale_starts_local", json!("2030-13-01T10:00")),
        ("sale_ends_local", json!("2020-01-01T10:00")),
        ("access_code", json!("has spaces")),
    ];
    for (field, value) in type_cases {
        let mut body = ticket_type_input("GA", "20", 10);
        body[field] = value.clone();
        if field == "sale_ends_local" {
            body["sale_starts_local"] = json!("2029-01-01T10:00");
        }
        let error = organiser.expect(organiser.post(&format!("/events/{id}/ticket-types"), body).await, 422).await;
        assert_eq!(error["field"], field, "{field}={value}: {error}");
    }
    // A body of the wrong shape is a 422 too, never a 500.
    let wrong_shape = organiser.post(&format!("/events/{id}/ticket-types"), json!({"name": "GA", "capacity": "ten"})).await;
    assert_eq!(wrong_shape.status(), 422);
    let discount_cases = [
        ("code", json!("")),
        ("kind", json!("bogof")),
        ("amount", json!("150")),
        ("amount", json!("0")),
        ("max_uses", json!(0)),
        ("expires_local", json!("soon")),
        ("ticket_type_ids", json!([999999])),
    ];
    for (field, value) in discount_cases {
        let mut body = json!({"code": "OK", "kind": "percent", "amount": "10", "ticket_type_ids": [types[0]]});
        body[field] = value.clone();
        let error = organiser.expect(organiser.post(&format!("/events/{id}/discounts"), body).await, 422).await;
        assert_eq!(error["field"], field, "{field}={value}: {error}");
    }
    let question_cases = [("label", json!("")), ("kind", json!("essay")), ("options", json!(["only one"])), ("options", json!(["A", "a"]))];
    for (field, value) in question_cases {
        let mut body = json!({"label": "Q", "kind": "choice", "options": ["A", "B"], "required": false});
        body[field] = value.clone();
        let error = organiser.expect(organiser.post(&format!("/events/{id}/questions"), body).await, 422).await;
        assert_eq!(error["field"], field, "{field}={value}: {error}");
    }
    let order_filters = ["status=lost", "limit=0", "limit=abc", "offset=-1"];
    for filter in order_filters {
        let response = organiser.get(&format!("/events/{id}/orders?{filter}")).await;
        assert_eq!(response.status(), 422, "{filter}");
    }
    assert_eq!(organiser.post(&format!("/events/{id}/check-ins"), json!({"code": ""})).await.status(), 422);
    assert_eq!(organiser.get("/events/not-a-number").await.status(), 404);
    assert_eq!(organiser.get("/no-such-route").await.status(), 404);
}
