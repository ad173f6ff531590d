//! Email that arrives, through a real SMTP server (aiosmtpd) each test starts on its own port:
//! the confirmation with its tickets as a PDF (opened with pdftotext) and the event as an .ics,
//! the relay down for a while and back (nothing lost, no try counted), a relay refusing a message
//! (retried, then marked failed on the order's page in the admin), the order page's downloads.
use crate::admin_client::Organiser;
use crate::helpers::*;
use crate::redis_process::free_port;
use crate::smtp_process::SmtpServer;
use contract::model::{OrderRequest, PaymentMethod, Person};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use std::time::Duration;

on_both_backends!(
    a_confirmation_arrives_with_its_tickets_and_calendar,
    the_relay_down_for_a_while_loses_nothing,
    a_refused_message_is_retried_then_marked_failed,
);

const PUBLIC_URL: &str = "https://tickets.example.com";

fn mailing_to(url: &str) -> AppOptions {
    AppOptions::default()
        .with_env("SMTP_URL", url)
        .with_env("MAIL_FROM", "Stampede Tickets <tickets@example.com>")
        .with_env("PUBLIC_URL", PUBLIC_URL)
        .with_env("MAIL_TIMEOUT_MS", "2000")
}

fn order_for(buyer_email: &str, attendees: &[&str]) -> OrderRequest {
    let mut request = order_request(attendees, PaymentMethod::Offline);
    request.buyer = Person { name: "Zoë <Ada> & co".into(), email: buyer_email.into() };
    request
}

/// Orders through the API; the order's JSON.
async fn order(app: &TestApp, slug: &str, ticket_type: i64, key: &str, request: &OrderRequest) -> Value {
    let hold = app.hold_ok(slug, &[(ticket_type, request.attendees.len() as i64)]).await;
    let response = app.order(&hold.id, key, request).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// The text pdftotext reads from a PDF.
fn pdf_text(pdf: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) opens the tickets: `make tools-test` installs it");
    assert!(output.status.success(), "pdftotext could not open the PDF: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// An .ics as content lines, unfolded (RFC 5545 3.1).
fn ics_lines(ics: &str) -> Vec<String> {
    assert!(!ics.replace("\r\n", "").contains('\n'), "lines end in CRLF");
    ics.replace("\r\n ", "").split("\r\n").filter(|line| !line.is_empty()).map(str::to_string).collect()
}

async fn a_confirmation_arrives_with_its_tickets_and_calendar(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(backend, mailing_to(&smtp.url())).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2000, 10)]).await;
    let placed = order(&app, &event.slug, event.type_ids[0], "mail-1", &order_for("zoe@example.com", &["Grace Hopper", "Zoë Ünal"])).await;
    let reference = placed["reference"].as_str().unwrap().to_string();
    let codes: Vec<String> = placed["tickets"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap().to_string()).collect();

    wait_until("the confirmation reaches the SMTP server", Duration::from_secs(30), || async { !smtp.messages().is_empty() }).await;
    let raw = smtp.messages().remove(0);
    let mail = MessageParser::default().parse(&raw[..]).expect("the email parses");
    assert_eq!(mail.subject(), Some(format!("Your tickets for Test Night ({reference})").as_str()));
    assert_eq!(mail.from().and_then(|from| from.first()).and_then(|from| from.address()), Some("tickets@example.com"));
    assert_eq!(mail.to().and_then(|to| to.first()).and_then(|to| to.address()), Some("zoe@example.com"));
    let text = mail.body_text(0).expect("a plain text part").to_string();
    let order_url = format!("{PUBLIC_URL}{}", placed["url"].as_str().unwrap());
    assert!(text.contains(&order_url), "a link back to the order page: {text}");
    assert!(text.contains("Zoë <Ada> & co") && text.contains(&codes[0]) && text.contains("Europe/Amsterdam"), "{text}");
    let html = mail.body_html(0).expect("an HTML part").to_string();
    assert!(html.contains("Zoë &lt;Ada&gt; &amp; co") && !html.contains("<Ada>"), "what people typed is escaped: {html}");
    assert!(html.contains(&format!("<a href=\"{order_url}\">")), "{html}");

    let attachments: Vec<_> = mail.attachments().collect();
    assert_eq!(attachments.len(), 2, "the tickets and the calendar");
    let pdf = attachments.iter().find(|part| part.content_type().is_some_and(|t| t.subtype() == Some("pdf"))).expect("a PDF");
    assert!(pdf.attachment_name().is_some_and(|name| name.ends_with(".pdf")));
    let printed = pdf_text(pdf.contents());
    for expected in
        ["Test Night", "Test Hall", "Standing", "Grace Hopper", "Zoë Ünal", &codes[0], &codes[1], &reference, "Europe/Amsterdam"]
    {
        assert!(printed.contains(expected), "the PDF shows {expected:?}: {printed}");
    }
    assert_eq!(printed.matches('\u{c}').count(), 2, "a page per ticket: {printed:?}");
    let ics = attachments.iter().find(|part| part.content_type().is_some_and(|t| t.subtype() == Some("calendar"))).expect("an .ics");
    let lines = ics_lines(std::str::from_utf8(ics.contents()).unwrap());
    let starts_at = app.store().event_by_slug(&event.slug).await.unwrap().unwrap().starts_at;
    assert!(lines.contains(&format!("DTSTART:{}", starts_at.format("%Y%m%dT%H%M%SZ"))), "{lines:?}");
    assert!(lines.contains(&"SUMMARY:Test Night".to_string()) && lines.contains(&"LOCATION:Test Hall".to_string()), "{lines:?}");
    assert!(lines.contains(&format!("URL:{order_url}")), "{lines:?}");
    assert_eq!(app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE sent_at IS NOT NULL").await, 1);

    // The order page offers the same files.
    let page = app.client.get(format!("{}/tickets.pdf", app.url(placed["url"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "application/pdf");
    assert!(page.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
    assert!(page.headers()["cache-control"].to_str().unwrap().contains("private"));
    assert_eq!(pdf_text(&page.bytes().await.unwrap()), printed);
    let calendar = app.client.get(format!("{}/event.ics", app.url(placed["url"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(calendar.status(), 200);
    assert!(calendar.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let bad = app.client.get(app.url("/o/not-a-token/tickets.pdf")).send().await.unwrap();
    assert_eq!(bad.status(), 404);
}

async fn the_relay_down_for_a_while_loses_nothing(backend: Backend) {
    let port = free_port();
    let app = spawn_app_with(backend, mailing_to(&format!("smtp://127.0.0.1:{port}"))).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Standing", 2000, 10)]).await;
    for i in 0..3 {
        order(&app, &event.slug, event.type_ids[0], &format!("down-{i}"), &order_for(&format!("buyer{i}@example.com"), &["Ada"])).await;
    }
    // The mailer meets no relay and pauses: no email is sent, none is counted as tried.
    wait_until("the mailer finds the relay away", Duration::from_secs(20), || async {
        app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE next_attempt_at IS NOT NULL").await == 3
    })
    .await;
    assert_eq!(app.sql_i64("SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) FROM outbox_emails").await, 0);
    assert_eq!(
        app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL").await,
        0
    );

    let smtp = SmtpServer::start_on(port, None).await;
    wait_until("the relay is back and every email arrives", Duration::from_secs(60), || async { smtp.messages().len() == 3 }).await;
    wait_until("all are marked sent", Duration::from_secs(10), || async {
        app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE sent_at IS NOT NULL").await == 3
    })
    .await;
}

async fn a_refused_message_is_retried_then_marked_failed(backend: Backend) {
    let smtp = SmtpServer::start_on(free_port(), Some("nobody")).await;
    let options = mailing_to(&smtp.url()).with_env("MAIL_MAX_ATTEMPTS", "3").with_env("MAIL_RETRY_BASE_MS", "100");
    let app = spawn_app_with(backend, options).await;
    let owner = Organiser::sign_up(&app, "Olivia").await;
    let (_, types) = owner.published_event("refused-mail", &[("Standing", "20.00", 10)]).await;
    order(&app, "refused-mail", types[0], "refused-1", &order_for("nobody@example.com", &["Ada"])).await;
    order(&app, "refused-mail", types[0], "accepted-1", &order_for("somebody@example.com", &["Grace"])).await;

    wait_until("the refused email is marked failed", Duration::from_secs(30), || async {
        app.sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_emails WHERE failed_at IS NOT NULL").await == 1
    })
    .await;
    assert_eq!(
        app.sql_i64("SELECT CAST(MAX(attempts) AS BIGINT) FROM outbox_emails WHERE failed_at IS NOT NULL").await,
        3,
        "tried three times"
    );
    wait_until("the other arrives", Duration::from_secs(10), || async { smtp.messages().len() == 1 }).await;

    let order_id = app.sql_i64("SELECT id FROM orders WHERE buyer_email = 'nobody@example.com'").await;
    let seen = owner.expect(owner.get(&format!("/orders/{order_id}")).await, 200).await;
    let email = &seen["emails"][0];
    assert_eq!(email["status"], "failed", "the order's page says so: {seen}");
    assert_eq!(email["attempts"], 3);
    assert!(email["last_error"].as_str().unwrap().contains("550"), "with the relay's words: {email}");

    // Resending queues it again, as a new email.
    let resent = owner.expect(owner.post(&format!("/orders/{order_id}/resend"), serde_json::json!({})).await, 200).await;
    assert_eq!(resent["emails"].as_array().unwrap().len(), 2, "{resent}");
    assert_eq!(resent["emails"][0]["status"], "queued");
}
