//! The storefront side of the organisers' configuration: secret ticket types behind access codes,
//! discount codes at checkout, and the event's questions. The configuration is written with SQL, as
//! the admin API would.
use crate::helpers::*;
use contract::model::{AnswerInput, DiscountPreview, Hold, HoldRequest, HoldRequestItem, Order, OrderRequest, PaymentMethod};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    secret_types_stay_out_of_what_is_cached,
    an_access_code_unlocks_its_types,
    a_hold_of_a_secret_type_needs_its_code,
    percent_and_fixed_discounts_come_off_the_total,
    a_discount_to_zero_may_be_free,
    refused_discount_codes_say_one_thing,
    a_code_is_used_at_most_max_uses_times_under_concurrency,
    required_questions_must_be_answered,
    answers_are_stored_and_shown,
    bad_extras_get_4xx,
);

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

fn with_code(request: OrderRequest, code: &str) -> OrderRequest {
    OrderRequest { discount_code: Some(code.to_string()), ..request }
}

async fn preview(app: &TestApp, hold: &Hold, code: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/api/holds/{}/discount", hold.id))).query(&[("code", code)]).send().await.unwrap()
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
    let unlock = |slug: &str, code: &str| app.client.get(app.url(&format!("/api/events/{slug}/unlock"))).query(&[("code", code)]).send();

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

async fn percent_and_fixed_discounts_come_off_the_total(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 20), TypeSpec::on_sale("Balcony", 999, 20)]).await;
    let [standing, balcony] = event.type_ids[..] else { panic!() };
    let percent =
        app.add_discount(&event.slug, DiscountSpec { code: "TWELVE", kind: "percent", amount: 1_250, ..Default::default() }).await;
    app.add_discount(
        &event.slug,
        DiscountSpec {
            code: "FIVEOFF",
            kind: "fixed",
            amount: 500,
            max_uses: Some(10),
            expires_at: Some("2100-01-01T00:00:00.000+00:00"),
            ticket_type_ids: &balcony.to_string(),
        },
    )
    .await;

    // 12.5% of €20.00 + 3 × €9.99 = €49.97 is €6.24625: €6.24 off, rounded down.
    let hold = app.hold_ok(&event.slug, &[(standing, 1), (balcony, 3)]).await;
    let response = preview(&app, &hold, " twelve ").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let shown: DiscountPreview = response.json().await.unwrap();
    assert_eq!((shown.code.as_str(), shown.description.as_str()), ("TWELVE", "12.5% off"));
    assert_eq!((shown.subtotal_minor, shown.discount_minor, shown.total_minor), (4_997, 624, 4_373));
    let request = order_request(&["Ada", "Bob", "Cy", "Di"], PaymentMethod::Offline);
    let response = app.order(&hold.id, "percent", &with_code(request.clone(), "twelve")).await;
    assert_eq!(response.status(), 201);
    let order: Order = response.json().await.unwrap();
    assert_eq!((order.total_minor, order.discount_minor, order.discount_code.as_deref()), (4_373, 624, Some("TWELVE")));
    let token = order.url.trim_start_matches("/o/");
    let again: Order = app.get(&format!("/api/orders/{token}")).await.json().await.unwrap();
    assert_eq!(again, order, "read back as written");
    let page = app.get(&order.url).await.text().await.unwrap();
    assert!(page.contains("Discount (TWELVE)") && page.contains("−€6.24") && page.contains("€43.73"), "the order page shows the discount");
    assert_eq!(app.sql_i64(&format!("SELECT uses FROM discount_codes WHERE id = {percent}")).await, 1);
    assert_eq!(app.sql_i64(&format!("SELECT discount_code_id FROM orders WHERE reference = '{}'", order.reference)).await, percent);
    assert_eq!(app.sql_i64(&format!("SELECT discount_minor FROM orders WHERE reference = '{}'", order.reference)).await, 624);
    // The same key again is the same order, and uses the code no more.
    let replay: Order = app.order(&hold.id, "percent", &with_code(request, "twelve")).await.json().await.unwrap();
    assert_eq!(replay, order);
    assert_eq!(app.sql_i64(&format!("SELECT uses FROM discount_codes WHERE id = {percent}")).await, 1);

    // €5.00 off each Balcony ticket (never below its price), nothing off Standing.
    let hold = app.hold_ok(&event.slug, &[(standing, 1), (balcony, 2)]).await;
    let shown: DiscountPreview = preview(&app, &hold, "fiveoff").await.json().await.unwrap();
    assert_eq!((shown.discount_minor, shown.total_minor), (1_000, 3_998 - 1_000));
    assert_eq!(shown.description, "€5.00 off each ticket");
    let order: Order = app
        .order(&hold.id, "fixed", &with_code(order_request(&["Ada", "Bob", "Cy"], PaymentMethod::Offline), "FIVEOFF"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((order.total_minor, order.discount_minor), (2_998, 1_000));
    app.assert_books_balance(&event.slug).await;
}

async fn a_discount_to_zero_may_be_free(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 1_500, 10)]).await;
    app.add_discount(&event.slug, DiscountSpec { code: "CREW", kind: "percent", amount: 10_000, max_uses: Some(5), ..Default::default() })
        .await;
    app.add_discount(&event.slug, DiscountSpec { code: "HUGE", kind: "fixed", amount: 100_000, ..Default::default() }).await;

    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 2)]).await;
    // Without the code the order is not free.
    let refused =
        assert_api_error(app.order(&hold.id, "k0", &order_request(&["A", "B"], PaymentMethod::Free)).await, 422, "validation").await;
    assert_eq!(refused["field"], "payment");
    let order: Order =
        app.order(&hold.id, "k1", &with_code(order_request(&["A", "B"], PaymentMethod::Free), "crew")).await.json().await.unwrap();
    assert_eq!((order.total_minor, order.discount_minor), (0, 3_000));
    assert_eq!(order.status, contract::model::OrderStatus::Confirmed);

    // A fixed amount larger than the price takes the price, not more.
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let shown: DiscountPreview = preview(&app, &hold, "huge").await.json().await.unwrap();
    assert_eq!((shown.discount_minor, shown.total_minor), (1_500, 0));
}

async fn refused_discount_codes_say_one_thing(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 20), TypeSpec::on_sale("Balcony", 1_000, 20)]).await;
    let [standing, balcony] = event.type_ids[..] else { panic!() };
    app.add_discount(
        &event.slug,
        DiscountSpec {
            code: "OLD",
            kind: "percent",
            amount: 1_000,
            expires_at: Some("2020-01-01T00:00:00.000+00:00"),
            ..Default::default()
        },
    )
    .await;
    app.add_discount(&event.slug, DiscountSpec { code: "GONE", kind: "percent", amount: 1_000, max_uses: Some(1), ..Default::default() })
        .await;
    app.sql("UPDATE discount_codes SET uses = 1 WHERE code = 'GONE'").await;
    app.add_discount(
        &event.slug,
        DiscountSpec { code: "BALCONY", kind: "fixed", amount: 100, ticket_type_ids: &balcony.to_string(), ..Default::default() },
    )
    .await;
    let other = app.seed_event(&[TypeSpec::on_sale("Elsewhere", 2_000, 20)]).await;
    app.add_discount(&other.slug, DiscountSpec { code: "ELSEWHERE", kind: "percent", amount: 5_000, ..Default::default() }).await;
    let hold = app.hold_ok(&event.slug, &[(standing, 1)]).await;
    let request = order_request(&["Ada"], PaymentMethod::Offline);

    // One sentence for every code that does not apply, so that refusals cannot tell a guesser
    // which codes exist (expired, used up, for other tickets) and which do not.
    for code in ["nope", "elsewhere", "old", "gone", "balcony"] {
        let says = format!("The discount code \u{201c}{}\u{201d} does not apply to this order.", code.to_uppercase());
        let body = assert_api_error(preview(&app, &hold, code).await, 422, "validation").await;
        assert_eq!(body["field"], "discount_code", "{code}");
        assert!(body["message"].as_str().unwrap().starts_with(&says), "{code}: {body}");
        let body = assert_api_error(app.order(&hold.id, code, &with_code(request.clone(), code)).await, 422, "validation").await;
        assert_eq!(body["field"], "discount_code", "{code}");
        assert!(body["message"].as_str().unwrap().starts_with(&says), "{code}: {body}");
    }
    let blank = assert_api_error(preview(&app, &hold, " ").await, 422, "validation").await;
    assert_eq!(blank["field"], "discount_code");
    // Nothing was written: the hold is live, and orders without the code.
    assert_eq!(app.stock(standing).await.sold, 0);
    let order: Order = app.order(&hold.id, "gone", &request).await.json().await.unwrap();
    assert_eq!((order.total_minor, order.discount_minor, order.discount_code), (2_000, 0, None));
    assert_eq!(app.sql_i64("SELECT uses FROM discount_codes WHERE code = 'GONE'").await, 1);
    // A blank code is no code.
    let hold = app.hold_ok(&event.slug, &[(standing, 1)]).await;
    assert_eq!(app.order(&hold.id, "blank", &with_code(request, "  ")).await.status(), 201);
}

async fn a_code_is_used_at_most_max_uses_times_under_concurrency(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 50)]).await;
    let code_id = app
        .add_discount(&event.slug, DiscountSpec { code: "FIRST3", kind: "fixed", amount: 500, max_uses: Some(3), ..Default::default() })
        .await;
    let mut holds = Vec::new();
    for _ in 0..12 {
        holds.push(app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await);
    }
    let request = with_code(order_request(&["Ada"], PaymentMethod::Offline), "first3");

    let keys: Vec<String> = holds.iter().map(|hold| format!("race-{}", hold.id)).collect();
    let responses = futures::future::join_all(holds.iter().zip(&keys).map(|(hold, key)| app.order(&hold.id, key, &request))).await;

    let mut placed = Vec::new();
    let mut refused = Vec::new();
    for (hold, response) in holds.iter().zip(responses) {
        match response.status().as_u16() {
            201 => placed.push(response.json::<Order>().await.unwrap()),
            _ => {
                let body = assert_api_error(response, 422, "validation").await;
                assert_eq!(body["field"], "discount_code", "{body}");
                refused.push(hold);
            }
        }
    }
    assert_eq!(placed.len(), 3, "a code with max_uses = 3 is used three times, whoever wins");
    assert!(placed.iter().all(|order| order.discount_minor == 500 && order.total_minor == 1_500));
    assert_eq!(app.sql_i64(&format!("SELECT uses FROM discount_codes WHERE id = {code_id}")).await, 3);
    assert_eq!(app.sql_i64(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE discount_code_id = {code_id}")).await, 3);
    // The refused buyers kept their holds and order without the code, with the same key.
    for hold in refused {
        let response = app.order(&hold.id, &format!("race-{}", hold.id), &order_request(&["Ada"], PaymentMethod::Offline)).await;
        assert_eq!(response.status(), 201);
        let order: Order = response.json().await.unwrap();
        assert_eq!(order.total_minor, 2_000);
    }
    let stock = app.stock(event.type_ids[0]).await;
    assert_eq!((stock.sold, stock.held), (12, 0));
    app.assert_books_balance(&event.slug).await;
}

/// An event with a required text question and an optional choice, added out of order.
async fn event_with_questions(app: &TestApp) -> (SeededEvent, i64, i64) {
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2_000, 10)]).await;
    let size = app.add_question(&event.slug, "T-shirt size", "choice", r#"["S", "M", "L"]"#, false, 2).await;
    let badge = app.add_question(&event.slug, "Name on your badge", "text", "[]", true, 1).await;
    (event, badge, size)
}

fn answered(request: OrderRequest, answers: &[(i64, &str)]) -> OrderRequest {
    OrderRequest {
        answers: answers.iter().map(|&(question_id, answer)| AnswerInput { question_id, answer: answer.to_string() }).collect(),
        ..request
    }
}

async fn required_questions_must_be_answered(backend: Backend) {
    let app = spawn_app(backend).await;
    let (event, badge, size) = event_with_questions(&app).await;

    let snapshot: Value = app.get(&format!("/api/events/{}", event.slug)).await.json().await.unwrap();
    let labels: Vec<&str> = snapshot["questions"].as_array().unwrap().iter().map(|q| q["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Name on your badge", "T-shirt size"], "by position");
    assert_eq!(snapshot["questions"][1]["options"], json!(["S", "M", "L"]));
    assert_eq!(snapshot["questions"][0]["required"], true);

    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;
    let checkout = app.get(&format!("/checkout/{}", hold.id)).await.text().await.unwrap();
    assert!(checkout.contains("Name on your badge") && checkout.contains("(required)"), "asked at checkout");
    assert!(checkout.contains("<select") && checkout.contains(">M</option>"), "a choice is a select of its options");
    assert!(checkout.contains(">Discount code</label>") && checkout.contains(">Apply</button>"));

    let request = order_request(&["Ada"], PaymentMethod::Offline);
    for (answers, field) in [
        (vec![], format!("answers.{badge}")),
        (vec![(badge, "   ")], format!("answers.{badge}")),
        (vec![(badge, "Ada"), (size, "XL")], format!("answers.{size}")),
        (vec![(badge, "Ada"), (424_242, "?")], "answers.424242".to_string()),
        (vec![(badge, "Ada"), (badge, "Ada")], format!("answers.{badge}")),
    ] {
        let body = assert_api_error(app.order(&hold.id, "q", &answered(request.clone(), &answers)).await, 422, "validation").await;
        assert_eq!(body["field"], field.as_str(), "{answers:?}: {body}");
    }
    let long = "x".repeat(501);
    let body = assert_api_error(app.order(&hold.id, "q", &answered(request.clone(), &[(badge, &long)])).await, 422, "validation").await;
    assert_eq!(body["field"], format!("answers.{badge}"));
    assert!(body["message"].as_str().unwrap().contains("500"));
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 0, "no order from bad answers");
    // The optional question may be left out.
    assert_eq!(app.order(&hold.id, "q", &answered(request, &[(badge, "Ada")])).await.status(), 201);
}

async fn answers_are_stored_and_shown(backend: Backend) {
    let app = spawn_app(backend).await;
    let (event, badge, size) = event_with_questions(&app).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;

    let request = answered(order_request(&["Ada"], PaymentMethod::Offline), &[(size, " M "), (badge, " Countess Ada ")]);
    let order: Order = app.order(&hold.id, "answers", &request).await.json().await.unwrap();

    let shown: Vec<(i64, &str, &str)> = order.answers.iter().map(|a| (a.question_id, a.label.as_str(), a.answer.as_str())).collect();
    assert_eq!(shown, [(badge, "Name on your badge", "Countess Ada"), (size, "T-shirt size", "M")], "trimmed, in the questions' order");
    // The label is a copy: the answer reads the same after the question is reworded.
    app.sql(&format!("UPDATE questions SET label = 'Badge' WHERE id = {badge}")).await;
    let token = order.url.trim_start_matches("/o/");
    let again: Order = app.get(&format!("/api/orders/{token}")).await.json().await.unwrap();
    assert_eq!(again.answers, order.answers);
    assert_eq!(app.sql_i64(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM order_answers WHERE question_id IN ({badge}, {size})")).await, 2);
    let page = app.get(&order.url).await.text().await.unwrap();
    assert!(page.contains("Your answers") && page.contains("Name on your badge") && page.contains("Countess Ada"));
}

async fn bad_extras_get_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = event_with_secret(&app).await;
    let hold = app.hold_ok(&event.slug, &[(event.type_ids[0], 1)]).await;

    let body = assert_api_error(app.get(&format!("/api/events/{}/unlock", event.slug)).await, 422, "validation").await;
    assert_eq!(body["field"], "code", "a missing code is a blank one");
    let long = "A".repeat(5_000);
    assert_api_error(app.get(&format!("/api/events/{}/unlock?code={long}", event.slug)).await, 422, "validation").await;
    let odd = app.get(&format!("/api/events/{}/unlock?code=%FF%00", event.slug)).await;
    assert!(odd.status().is_client_error(), "{}", odd.status());
    assert_api_error(app.get("/api/holds/not-a-hold/discount?code=X").await, 404, "not_found").await;
    assert_api_error(app.get(&format!("/api/holds/{}/discount?code={long}", hold.id)).await, 422, "validation").await;
    let path = format!("/api/holds/{}/order", hold.id);
    let send = |body: Value| {
        let request = app.client.post(app.url(&path)).header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
        async move { request.json(&body).send().await.unwrap() }
    };
    let good = json!({"buyer": {"name": "Ada", "email": "ada@example.com"}, "attendees": [{"name": "Ada", "email": "ada@example.com"}], "payment": "offline"});
    for (key, value) in
        [("discount_code", json!(5)), ("answers", json!("yes")), ("answers", json!([{"question_id": "one", "answer": "x"}]))]
    {
        let mut body = good.clone();
        body[key] = value;
        assert_api_error(send(body).await, 422, "validation").await;
    }
    let mut body = good.clone();
    body["discount_code"] = json!(long);
    let refused = assert_api_error(send(body).await, 422, "validation").await;
    assert_eq!(refused["field"], "discount_code");
    let bad_code = assert_api_error(
        app.post_json(
            &format!("/api/events/{}/holds", event.slug),
            &json!({"items": [{"ticket_type_id": event.type_ids[1], "quantity": 1}], "access_code": 7}),
        )
        .await,
        422,
        "validation",
    )
    .await;
    assert!(bad_code["message"].as_str().unwrap().contains("access_code"), "{bad_code}");
    assert_eq!(app.stock(event.type_ids[0]).await.sold, 0);
}
