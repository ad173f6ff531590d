//! The waiting list in a flash sale, small and bounded: `stampede-sale flash --waiting-list` with
//! 1,000 buyers for 60 tickets on PostgreSQL (`TEST_DATABASE_URL`); buyers who find the tickets gone
//! join the list, offers are bought through the emailed links, then the organiser cancels 20
//! orders. The simulator checks what reached the list; this test reads the kept books too.
//!
//! It fails, never skips, when PostgreSQL is missing: the simulator exits non-zero.
mod common;

use common::run_simulator;
use std::time::Duration;

const CAPACITY: i64 = 60;
/// The whole run, storefront start included; a healthy one takes about 40 s.
const RUN_LIMIT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellations_after_a_sell_out_reach_the_next_in_line_once_each() {
    let capacity = CAPACITY.to_string();
    #[rustfmt::skip]
    let args = [
        "flash", "--waiting-list", "--gate", "local",
        "--buyers", "1000", "--window-secs", "3", "--capacity", &capacity, "--hold-ttl-secs", "4",
        "--think-ms", "200-800", "--patience-secs", "20", "--poll-ms", "1000", "--max-secs", "60",
        "--cancellations", "20", "--keep-db",
    ];
    let mut run = run_simulator(&args, RUN_LIMIT).await;
    assert!(run.status.success(), "the simulator failed ({}); PostgreSQL is required:\n{}", run.status, run.printed);
    for key in
        ["oversold", "5xx", "out_of_line", "emailed_twice", "not_emailed", "emails_astray", "offers_out_of_order", "idle_while_waiting"]
    {
        assert_eq!(run.number(key), 0, "{key} in the summary");
    }
    assert!(run.number("joined_list") > 100, "sold-out buyers joined the list");
    assert_eq!(run.number("cancelled"), 20);
    assert!(run.number("due") > 0, "the cancellations' tickets were due to people on the list");
    assert_eq!(run.number("reached"), run.number("due"), "each of the next in line was reached");

    // The books as this test reads them: every offer bought (some of those orders may be among
    // the organiser's cancellations since), nobody behind a waiting person served, and one offer
    // email per offer in the outbox.
    let offered = run.count("SELECT COUNT(*) FROM waiting_list_entries WHERE state = 'offered'").await;
    let bought =
        run.count("SELECT COUNT(*) FROM waiting_list_entries w JOIN orders o ON o.hold_id = w.hold_id WHERE w.state = 'offered'").await;
    assert!(offered >= run.number("due"), "{offered} offers");
    assert_eq!(bought, offered, "every offer became an order");
    let served_out_of_turn = run
        .count(
            "SELECT COUNT(*) FROM waiting_list_entries o JOIN waiting_list_entries w ON w.ticket_type_id = o.ticket_type_id \
             AND w.state = 'waiting' AND w.id < o.id WHERE o.state = 'offered'",
        )
        .await;
    assert_eq!(served_out_of_turn, 0);
    let offer_emails = run.count("SELECT COUNT(*) FROM outbox_emails WHERE subject LIKE 'Your turn:%'").await;
    assert_eq!(offer_emails, offered, "one offer email per offer");
    let sold = run.count("SELECT CAST(SUM(sold) AS BIGINT) FROM ticket_types").await;
    let tickets = run.count("SELECT COUNT(*) FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.cancelled_at IS NULL").await;
    assert!(sold <= CAPACITY && sold == tickets, "sold {sold}, {tickets} tickets");
}
