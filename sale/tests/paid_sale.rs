//! The paid sale end to end, small and bounded: `stampede-sale flash --pay-by-card` with 300 buyers
//! for 40 tickets against a storefront it starts on PostgreSQL (`TEST_DATABASE_URL`, as the server's
//! tests use it) and localstripe (`make localstripe`), then the books read back by this test too.
//!
//! It fails, never skips, when PostgreSQL or localstripe is missing: the simulator exits non-zero.
use sqlx::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CAPACITY: i64 = 40;
/// The whole run, storefront and provider start included; a healthy one takes about 30 s.
const RUN_LIMIT: Duration = Duration::from_secs(180);

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The storefront binary of this checkout, built now so that it is never stale (quick when it is
/// up to date: the test's own build compiled its library already).
fn server_bin() -> PathBuf {
    let sale = Path::new(env!("CARGO_BIN_EXE_stampede-sale"));
    let mut build = Command::new(env!("CARGO"));
    build.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).args([
        "build",
        "--quiet",
        "-p",
        "stampede-server",
        "-p",
        "stampede-sale",
    ]);
    build.args(["--bin", "stampede"]);
    if sale.parent().and_then(Path::file_name).is_some_and(|profile| profile == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo builds the storefront");
    assert!(status.success(), "building the storefront failed");
    sale.with_file_name("stampede")
}

/// The summary line's `key=value` fields.
fn fields(line: &str) -> HashMap<String, String> {
    line.split_whitespace().filter_map(|field| field.split_once('=')).map(|(key, value)| (key.to_string(), value.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_flash_sale_balances_its_money() {
    let server = server_bin();
    let output = tempfile::NamedTempFile::new().unwrap();
    let capacity = CAPACITY.to_string();
    let database_url = admin_url();
    #[rustfmt::skip]
    let args = [
        "flash", "--pay-by-card",
        "--server-bin", server.to_str().unwrap(), "--database-url", &database_url, "--gate", "local",
        "--buyers", "300", "--window-secs", "3", "--capacity", &capacity, "--hold-ttl-secs", "4",
        "--think-ms", "200-800", "--patience-secs", "20", "--poll-ms", "1000", "--max-secs", "60",
        // More of each kind of card than by default, so that every path is taken with few buyers.
        "--declined-share", "0.2", "--three-ds-share", "0.2", "--late-share", "0.2",
        "--keep-db",
    ];
    let started = Instant::now();
    let mut sale = Command::new(env!("CARGO_BIN_EXE_stampede-sale"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(output.reopen().unwrap()))
        .spawn()
        .expect("the simulator starts");
    let database = format!("stampede_sale_{}_1", sale.id());
    let status = loop {
        if let Some(status) = sale.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = sale.kill();
            let _ = sale.wait();
            panic!("the paid sale ran longer than {RUN_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let elapsed = started.elapsed();
    let printed = std::fs::read_to_string(output.path()).unwrap();
    println!("{printed}\n(the run took {:.1} s)", elapsed.as_secs_f64());

    let books = read_books(&database).await;
    assert!(status.success(), "the simulator failed ({status}); PostgreSQL and localstripe are required:\n{printed}");
    let summary = printed.lines().rev().find(|line| line.starts_with("sold=")).expect("the summary line");
    let summary = fields(summary);
    let number = |key: &str| -> i64 {
        summary
            .get(key)
            .unwrap_or_else(|| panic!("{key} is missing from the summary"))
            .parse()
            .unwrap_or_else(|_| panic!("{key} is a number"))
    };
    for key in ["oversold", "5xx", "unpaid_orders", "orphan_payments", "double_charges"] {
        assert_eq!(number(key), 0, "{key} in the summary");
    }
    assert_eq!((number("sold"), number("capacity")), (CAPACITY, CAPACITY), "sold out");
    assert!(number("paid") > 0, "buyers paid");
    assert!(number("declined") + number("three_ds") + number("late") > 0, "declined cards, 3-D Secure and late payers were met");

    // The books as this test reads them, apart from the simulator's audit.
    let books = books.expect("the run's database was kept for the test");
    assert_eq!(books.sold, CAPACITY, "{books:?}");
    assert_eq!(books.orders_not_by_card, 0, "every order was paid by card: {books:?}");
    assert_eq!(books.card_orders, books.ordered_payments, "one succeeded payment per card order: {books:?}");
    assert_eq!(books.succeeded_unsettled, 0, "no payment kept without an order or a refund: {books:?}");
    assert_eq!(books.refunds_short, 0, "every payment settled by a refund refunded in full: {books:?}");
    assert_eq!(books.charged_twice, 0, "no hold charged twice: {books:?}");
    assert_eq!(books.ordered_unpaid, 0, "no order for another amount than was paid: {books:?}");
}

async fn count(db: &mut sqlx::PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(db).await.unwrap_or_else(|err| panic!("{sql}: {err}"))
}

#[derive(Debug)]
struct Books {
    sold: i64,
    card_orders: i64,
    orders_not_by_card: i64,
    ordered_payments: i64,
    succeeded_unsettled: i64,
    refunds_short: i64,
    charged_twice: i64,
    ordered_unpaid: i64,
}

/// The kept database's books (None when the run made none), and the database dropped.
async fn read_books(database: &str) -> Option<Books> {
    let admin_url = admin_url();
    let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /<database>");
    let mut db = sqlx::PgConnection::connect(&format!("{base}/{database}")).await.ok()?;
    let books = Books {
        sold: count(&mut db, "SELECT CAST(COALESCE(SUM(sold), 0) AS BIGINT) FROM ticket_types").await,
        card_orders: count(&mut db, "SELECT COUNT(*) FROM orders WHERE payment = 'card'").await,
        orders_not_by_card: count(&mut db, "SELECT COUNT(*) FROM orders WHERE payment <> 'card'").await,
        ordered_payments: count(&mut db, "SELECT COUNT(*) FROM payments WHERE settlement = 'ordered' AND status = 'succeeded'").await,
        succeeded_unsettled: count(&mut db, "SELECT COUNT(*) FROM payments WHERE status = 'succeeded' AND settlement IS NULL").await,
        refunds_short: count(
            &mut db,
            "SELECT COUNT(*) FROM payments p WHERE p.settlement = 'refunded' AND p.amount_minor <> \
             (SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'failed')",
        )
        .await,
        charged_twice: count(
            &mut db,
            "SELECT COUNT(*) FROM (SELECT hold_id FROM payments WHERE status = 'succeeded' AND settlement = 'ordered' \
             GROUP BY hold_id HAVING COUNT(*) > 1) twice",
        )
        .await,
        ordered_unpaid: count(
            &mut db,
            "SELECT COUNT(*) FROM orders o WHERE o.payment = 'card' AND NOT EXISTS \
             (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded' AND p.amount_minor = o.total_minor)",
        )
        .await,
    };
    let _ = db.close().await;
    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)")).execute(&mut admin).await;
    }
    Some(books)
}
