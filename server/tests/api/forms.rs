//! Buying without the page's script: the event page's and the checkout's plain HTML forms, posted
//! as a browser posts them, answered with a redirect or with the page and its messages.
use crate::helpers::*;
use contract::forms::{waiting_list_field, CHECK_FIELDS_MESSAGE, CHOOSE_TICKETS, ENTER_ACCESS_CODE, JOIN_WAITING_LIST};
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::Value;

on_both_backends!(
    a_buyer_without_script_chooses_reserves_and_orders,
    what_cannot_be_done_comes_back_as_the_page,
    access_codes_and_discounts_by_form,
    cancelling_by_form_puts_the_tickets_back,
    forms_from_elsewhere_are_refused_with_a_page,
    joining_the_waiting_list_by_form,
);

/// A browser that shows redirects instead of following them, so the tests see each answer.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(std::time::Duration::from_secs(30)).build().unwrap()
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    browser()
        .post(app.url(path))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(body)
        .send()
        .await
        .expect("POST form")
}

/// The page a form came back to: its status, the data it hydrates with (with its kind as `kind`),
/// and its HTML.
async fn page(response: reqwest::Response) -> (u16, Value, String) {
    let status = response.status().as_u16();
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "a form is answered with a page");
    let html = response.text().await.unwrap();
    let page = page_data(&html)["page"].as_object().cloned().expect("a page");
    let (kind, mut data) = page.into_iter().next().expect("one kind of page");
    data["kind"] = Value::from(kind);
    (status, data, html)
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "a form that worked is answered with See Other");
    response.headers()[LOCATION].to_str().unwrap().to_string()
}

/// The quantity of a ticket type in the choice an event page came back with (0: none).
fn chosen(data: &Value, id: i64) -> i64 {
    let items = data["choice"]["quantities"].as_array().cloned().unwrap_or_default();
    items.iter().find(|item| item["ticket_type_id"] == id).map_or(0, |item| item["quantity"].as_i64().unwrap())
}

fn quantity(id: i64, n: i64) -> (&'static str, String) {
    (Box::leak(format!("quantity.{id}").into_boxed_str()), n.to_string())
}

fn step(value: String) -> (&'static str, String) {
    ("step", value)
}

async fn a_buyer_without_script_chooses_reserves_and_orders(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let id = event.type_ids[0];
    let choice = format!("/e/{}/choice", event.slug);

    // "+" twice and "−" once, each a page load that keeps the choice.
    let (status, data, html) = page(post_form(&app, &choice, &[quantity(id, 0), step(format!("add.{id}"))]).await).await;
    assert_eq!((status, chosen(&data, id)), (200, 1), "{data}");
    assert!(html.contains(&format!("name=\"quantity.{id}\" value=\"1\"")), "the page's form carries the choice on");
    let (_, data, _) = page(post_form(&app, &choice, &[quantity(id, 1), step(format!("add.{id}"))]).await).await;
    assert_eq!(chosen(&data, id), 2);
    let (_, data, _) = page(post_form(&app, &choice, &[quantity(id, 2), step(format!("remove.{id}"))]).await).await;
    assert_eq!(chosen(&data, id), 1);
    assert_eq!(app.available(&event.slug, id).await, 10, "choosing holds nothing");

    // "Reserve": to checkout, with the browser's token.
    let reserved = post_form(&app, &format!("/e/{}/holds", event.slug), &[quantity(id, 2)]).await;
    let checkout = location(&reserved);
    assert!(checkout.starts_with("/checkout/"), "{checkout}");
    assert!(reserved.headers().get(SET_COOKIE).is_some(), "the first hold gives the browser its token");
    assert_eq!(app.available(&event.slug, id).await, 8);

    // "Place order" with mistakes: every one at its input, what was typed kept.
    let mistakes = [("buyer.name", "Ada".to_string()), ("buyer.email", "not-an-address".into()), ("first-is-buyer", "on".into())];
    let (status, data, html) = page(post_form(&app, &checkout, &mistakes).await).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("value=\"not-an-address\"") && html.contains("name=\"first-is-buyer\" checked"),
        "shown as typed, before any script"
    );
    let draft = &data["draft"];
    assert_eq!(draft["message"], CHECK_FIELDS_MESSAGE);
    let flagged: Vec<&str> = draft["errors"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(flagged, ["attendees[1].email", "attendees[1].name", "buyer.email"], "{draft}");
    assert_eq!(draft["buyer"]["name"], "Ada", "what was typed is kept");

    // Fixed: the order's page. Sent again (a double tap): the same order, not a second one.
    let fixed = [
        ("buyer.name", "Ada".to_string()),
        ("buyer.email", "ada@example.com".into()),
        ("first-is-buyer", "on".into()),
        ("attendees[1].name", "Bob".into()),
        ("attendees[1].email", "bob@example.com".into()),
    ];
    let order_url = location(&post_form(&app, &checkout, &fixed).await);
    assert!(order_url.starts_with("/o/"), "{order_url}");
    assert_eq!(location(&post_form(&app, &checkout, &fixed).await), order_url, "one order per hold");
    let (_, data, _) = page(app.get(&order_url).await).await;
    let tickets = data["order"]["tickets"].as_array().unwrap();
    let names: Vec<&str> = tickets.iter().map(|ticket| ticket["attendee"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ada", "Bob"]);
    assert_eq!(data["order"]["payment"], "offline", "the event takes payment later, and cards are not connected");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM orders").await, 1);
    app.assert_books_balance(&event.slug).await;
}

async fn what_cannot_be_done_comes_back_as_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 3)]).await;
    let id = event.type_ids[0];
    let holds = format!("/e/{}/holds", event.slug);

    let (status, data, _) = page(post_form(&app, &holds, &[quantity(id, 0)]).await).await;
    assert_eq!((status, data["choice"]["message"].as_str()), (422, Some(CHOOSE_TICKETS)));

    // More than is left: the page says so and shows what is left.
    app.hold_ok(&event.slug, &[(id, 2)]).await;
    let (status, data, _) = page(post_form(&app, &holds, &[quantity(id, 3)]).await).await;
    assert_eq!(status, 409);
    assert!(data["choice"]["message"].as_str().unwrap().contains("left"), "{data}");
    assert_eq!(data["snapshot"]["ticket_types"][0]["available"], 1, "what is left now, not as cached");
    assert_eq!(chosen(&data, id), 3, "the choice is kept to change");

    // "+" beyond what is left stays where it is.
    let (_, data, _) =
        page(post_form(&app, &format!("/e/{}/choice", event.slug), &[quantity(id, 1), step(format!("add.{id}"))]).await).await;
    assert!(chosen(&data, id) <= 1, "{data}");

    // A hold that is gone: the checkout says so, and no order is made.
    let hold = app.hold_ok(&event.slug, &[(id, 1)]).await;
    app.client.delete(app.url(&format!("/api/holds/{}", hold.id))).send().await.unwrap();
    let person = [("buyer.name", "Ada".to_string()), ("buyer.email", "ada@example.com".into()), ("first-is-buyer", "on".into())];
    let (status, data, _) = page(post_form(&app, &format!("/checkout/{}", hold.id), &person).await).await;
    assert_eq!(status, 409, "{data}");
    assert!(data["draft"]["message"].as_str().unwrap().contains("cancelled"), "{data}");
    let (status, _, _) = page(post_form(&app, "/checkout/not-a-hold", &person).await).await;
    assert_eq!(status, 404);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM orders").await, 0);
    app.assert_books_balance(&event.slug).await;
}

async fn access_codes_and_discounts_by_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10), TypeSpec::on_sale("Crew", 1_000, 5)]).await;
    let (public, secret) = (event.type_ids[0], event.type_ids[1]);
    app.sql(&format!("UPDATE ticket_types SET access_code = 'CREW-2026' WHERE id = {secret}")).await;
    app.add_discount(&event.slug, DiscountSpec { code: "HALF", kind: "percent", amount: 5_000, ..DiscountSpec::default() }).await;
    let choice = format!("/e/{}/choice", event.slug);

    let (_, data, _) = page(post_form(&app, &choice, &[step("unlock".into()), ("access_code", String::new())]).await).await;
    assert_eq!(data["choice"]["unlock_error"], ENTER_ACCESS_CODE);
    let (_, data, _) = page(post_form(&app, &choice, &[step("unlock".into()), ("access_code", "WRONG".into())]).await).await;
    assert!(data["choice"]["unlock_error"].as_str().unwrap().contains("No tickets match"), "{data}");
    assert!(data["choice"]["unlocked"].is_null());

    let (_, data, html) = page(post_form(&app, &choice, &[step("unlock".into()), ("access_code", "crew-2026".into())]).await).await;
    assert_eq!(data["choice"]["unlocked"][0]["name"], "Crew");
    assert!(html.contains("Unlocked: Crew."));
    // "+" on the unlocked row keeps it unlocked.
    let unlocked = ("unlocked_code", "crew-2026".to_string());
    let (_, data, _) = page(post_form(&app, &choice, &[unlocked.clone(), quantity(secret, 0), step(format!("add.{secret}"))]).await).await;
    assert_eq!(chosen(&data, secret), 1);
    assert_eq!(data["choice"]["unlocked"][0]["id"], secret);

    let reserved = post_form(&app, &format!("/e/{}/holds", event.slug), &[unlocked, quantity(public, 1), quantity(secret, 1)]).await;
    let checkout = location(&reserved);
    let discount = format!("{checkout}/discount");
    let buyer = [("buyer.name", "Ada".to_string()), ("buyer.email", "ada@example.com".into()), ("first-is-buyer", "on".into())];

    let mut typed = buyer.to_vec();
    typed.push(("discount_code", "NOPE".into()));
    let (status, data, _) = page(post_form(&app, &discount, &typed).await).await;
    assert!((400..500).contains(&status), "{status}");
    assert!(data["draft"]["errors"]["discount_code"].is_string(), "{data}");
    assert_eq!(data["draft"]["buyer"]["email"], "ada@example.com", "what was typed is kept");

    typed.pop();
    typed.push(("discount_code", "half".into()));
    let (status, data, html) = page(post_form(&app, &discount, &typed).await).await;
    assert_eq!(status, 200);
    assert_eq!(data["draft"]["applied"]["total_minor"], 1_500, "{data}");
    assert!(html.contains("name=\"applied_discount\" value=\"HALF\""), "the form carries the applied code on");

    let mut ordering = buyer.to_vec();
    ordering.extend([
        ("applied_discount", "HALF".to_string()),
        ("attendees[1].name", "Bob".into()),
        ("attendees[1].email", "bob@example.com".into()),
    ]);
    let order_url = location(&post_form(&app, &checkout, &ordering).await);
    let (_, data, _) = page(app.get(&order_url).await).await;
    assert_eq!((data["order"]["total_minor"].as_i64(), data["order"]["discount_code"].as_str()), (Some(1_500), Some("HALF")));
    app.assert_books_balance(&event.slug).await;
}

async fn cancelling_by_form_puts_the_tickets_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let id = event.type_ids[0];
    let checkout = location(&post_form(&app, &format!("/e/{}/holds", event.slug), &[quantity(id, 4)]).await);
    assert_eq!(app.available(&event.slug, id).await, 6);
    let cancelled = post_form(&app, &format!("{checkout}/cancel"), &[]).await;
    assert_eq!(location(&cancelled), format!("/e/{}", event.slug));
    assert_eq!(app.available(&event.slug, id).await, 10);
    // Again (a second tap): the hold is already over, and the event is still where to go.
    assert_eq!(location(&post_form(&app, &format!("{checkout}/cancel"), &[]).await), format!("/e/{}", event.slug));
    app.assert_books_balance(&event.slug).await;
}

async fn forms_from_elsewhere_are_refused_with_a_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let id = event.type_ids[0];
    let holds = app.url(&format!("/e/{}/holds", event.slug));
    let body = format!("quantity.{id}=2");

    let other_site = browser()
        .post(&holds)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (status, data, _) = page(other_site).await;
    assert_eq!((status, data["kind"].as_str()), (403, Some("problem")));
    assert!(data["message"].as_str().unwrap().contains("another site"), "{data}");

    let json = browser().post(&holds).header(CONTENT_TYPE, "application/json").body("{}").send().await.unwrap();
    let (status, _, _) = page(json).await;
    assert_eq!(status, 415);

    let (status, _, _) = page(post_form(&app, "/e/no-such-event/holds", &[quantity(id, 1)]).await).await;
    assert_eq!(status, 404);
    assert_eq!(app.available(&event.slug, id).await, 10, "nothing was held");
}

async fn joining_the_waiting_list_by_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 1)]).await;
    let id = event.type_ids[0];
    app.hold_ok(&event.slug, &[(id, 1)]).await;
    let join = format!("/e/{}/waiting-list", event.slug);
    let (name, email, how_many) = (waiting_list_field(id, "name"), waiting_list_field(id, "email"), waiting_list_field(id, "quantity"));
    let fields = |address: &str| {
        vec![
            quantity(id, 0),
            (name.as_str(), "Wanda Waiting".to_string()),
            (email.as_str(), address.to_string()),
            (how_many.as_str(), "1".to_string()),
            (JOIN_WAITING_LIST, id.to_string()),
        ]
    };

    // A mistake comes back under the row, with what was typed kept and the list left open.
    let (status, data, html) = page(post_form(&app, &join, &fields("not-an-email")).await).await;
    assert_eq!(status, 422, "{data}");
    let came_back = &data["choice"]["waiting_list"];
    assert!(came_back["error"].as_str().is_some_and(|error| error.contains("email")), "{data}");
    assert_eq!(came_back["request"]["email"], "not-an-email");
    assert!(html.contains(r#"value="not-an-email""#) && html.contains(r#"<details open class="waiting-list">"#), "{html}");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM waiting_list_entries").await, 0);

    // Joined: the place in line, on the page and in the list; joining again keeps the place.
    for _ in 0..2 {
        let (status, data, html) = page(post_form(&app, &join, &fields("wanda@example.com")).await).await;
        assert_eq!(status, 200, "{data}");
        let answer = data["choice"]["waiting_list"]["answer"].as_str().expect("the place in line");
        assert!(answer.starts_with("You are number 1 in line"), "{answer}");
        assert!(html.contains("You are number 1 in line"), "{html}");
    }
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM waiting_list_entries").await, 1);

    // The form without its button says what to do, as a page.
    let (status, _, html) = page(post_form(&app, &join, &[quantity(id, 0)]).await).await;
    assert_eq!(status, 400);
    assert!(html.contains("Choose the sold-out tickets whose waiting list you would like to join."), "{html}");
}
