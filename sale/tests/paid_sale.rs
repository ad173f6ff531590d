//! The paid sale end to end, small and bounded: `stampede-sale flash --pay-by-card` with 300 buyers
//! for 40 tickets against a storefront it starts on PostgreSQL (`TEST_DATABASE_URL`, as the server's
//! tests use it) and localstripe (`make localstripe`), then the books read back by this test too.
//!
//! It fails, never skips, when PostgreSQL or localstripe is missing: the simulator exits non-zero.
mod common;

use common::run_simulator;
use std::time::Duration;

const CAPACITY: i64 = 40;
/// The whole run, storefront and provider start included; a healthy one takes about 30 s.
const RUN_LIMIT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_flash_sale_balances_its_money() {
    let capacity = CAPACITY.to_string();
    #[rustfmt::skip]
    let args = [
        "flash", "--pay-by-card", "--gate", "local",
        "--buyers", "300", "--window-secs", "3", "--capacity", &capacity, "--hold-ttl-secs", "4",
        "--think-ms", "200-800", "--patience-secs", "20", "--poll-ms", "1000", "--max-secs", "60",
        // More of each kind of card than by default, so that every path is taken with few buyers.
        "--declined-share", "0.2", "--three-ds-share", "0.2", "--late-share", "0.2",
        "--keep-db",
    ];
    let mut run = run_simulator(&args, RUN_LIMIT).await;
    assert!(run.status.success(), "the simulator failed ({}); PostgreSQL and localstripe are required:\n{}", run.status, run.printed);
    for key in ["oversold", "5xx", "unpaid_orders", "orphan_payments", "double_charges"] {
        assert_eq!(run.number(key), 0, "{key} in the summary");
    }
    assert_eq!((run.number("sold"), run.number("capacity")), (CAPACITY, CAPACITY), "sold out");
    assert!(run.number("paid") > 0, "buyers paid");
    assert!(
        run.number("declined") + run.number("three_ds") + run.number("late") > 0,
        "declined cards, 3-D Secure and late payers were met"
    );

    // The books as this test reads them, apart from the simulator's audit.
    let sold = run.count("SELECT CAST(COALESCE(SUM(sold), 0) AS BIGINT) FROM ticket_types").await;
    assert_eq!(sold, CAPACITY);
    let card_orders = run.count("SELECT COUNT(*) FROM orders WHERE payment = 'card'").await;
    assert_eq!(run.count("SELECT COUNT(*) FROM orders WHERE payment <> 'card'").await, 0, "every order was paid by card");
    let ordered_payments = run.count("SELECT COUNT(*) FROM payments WHERE settlement = 'ordered' AND status = 'succeeded'").await;
    assert_eq!(card_orders, ordered_payments, "one succeeded payment per card order");
    let unsettled = run.count("SELECT COUNT(*) FROM payments WHERE status = 'succeeded' AND settlement IS NULL").await;
    assert_eq!(unsettled, 0, "no payment kept without an order or a refund");
    let refunds_short = run
        .count(
            "SELECT COUNT(*) FROM payments p WHERE p.settlement = 'refunded' AND p.amount_minor <> \
             (SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r WHERE r.payment_id = p.id AND r.status <> 'failed')",
        )
        .await;
    assert_eq!(refunds_short, 0, "every payment settled by a refund refunded in full");
    let charged_twice = run
        .count(
            "SELECT COUNT(*) FROM (SELECT hold_id FROM payments WHERE status = 'succeeded' AND settlement = 'ordered' \
             GROUP BY hold_id HAVING COUNT(*) > 1) twice",
        )
        .await;
    assert_eq!(charged_twice, 0, "no hold charged twice");
    let ordered_unpaid = run
        .count(
            "SELECT COUNT(*) FROM orders o WHERE o.payment = 'card' AND NOT EXISTS \
             (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'succeeded' AND p.amount_minor = o.total_minor)",
        )
        .await;
    assert_eq!(ordered_unpaid, 0, "no order for another amount than was paid");
}
