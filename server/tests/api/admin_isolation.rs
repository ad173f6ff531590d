//! Tenant isolation and roles, route by route: a member of another organisation can neither read
//! nor change anything of this one's, by any id (the answer is the same 404 as for an id that does
//! not exist), and a viewer can read but not change.
use crate::admin_client::{event_input, ticket_type_input, Organiser};
use crate::helpers::{on_both_backends, order_request, spawn_app, Backend};
use contract::model::PaymentMethod;
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(other_organisations_get_404_on_every_route, viewers_read_but_cannot_change, members_are_managed_by_owners_only);

struct Ids {
    org: i64,
    event: i64,
    ticket_type: i64,
    discount: i64,
    question: i64,
    order: i64,
    export: i64,
    invitation: i64,
    ticket_code: String,
}

/// Alice's organisation with one of everything, including a sold order.
async fn alices_world(app: &crate::helpers::TestApp, alice: &Organiser) -> Ids {
    let (event, types) = alice.published_event("alices-gig", &[("Standing", "20.00", 50)]).await;
    let discount = alice
        .expect(
            alice
                .post(
                    &format!("/events/{event}/discounts"),
                    json!({"code": "FRIENDS", "kind": "percent", "amount": "10", "max_uses": 5, "expires_local": "", "ticket_type_ids": []}),
                )
                .await,
            201,
        )
        .await;
    let question = alice
        .expect(alice.post(&format!("/events/{event}/questions"), json!({"label": "Diet", "kind": "text", "required": false})).await, 201)
        .await;
    let hold = app.hold_ok("alices-gig", &[(types[0], 1)]).await;
    let order = app.order(&hold.id, "alice-order-1", &order_request(&["Carol"], PaymentMethod::Offline)).await;
    assert_eq!(order.status(), 201);
    let order: Value = order.json().await.unwrap();
    let orders = alice.expect(alice.get(&format!("/events/{event}/orders")).await, 200).await;
    let export = alice.expect(alice.post(&format!("/events/{event}/exports"), json!({})).await, 202).await;
    let invitation = alice
        .expect(
            alice
                .post(&format!("/organisations/{}/invitations", alice.org), json!({"email": "pending@example.com", "role": "admin"}))
                .await,
            201,
        )
        .await;
    Ids {
        org: alice.org,
        event,
        ticket_type: types[0],
        discount: discount["id"].as_i64().unwrap(),
        question: question["id"].as_i64().unwrap(),
        order: orders["orders"][0]["id"].as_i64().unwrap(),
        export: export["id"].as_i64().unwrap(),
        invitation: invitation["id"].as_i64().unwrap(),
        ticket_code: order["tickets"][0]["code"].as_str().unwrap().to_string(),
    }
}

/// Every admin route that names something, with a valid body: (method, path, body, changes?).
fn routes(ids: &Ids) -> Vec<(Method, String, Option<Value>, bool)> {
    let Ids { org, event, ticket_type, discount, question, order, export, invitation, .. } = ids;
    vec![
        (Method::GET, format!("/organisations/{org}/members"), None, false),
        (Method::GET, format!("/organisations/{org}/invitations"), None, false),
        (Method::POST, format!("/organisations/{org}/invitations"), Some(json!({"email": "x@example.com", "role": "viewer"})), true),
        (Method::DELETE, format!("/organisations/{org}/invitations/{invitation}"), None, true),
        (Method::PUT, format!("/organisations/{org}/members/1"), Some(json!({"role": "admin"})), true),
        (Method::DELETE, format!("/organisations/{org}/members/1"), None, true),
        (Method::GET, format!("/organisations/{org}/events"), None, false),
        (Method::POST, format!("/organisations/{org}/events"), Some(event_input("intruder-event")), true),
        (Method::GET, format!("/events/{event}"), None, false),
        (Method::PUT, format!("/events/{event}"), Some(event_input("renamed")), true),
        (Method::POST, format!("/events/{event}/publish"), Some(json!({})), true),
        (Method::POST, format!("/events/{event}/unpublish"), Some(json!({})), true),
        (Method::POST, format!("/events/{event}/ticket-types"), Some(ticket_type_input("Sneaky", "1.00", 5)), true),
        (Method::PUT, format!("/events/{event}/ticket-types/order"), Some(json!({"ids": [ticket_type]})), true),
        (Method::PUT, format!("/ticket-types/{ticket_type}"), Some(ticket_type_input("Renamed", "0", 100)), true),
        (
            Method::POST,
            format!("/events/{event}/discounts"),
            Some(json!({"code": "FREE", "kind": "percent", "amount": "100", "ticket_type_ids": []})),
            true,
        ),
        (
            Method::PUT,
            format!("/discounts/{discount}"),
            Some(json!({"code": "FREE", "kind": "percent", "amount": "100", "ticket_type_ids": []})),
            true,
        ),
        (Method::DELETE, format!("/discounts/{discount}"), None, true),
        (Method::POST, format!("/events/{event}/questions"), Some(json!({"label": "Q", "kind": "text"})), true),
        (Method::PUT, format!("/questions/{question}"), Some(json!({"label": "Q", "kind": "text"})), true),
        (Method::DELETE, format!("/questions/{question}"), None, true),
        (Method::GET, format!("/events/{event}/orders"), None, false),
        (Method::GET, format!("/orders/{order}"), None, false),
        (Method::POST, format!("/orders/{order}/cancel"), Some(json!({})), true),
        (Method::POST, format!("/orders/{order}/resend"), Some(json!({})), true),
        (Method::GET, format!("/events/{event}/dashboard"), None, false),
        (Method::POST, format!("/events/{event}/exports"), Some(json!({})), false),
        (Method::GET, format!("/exports/{export}"), None, false),
        (Method::GET, format!("/exports/{export}/csv"), None, false),
        (Method::POST, format!("/events/{event}/check-ins"), Some(json!({"code": ids.ticket_code})), false),
    ]
}

async fn other_organisations_get_404_on_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let mallory = Organiser::sign_up(&app, "Mallory").await;
    let ids = alices_world(&app, &alice).await;
    for (method, path, body, _) in routes(&ids) {
        let response = mallory.send(method.clone(), &path, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 404, "{method} {path} must be hidden from another organisation: {text}");
        assert!(!text.contains("Alice") && !text.contains("alices-gig"), "{method} {path} leaked: {text}");
    }
    // Nothing changed: Alice's event, order and ticket are as she left them.
    let event = alice.expect(alice.get(&format!("/events/{}", ids.event)).await, 200).await;
    assert_eq!(event["slug"], "alices-gig");
    assert_eq!(event["published"], true);
    assert_eq!(event["ticket_types"][0]["name"], "Standing");
    assert_eq!(event["discounts"].as_array().unwrap().len(), 1);
    assert_eq!(event["questions"].as_array().unwrap().len(), 1);
    let order = alice.expect(alice.get(&format!("/orders/{}", ids.order)).await, 200).await;
    assert_eq!(order["status"], "awaiting_payment");
    assert!(order["tickets"][0]["checked_in_at"].is_null(), "Mallory's check-in must not have counted");
    // And ids that do not exist at all answer the same way.
    let missing = mallory.get("/events/999999").await;
    assert_eq!(missing.status(), 404);
}

async fn viewers_read_but_cannot_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let victor = Organiser::sign_up(&app, "Victor").await;
    alice.invite_and_accept(&app, &victor, "viewer").await;
    let ids = alices_world(&app, &alice).await;
    // The member routes are the owner's: a viewer may list members, not change them.
    for (method, path, body, changes) in routes(&ids) {
        let response = victor.send(method.clone(), &path, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        if changes {
            assert_eq!(status, 403, "a viewer must not be able to {method} {path}: {text}");
            let error: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(error["error"], "forbidden");
        } else {
            assert!(status == 200 || status == 202 || status == 409, "a viewer may {method} {path}, got {status}: {text}");
        }
    }
    let order = alice.expect(alice.get(&format!("/orders/{}", ids.order)).await, 200).await;
    assert_eq!(order["status"], "awaiting_payment", "the viewer's cancel must not have happened");
    let event = alice.expect(alice.get(&format!("/events/{}", ids.event)).await, 200).await;
    assert_eq!(event["published"], true);
    assert_eq!(event["ticket_types"].as_array().unwrap().len(), 1);
}

async fn members_are_managed_by_owners_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let bob = Organiser::sign_up(&app, "Bob").await;
    let members = format!("/organisations/{}/members", alice.org);
    let invitations = format!("/organisations/{}/invitations", alice.org);
    let bad_role = alice.expect(alice.post(&invitations, json!({"email": bob.email, "role": "god"})).await, 422).await;
    assert_eq!(bad_role["field"], "role");
    let bad_email = alice.expect(alice.post(&invitations, json!({"email": "not an address", "role": "admin"})).await, 422).await;
    assert_eq!(bad_email["field"], "email");
    alice.invite_and_accept(&app, &bob, "admin").await;
    alice.expect(alice.post(&invitations, json!({"email": bob.email, "role": "admin"})).await, 409).await;
    // Bob, an admin, runs events but cannot manage members.
    bob.expect(bob.post(&format!("/organisations/{}/events", alice.org), event_input("bobs-work")).await, 201).await;
    bob.expect(bob.put(&format!("{members}/{}", bob.user_id), json!({"role": "owner"})).await, 403).await;
    // The last owner cannot leave or be demoted.
    let last = alice.expect(alice.put(&format!("{members}/{}", alice.user_id), json!({"role": "viewer"})).await, 409).await;
    assert_eq!(last["field"], "role");
    alice.expect(alice.send(Method::DELETE, &format!("{members}/{}", alice.user_id), None).await, 409).await;
    // With a second owner, she can.
    alice.expect(alice.put(&format!("{members}/{}", bob.user_id), json!({"role": "owner"})).await, 200).await;
    alice.expect(alice.put(&format!("{members}/{}", alice.user_id), json!({"role": "viewer"})).await, 200).await;
    let list = bob.expect(bob.get(&members).await, 200).await;
    let roles: Vec<(&str, &str)> =
        list.as_array().unwrap().iter().map(|m| (m["name"].as_str().unwrap(), m["role"].as_str().unwrap())).collect();
    assert_eq!(roles, vec![("Alice", "viewer"), ("Bob", "owner")]);
    // Bob's own organisation is still his alone.
    let session: Value = bob.get("/session").await.json().await.unwrap();
    assert_eq!(session["memberships"].as_array().unwrap().len(), 2);
}
