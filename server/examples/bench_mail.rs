//! The mailer's drain and the tickets' PDF, measured: `make bench-mail` (or
//! `cargo run --release -p stampede-server --example bench_mail -- [EMAILS] [RATE] [CONNECTIONS]`).
//!
//! Starts a real SMTP server (aiosmtpd, `scripts/run-smtp.py`) on a free loopback port and the
//! storefront on an embedded SQLite database with the demo event (137 real orders), queues EMAILS
//! confirmations of those orders (default 10,000), and lets the mailer drain them into the server
//! at RATE per second (default: unlimited, 100,000) over CONNECTIONS (default 4). Each is written
//! as in production: text, HTML, the tickets' PDF and the .ics. Prints the drain's figures, then
//! the PDF's size and render time per ticket.
use stampede::config::Settings;
use stampede::mail::{MailSettings, Mailer};
use stampede::startup::Application;
use stampede::store::{NewEmail, OrderFilter};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| args.get(i).map_or(Ok(default), |arg| arg.parse::<u64>());
    let (emails, rate, connections) = (number(0, 10_000)?, number(1, 100_000)?, number(2, 4)?);

    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut smtp = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/run-smtp.py"))
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir.path().join("received"))
        .stdout(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the SMTP server did not start (make smtp-server installs aiosmtpd)");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let env: HashMap<&str, String> = HashMap::from([
        ("PORT", "0".to_string()),
        ("DATABASE_URL", database),
        ("STAMPEDE_DEMO", "true".to_string()),
        ("SMTP_URL", smtp_url.clone()),
        ("MAIL_FROM", "Stampede <tickets@example.com>".to_string()),
        // The app's own mailer sends the demo's confirmations, then sleeps for the bench.
        ("WORKER_INTERVAL_MS", "3600000".to_string()),
        ("MAIL_RATE_PER_SECOND", "100000".to_string()),
    ]);
    let settings = Settings::from_lookup(|key| env.get(key).cloned())?;
    let app = Application::build(&settings).await?;
    let parts = app.parts();
    let store = parts.store.clone();
    let event = store.event_by_slug(stampede::demo::DEMO_SLUG).await?.ok_or_else(|| anyhow::anyhow!("no demo event"))?;
    let filter = OrderFilter { query: String::new(), cancelled: Some(false), limit: 200, offset: 0 };
    let (_, orders) = store.search_orders(event.id, &filter).await?;
    anyhow::ensure!(!orders.is_empty(), "the demo has no orders");
    tokio::time::sleep(Duration::from_secs(2)).await;
    while store.unsent_email_count().await? > 0 {
        Mailer::new(store.clone(), MailSettings { smtp_url: Some(smtp_url.clone()), ..bench_settings(100_000, 4) }, "http://127.0.0.1")?
            .round()
            .await?;
    }
    let received_before = std::fs::read_dir(dir.path().join("received"))?.count();

    let queued = Instant::now();
    for i in 0..emails as usize {
        let order = &orders[i % orders.len()];
        let subject = format!("Your tickets for {} ({})", event.title, order.reference);
        store.queue_email(&NewEmail::order_confirmation(order.id, &order.buyer_email, subject, stampede::store::now())).await?;
    }
    println!("queued {emails} confirmations in {:.1} s", queued.elapsed().as_secs_f64());

    let settings = MailSettings { smtp_url: Some(smtp_url), ..bench_settings(rate as u32, connections as u32) };
    let mailer = Arc::new(Mailer::new(store.clone(), settings, "http://127.0.0.1")?);
    let started = Instant::now();
    let (mut sent, mut failed) = (0, 0);
    while store.unsent_email_count().await? > 0 {
        let round = mailer.round().await?;
        sent += round.sent;
        failed += round.failed;
        anyhow::ensure!(round.postponed == 0, "the SMTP server went away");
    }
    let seconds = started.elapsed().as_secs_f64();
    let received = std::fs::read_dir(dir.path().join("received"))?.count() - received_before;
    let bytes: u64 =
        std::fs::read_dir(dir.path().join("received"))?.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum();
    let average_tickets = orders.iter().map(|o| o.tickets).sum::<i64>() as f64 / orders.len() as f64;
    println!(
        "mail_drain emails={sent} failed={failed} received={received} seconds={seconds:.1} emails_per_s={:.0} rate_limit={rate} connections={connections} \
         tickets_per_email={average_tickets:.1} average_email_kb={:.1}",
        sent as f64 / seconds,
        bytes as f64 / (received + received_before).max(1) as f64 / 1024.0
    );

    // The PDF alone: orders of one and of ten tickets, many times.
    let token_order = store.order_by_id(orders[0].id).await?.ok_or_else(|| anyhow::anyhow!("order gone"))?;
    for tickets in [1usize, 10] {
        let mut order = token_order.clone();
        order.tickets = std::iter::repeat_n(token_order.tickets[0].clone(), tickets).collect();
        let rounds = 200;
        let started = Instant::now();
        let mut size = 0;
        for _ in 0..rounds {
            size = stampede::documents::tickets_pdf(&event, &order)?.len();
        }
        let per_ticket_ms = started.elapsed().as_secs_f64() * 1000.0 / (rounds * tickets) as f64;
        println!("ticket_pdf tickets={tickets} bytes={size} bytes_per_ticket={} render_ms_per_ticket={per_ticket_ms:.3}", size / tickets);
    }
    let _ = smtp.kill();
    Ok(())
}

fn bench_settings(rate: u32, connections: u32) -> MailSettings {
    MailSettings {
        from: "Stampede <tickets@example.com>".into(),
        rate_per_second: rate.max(1),
        connections: connections.max(1),
        interval: Duration::from_millis(500),
        ..MailSettings::default()
    }
}
