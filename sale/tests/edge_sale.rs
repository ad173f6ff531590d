//! The on-sale through the edge, small and bounded: `stampede-sale flash --through-edge` with
//! 1,000 buyers for 60 tickets on PostgreSQL (`TEST_DATABASE_URL`), through the built edge on
//! workerd (`make edge`) with the event's waiting room on, a second of the arrivals before the
//! on-sale. The simulator checks the books and the room's answers; this test checks what reached
//! the origin.
//!
//! It fails, never skips, when PostgreSQL or the built edge is missing: the simulator exits non-zero.
mod common;

use common::run_simulator;
use std::time::Duration;

/// The whole run, storefront and edge start included; a healthy one takes about 30 s.
const RUN_LIMIT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_queue_at_the_edge_and_only_the_admitted_reach_the_origin() {
    #[rustfmt::skip]
    let args = [
        "flash", "--through-edge", "--gate", "local", "--early-secs", "1", "--room-per-minute", "1200",
        "--buyers", "1000", "--window-secs", "3", "--capacity", "60", "--hold-ttl-secs", "4",
        "--think-ms", "200-800", "--patience-secs", "20", "--poll-ms", "1000", "--max-secs", "60", "--keep-db",
    ];
    let mut run = run_simulator(&args, RUN_LIMIT).await;
    assert!(run.status.success(), "the simulator failed ({}); PostgreSQL and `make edge` are required:\n{}", run.status, run.printed);
    for key in ["oversold", "5xx", "unanswered", "out_of_turn"] {
        assert_eq!(run.number(key), 0, "{key} in the summary");
    }
    assert_eq!(run.number("sold"), 60);
    assert_eq!(run.number("admitted") + run.number("told_sold_out"), 1000, "every buyer had an answer");
    // The origin saw the admitted buyers' holds and orders, and the edge's own few reads: not the
    // thousands of polls, which the edge answered.
    let admitted = run.number("admitted");
    assert!(run.number("origin_holds") <= admitted * 3, "{}", run.printed);
    assert!(run.number("origin_orders") <= admitted * 2, "{}", run.printed);
    assert!(run.number("queue_polls") > 2_000, "{}", run.printed);
    assert!(run.number("origin_other") < 400, "{}", run.printed);
    // Every hold the origin took came through the room: each carries its admission.
    assert_eq!(run.count("SELECT COUNT(*) FROM holds WHERE admission_id IS NULL").await, 0);
    assert!(run.count("SELECT COUNT(*) FROM holds").await > 0);
}
