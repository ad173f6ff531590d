//! The waiting room, at the origin: an event whose room is on takes holds only with a valid
//! admission for it (forged, expired, another event's or none: 403), one live hold per place in
//! the queue (a second: 409, until the first is released), by header or cookie; an origin without
//! `WAITING_ROOM_KEY` lets no event turn its room on. On both backends.
use crate::admin_client::{event_input, Organiser};
use crate::helpers::*;
use contract::model::{HoldRequest, RoomReport};
use contract::rules::admission::{self, Admission};
use serde_json::json;

on_both_backends!(
    holds_need_an_admission_for_their_event,
    one_place_keeps_one_live_hold,
    no_room_without_the_key,
    the_rooms_rate_is_the_organisers_within_bounds,
    the_organiser_sees_what_the_room_reports,
);

const KEY: &str = "the waiting room's key, shared with the edge";

async fn app_with_room(backend: Backend) -> TestApp {
    spawn_app_with(backend, AppOptions::default().with_env("WAITING_ROOM_KEY", KEY)).await
}

/// An event with one type of 10 tickets on sale, its room turned on by the organiser.
async fn event_with_room(app: &TestApp, slug: &str) -> (i64, i64) {
    let owner = Organiser::sign_up(app, &format!("Owner {slug}")).await;
    let (event_id, types) = owner.published_event(slug, &[("Standing", "20.00", 10)]).await;
    let mut input = event_input(slug);
    input["waiting_room"] = json!(true);
    let event = owner.expect(owner.put(&format!("/events/{event_id}"), input).await, 200).await;
    assert_eq!(event["waiting_room"], true, "{event}");
    (event_id, types[0])
}

fn token(event_id: i64, queue_id: &str, expires_in_secs: i64) -> String {
    let expires_at = chrono::Utc::now().timestamp() + expires_in_secs;
    admission::sign(KEY.as_bytes(), &Admission { event_id, queue_id: queue_id.into(), expires_at })
}

async fn hold_with(app: &TestApp, slug: &str, ticket_type: i64, token: Option<&str>) -> reqwest::Response {
    let request: HoldRequest = serde_json::from_value(json!({"items": [{"ticket_type_id": ticket_type, "quantity": 1}]})).unwrap();
    let mut post = app.client.post(app.url(&format!("/api/events/{slug}/holds"))).json(&request);
    if let Some(token) = token {
        post = post.header(admission::HEADER, token);
    }
    post.send().await.unwrap()
}

/// Fails on the main of before: the origin took any hold, so going around the edge skipped the queue.
async fn holds_need_an_admission_for_their_event(backend: Backend) {
    let app = app_with_room(backend).await;
    let (event_id, standing) = event_with_room(&app, "roomy").await;
    let (other_event, _) = event_with_room(&app, "other-room").await;

    let refused = assert_api_error(hold_with(&app, "roomy", standing, None).await, 403, "forbidden").await;
    assert!(refused["message"].as_str().unwrap().contains("waiting room"), "{refused}");
    let forged = admission::sign(
        b"a key nobody shared with this origin, long enough",
        &Admission { event_id, queue_id: "q1".into(), expires_at: chrono::Utc::now().timestamp() + 600 },
    );
    let expired = token(event_id, "q1", -1);
    let elsewhere = token(other_event, "q1", 600);
    let edited = token(event_id, "q1", 600).replacen(".q1.", ".q2.", 1);
    for (what, bad) in
        [("forged", forged), ("expired", expired), ("another event's", elsewhere), ("edited", edited), ("junk", "junk".into())]
    {
        let body = assert_api_error(hold_with(&app, "roomy", standing, Some(&bad)).await, 403, "forbidden").await;
        assert!(body["message"].as_str().unwrap().contains("queue"), "{what}: {body}");
    }
    assert_eq!(app.stock(standing).await.held, 0, "nothing was held for any of them");

    let admitted = hold_with(&app, "roomy", standing, Some(&token(event_id, "q1", 600))).await;
    assert_eq!(admitted.status(), 201, "{}", admitted.text().await.unwrap());
    assert_eq!(app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM holds WHERE admission_id = 'q1'").await, 1);
    // The cookie the room sets in the browser does as well as the header.
    let cookie = format!("{}={}", admission::COOKIE, token(event_id, "q2", 600));
    let request = json!({"items": [{"ticket_type_id": standing, "quantity": 1}]});
    let by_cookie = app.client.post(app.url("/api/events/roomy/holds")).header("cookie", cookie).json(&request).send().await.unwrap();
    assert_eq!(by_cookie.status(), 201);
    app.assert_books_balance("roomy").await;
}

async fn one_place_keeps_one_live_hold(backend: Backend) {
    let app = app_with_room(backend).await;
    let (event_id, standing) = event_with_room(&app, "once").await;
    let place = token(event_id, "q-once", 600);
    let first: contract::model::Hold = hold_with(&app, "once", standing, Some(&place)).await.json().await.unwrap();
    let again = assert_api_error(hold_with(&app, "once", standing, Some(&place)).await, 409, "conflict").await;
    assert!(again["message"].as_str().unwrap().contains("already have tickets reserved"), "{again}");

    // Ten holds of one place at once: none gets past the first's.
    let tries = (0..10).map(|_| hold_with(&app, "once", standing, Some(&place)));
    for response in futures::future::join_all(tries).await {
        assert_eq!(response.status(), 409);
    }
    // Released, the place may hold again (a buyer who changes their mind).
    assert_eq!(app.client.delete(app.url(&format!("/api/holds/{}", first.id))).send().await.unwrap().status(), 200);
    assert_eq!(hold_with(&app, "once", standing, Some(&place)).await.status(), 201);
    assert_eq!(app.stock(standing).await.held, 1);
    app.assert_books_balance("once").await;
}

async fn no_room_without_the_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, _) = owner.published_event("keyless", &[("Standing", "20.00", 10)]).await;
    let mut input = event_input("keyless");
    input["waiting_room"] = json!(true);
    let body = assert_api_error(owner.put(&format!("/events/{event_id}"), input).await, 422, "validation").await;
    assert_eq!(body["field"], "waiting_room");
    assert!(body["message"].as_str().unwrap().contains("WAITING_ROOM_KEY"), "{body}");
    let event = owner.expect(owner.get(&format!("/events/{event_id}")).await, 200).await;
    assert_eq!(event["waiting_room"], false);
}

async fn the_rooms_rate_is_the_organisers_within_bounds(backend: Backend) {
    let app = app_with_room(backend).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (event_id, _) = owner.published_event("paced", &[("Standing", "20.00", 10)]).await;
    let event = owner.expect(owner.get(&format!("/events/{event_id}")).await, 200).await;
    assert_eq!(
        (event["waiting_room_per_minute"].as_i64(), event["waiting_room_max_active"].as_i64()),
        (Some(3000), Some(1000)),
        "defaults"
    );

    let mut input = event_input("paced");
    input["waiting_room"] = json!(true);
    for (field, bad) in [("waiting_room_per_minute", "0"), ("waiting_room_per_minute", "fast"), ("waiting_room_max_active", "2000000")] {
        let mut wrong = input.clone();
        wrong[field] = json!(bad);
        let body = assert_api_error(owner.put(&format!("/events/{event_id}"), wrong).await, 422, "validation").await;
        assert_eq!(body["field"], field, "{body}");
        assert!(body["message"].as_str().unwrap().contains("whole number"), "{body}");
    }
    input["waiting_room_per_minute"] = json!("600");
    input["waiting_room_max_active"] = json!(" 150 ");
    let event = owner.expect(owner.put(&format!("/events/{event_id}"), input).await, 200).await;
    assert_eq!((event["waiting_room_per_minute"].as_i64(), event["waiting_room_max_active"].as_i64()), (Some(600), Some(150)));
    // The storefront's snapshot carries them, for the edge's room to read.
    let snapshot: serde_json::Value = app.get("/api/events/paced").await.json().await.unwrap();
    assert_eq!((snapshot["waiting_room"].as_bool(), snapshot["waiting_room_per_minute"].as_i64()), (Some(true), Some(600)), "{snapshot}");
}

fn report(in_queue: i64, admitted: i64) -> RoomReport {
    RoomReport { in_queue, admitted, active: 40, estimated_wait_seconds: 90, per_minute_now: 600, sold_out: false }
}

async fn send_report(app: &TestApp, event_id: i64, body: String) -> reqwest::Response {
    app.client.post(app.url(&format!("/api/rooms/{event_id}/report"))).body(body).send().await.unwrap()
}

async fn the_organiser_sees_what_the_room_reports(backend: Backend) {
    let app = app_with_room(backend).await;
    let owner = Organiser::sign_up(&app, "Owner reported").await;
    let (event_id, _) = owner.published_event("reported", &[("Standing", "20.00", 10)]).await;
    let mut input = event_input("reported");
    input["waiting_room"] = json!(true);
    owner.expect(owner.put(&format!("/events/{event_id}"), input).await, 200).await;
    let room_path = format!("/events/{event_id}/room");
    // Before any report: nothing to show; and another organisation's event is not there at all.
    assert_eq!(owner.expect(owner.get(&room_path).await, 200).await, serde_json::Value::Null);
    let stranger = Organiser::sign_up(&app, "Owen").await;
    assert_eq!(stranger.get(&room_path).await.status(), 404);

    // A report the room did not seal is refused, and so is junk or an unknown event.
    let json = serde_json::to_string(&report(120, 10)).unwrap();
    let forged = admission::seal(b"not the room's key, but long enough anyway", &json);
    assert_api_error(send_report(&app, event_id, forged).await, 403, "forbidden").await;
    assert_api_error(send_report(&app, event_id, json.clone()).await, 403, "forbidden").await;
    let junk = admission::seal(KEY.as_bytes(), "not a report");
    assert_api_error(send_report(&app, event_id, junk).await, 400, "bad_request").await;
    let sealed = admission::seal(KEY.as_bytes(), &json);
    assert_api_error(send_report(&app, event_id + 1_000, sealed.clone()).await, 404, "not_found").await;

    let first = send_report(&app, event_id, sealed).await;
    assert_eq!(first.status(), 204, "{}", first.text().await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let later = admission::seal(KEY.as_bytes(), &serde_json::to_string(&report(100, 30)).unwrap());
    assert_eq!(send_report(&app, event_id, later).await.status(), 204);

    let room = owner.expect(owner.get(&room_path).await, 200).await;
    assert_eq!((room["in_queue"].as_i64(), room["admitted"].as_i64(), room["active"].as_i64()), (Some(100), Some(30), Some(40)), "{room}");
    // Twenty let in over a little more than a second: about a thousand a minute.
    let rate = room["admitted_per_minute"].as_i64().unwrap();
    assert!((600..=1_100).contains(&rate), "{room}");
    assert_eq!(room["estimated_wait_seconds"], 90);
}
