//! Nothing that can reach an email header may break its line: event titles and venues, the names
//! of buyers, attendees, users and organisations. One rule (`contract::validate::single_line`),
//! a 422 that names the field.
use crate::admin_client::{event_input, Organiser};
use crate::helpers::{on_both_backends, order_request, spawn_app, Backend};
use contract::model::PaymentMethod;
use serde_json::Value;

on_both_backends!(event_titles_and_venues_are_one_line, buyers_and_attendees_names_are_one_line);

/// Fails on the main of before: a title or venue with CR/LF was stored, and went into subjects.
async fn event_titles_and_venues_are_one_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let path = format!("/organisations/{}/events", organiser.org);
    for (field, value, what) in [
        ("title", "Launch Night\r\nBcc: everyone@example.com", "The event's title"),
        ("title", "Launch\tNight", "The event's title"),
        ("venue", "Paradiso\nAmsterdam", "The venue"),
        ("venue", "Paradiso\u{2028}Amsterdam", "The venue"),
    ] {
        let mut input = event_input("one-line");
        input[field] = Value::from(value);
        let error = organiser.expect(organiser.post(&path, input.clone()).await, 422).await;
        assert_eq!(error["field"], field, "{value:?}");
        let message = error["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{what} cannot contain line breaks")), "{message}");
    }
    // Changing an event is held to it too.
    let event = organiser.create_event("one-line").await;
    let mut input = event_input("one-line");
    input["title"] = Value::from("Renamed\r\nNight");
    let error = organiser.expect(organiser.put(&format!("/events/{}", event["id"]), input).await, 422).await;
    assert_eq!(error["field"], "title");
}

/// Fails on the main of before for the Unicode line separator, which is not a control character.
async fn buyers_and_attendees_names_are_one_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let organiser = Organiser::sign_up(&app, "Ada").await;
    let (_, types) = organiser.published_event("named", &[("GA", "0", 10)]).await;
    let hold = app.hold_ok("named", &[(types[0], 2)]).await;
    let mut request = order_request(&["Grace", "Alan"], PaymentMethod::Free);
    request.buyer.name = "Ada\u{2028}Bcc: everyone@example.com".into();
    let error: Value = app.order(&hold.id, "named-1", &request).await.json().await.unwrap();
    assert_eq!(error["field"], "buyer.name", "{error}");
    assert!(error["message"].as_str().unwrap().contains("line breaks"), "{error}");
    let mut request = order_request(&["Grace", "Alan"], PaymentMethod::Free);
    request.attendees[1].name = "Alan\r\nTuring".into();
    let error: Value = app.order(&hold.id, "named-2", &request).await.json().await.unwrap();
    assert_eq!(error["field"], "attendees[1].name", "{error}");
    let fine = app.order(&hold.id, "named-3", &order_request(&["Grace", "Alan"], PaymentMethod::Free)).await;
    assert_eq!(fine.status(), 201);
}
