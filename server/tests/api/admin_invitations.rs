//! Invitations: an owner invites an address and the membership starts only when the address's
//! owner accepts; the answer never tells whether the address has an account. Fails on the main
//! of before throughout: adding a member enrolled an account at once, and told unknown addresses
//! apart ("No one has signed up with this email yet").
use crate::admin_client::{browser, last_mail_to, mail_to, post_from, Organiser, PASSWORD};
use crate::helpers::{on_both_backends, spawn_app, Backend};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    inviting_answers_the_same_for_any_address,
    a_member_starts_when_they_accept,
    an_invitation_is_for_its_address_only,
    signing_up_through_an_invitation_makes_a_member,
    owners_revoke_invitations,
);

/// The parts of an invitation's answer that do not name the address.
fn shape(invitation: &Value) -> Vec<String> {
    let mut keys: Vec<String> = invitation.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys.push(invitation["role"].to_string());
    keys.push(invitation["invited_by"].to_string());
    keys
}

async fn inviting_answers_the_same_for_any_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let bob = Organiser::sign_up(&app, "Bob").await;
    let invitations = format!("/organisations/{}/invitations", alice.org);
    let known = alice.expect(alice.post(&invitations, json!({"email": bob.email, "role": "admin"})).await, 201).await;
    let unknown = alice.expect(alice.post(&invitations, json!({"email": "Nobody-Yet@example.com", "role": "admin"})).await, 201).await;
    assert_eq!(shape(&known), shape(&unknown), "{known} / {unknown}");
    assert_eq!(unknown["email"], "nobody-yet@example.com");
    assert_eq!(known["invited_by"], "Alice");
    // Both got the same kind of email, with a link.
    for address in [bob.email.as_str(), "nobody-yet@example.com"] {
        let mail = last_mail_to(&app, address).await;
        assert_eq!(mail.subject, "Alice invited you to Alice's Events on Stampede");
        assert_eq!(mail.token("/invitation").len(), 32);
    }
    // Pending, not members: the list shows both invitations and Alice alone.
    let pending = alice.expect(alice.get(&invitations).await, 200).await;
    assert_eq!(pending.as_array().unwrap().len(), 2);
    let members = alice.expect(alice.get(&format!("/organisations/{}/members", alice.org)).await, 200).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    let bobs: Value = bob.get("/session").await.json().await.unwrap();
    assert_eq!(bobs["memberships"].as_array().unwrap().len(), 1, "Bob has only his own organisation until he accepts");
    // The old route that enrolled at once is gone.
    let old = alice.post(&format!("/organisations/{}/members", alice.org), json!({"email": bob.email, "role": "admin"})).await;
    assert_eq!(old.status(), 405);
}

async fn a_member_starts_when_they_accept(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let bob = Organiser::sign_up(&app, "Bob").await;
    let invitations = format!("/organisations/{}/invitations", alice.org);
    alice.expect(alice.post(&invitations, json!({"email": bob.email, "role": "viewer"})).await, 201).await;
    let token = last_mail_to(&app, &bob.email).await.token("/invitation");
    // What the link is for, before accepting.
    let details = bob.expect(bob.post("/invitations/lookup", json!({ "token": token })).await, 200).await;
    assert_eq!(details["organisation_name"], "Alice's Events");
    assert_eq!(details["email"], bob.email);
    assert_eq!(details["role"], "viewer");
    assert_eq!(details["invited_by"], "Alice");
    let session = bob.expect(bob.post("/invitations/accept", json!({ "token": token })).await, 200).await;
    let names: Vec<&str> = session["memberships"].as_array().unwrap().iter().map(|m| m["organisation_name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Alice's Events"), "{session}");
    let members = alice.expect(alice.get(&format!("/organisations/{}/members", alice.org)).await, 200).await;
    let roles: Vec<(&str, &str)> =
        members.as_array().unwrap().iter().map(|m| (m["name"].as_str().unwrap(), m["role"].as_str().unwrap())).collect();
    assert_eq!(roles, vec![("Alice", "owner"), ("Bob", "viewer")]);
    assert!(alice.expect(alice.get(&invitations).await, 200).await.as_array().unwrap().is_empty(), "accepted: no longer pending");
    // The link is spent.
    let again = bob.post("/invitations/accept", json!({ "token": token })).await;
    assert_eq!(again.status(), 404);
    // Accepting needs a sign-in.
    let (stranger, csrf) = browser(&app).await;
    let anonymous = post_from(&app, &stranger, &csrf, "/invitations/accept", &json!({ "token": token })).await;
    assert_eq!(anonymous.status(), 401);
}

async fn an_invitation_is_for_its_address_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let bob = Organiser::sign_up(&app, "Bob").await;
    let mallory = Organiser::sign_up(&app, "Mallory").await;
    alice
        .expect(alice.post(&format!("/organisations/{}/invitations", alice.org), json!({"email": bob.email, "role": "admin"})).await, 201)
        .await;
    let token = last_mail_to(&app, &bob.email).await.token("/invitation");
    let refused = mallory.expect(mallory.post("/invitations/accept", json!({ "token": token })).await, 403).await;
    assert!(refused["message"].as_str().unwrap().contains("another email address"), "{refused}");
    // Bob still can.
    bob.expect(bob.post("/invitations/accept", json!({ "token": token })).await, 200).await;
    let mallorys: Value = mallory.get("/session").await.json().await.unwrap();
    assert_eq!(mallorys["memberships"].as_array().unwrap().len(), 1);
}

async fn signing_up_through_an_invitation_makes_a_member(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    alice
        .expect(
            alice.post(&format!("/organisations/{}/invitations", alice.org), json!({"email": "carol@example.com", "role": "admin"})).await,
            201,
        )
        .await;
    let token = last_mail_to(&app, "carol@example.com").await.token("/invitation");
    let (client, csrf) = browser(&app).await;
    let sign_up = |body: Value| {
        let request = client.post(app.url("/admin/api/invitations/signup")).header("x-csrf-token", &csrf);
        async move { request.json(&body).send().await.unwrap() }
    };
    let weak = sign_up(json!({"token": token, "name": "Carol", "password": "password123"})).await;
    assert_eq!(weak.status(), 422);
    let response = sign_up(json!({"token": token, "name": "Carol", "password": PASSWORD})).await;
    assert_eq!(response.status(), 201);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["user"]["email"], "carol@example.com", "the invited address: the link proved it");
    assert_eq!(session["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(session["memberships"][0]["organisation_name"], "Alice's Events");
    assert_eq!(session["memberships"][0]["role"], "admin");
    // Signed in: Carol works on Alice's events at once.
    let carol = Organiser::from_session(&app, client.clone(), &session, "carol@example.com".into());
    carol.expect(carol.get(&format!("/organisations/{}/events", alice.org)).await, 200).await;
    // The link is spent; the address has an account now.
    let (other, other_csrf) = browser(&app).await;
    let again =
        post_from(&app, &other, &other_csrf, "/invitations/signup", &json!({"token": token, "name": "Carol", "password": PASSWORD})).await;
    assert_eq!(again.status(), 404);
    assert_eq!(mail_to(&app, "carol@example.com").await.len(), 1, "no other email was needed");
}

async fn owners_revoke_invitations(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Organiser::sign_up(&app, "Alice").await;
    let invitations = format!("/organisations/{}/invitations", alice.org);
    let first = alice.expect(alice.post(&invitations, json!({"email": "dan@example.com", "role": "viewer"})).await, 201).await;
    let old_token = last_mail_to(&app, "dan@example.com").await.token("/invitation");
    // Inviting again sends a new link and changes the role; the old link no longer works.
    let second = alice.expect(alice.post(&invitations, json!({"email": "dan@example.com", "role": "owner"})).await, 201).await;
    assert_eq!(first["id"], second["id"], "one invitation per address");
    assert_eq!(second["role"], "owner");
    let new_token = last_mail_to(&app, "dan@example.com").await.token("/invitation");
    assert_ne!(old_token, new_token);
    let (client, csrf) = browser(&app).await;
    let lookup = |token: String| {
        let request = client.post(app.url("/admin/api/invitations/lookup")).header("x-csrf-token", &csrf);
        async move { request.json(&json!({ "token": token })).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(lookup(old_token).await, 404);
    assert_eq!(lookup(new_token.clone()).await, 200);
    let id = second["id"].as_i64().unwrap();
    assert_eq!(alice.send(Method::DELETE, &format!("{invitations}/{id}"), None).await.status(), 204);
    assert_eq!(lookup(new_token).await, 404, "revoked");
    assert_eq!(alice.send(Method::DELETE, &format!("{invitations}/{id}"), None).await.status(), 404);
    assert!(alice.expect(alice.get(&invitations).await, 200).await.as_array().unwrap().is_empty());
}
