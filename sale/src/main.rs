//! The sale simulator: an on-sale against a Stampede storefront, then an audit of its books.
//!
//! Policy: traffic goes to 127.0.0.1 only (a target elsewhere is refused); every run is bounded
//! in buyers and in time (`--max-secs`); arrivals are open loop, each buyer spawned at their time
//! whatever the storefront is doing; latency is measured from when a buyer meant to send a
//! request, including any wait for a connection, so queueing is not hidden. After the buyers, the
//! books are read from the database and checked: nothing oversold, every ticket in an order, no
//! live hold past its TTL, counters equal to the rows they count. Any oversell, any 5xx, any
//! disagreement, or (flash sale) anything but a sell-out, fails the run.
//!
//! Why not goose: goose's users are closed loop, each waiting for its response before its next
//! request and looping over its scenario, and its hatch rate ramps users up rather than
//! scheduling one-shot journeys on a spike; an on-sale is the opposite shape (open-loop arrivals,
//! one journey each, think time, abandonment, retries on refusal), and the check that matters is
//! in the database afterwards. tokio, reqwest and hdrhistogram do that in a few hundred lines.
mod buyers;
mod cli;
mod edge;
mod options;
mod provider;
mod room;
mod stats;
mod storefront;
mod waiting_list;

use buyers::Sale;
use clap::Parser;
use options::{Options, Scenario};
use stampede::store::Audit;
use stats::{Step, Summary};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use storefront::Storefront;

fn main() -> ExitCode {
    // Help exits 0; a mistake on the command line prints why and exits 2.
    let options = Options::from_cli(cli::Cli::parse()).unwrap_or_else(|err| err.exit());
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("sale-buyer").enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        tokio::select! {
            code = simulate(&options) => code,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted; the storefront is stopped");
                ExitCode::from(130)
            }
        }
    })
}

async fn simulate(options: &Options) -> ExitCode {
    let main = match run_sale(options, &options.gate, &[], 1).await {
        Ok(result) => result,
        Err(err) => {
            eprintln!("the sale could not run: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = !main.failures.is_empty();
    let mut lines = Vec::new();
    if options.baseline {
        // The database alone: no gate, and one transaction per hold.
        let baseline_env = [("BATCH_MAX".to_string(), "1".to_string())];
        match run_sale(options, "off", &baseline_env, 2).await {
            Ok(baseline) => {
                // The database path sheds what it cannot take with fast 503s: that is the baseline
                // being measured, not a failure. Its books must balance all the same.
                failed |= baseline.audit.oversold() > 0 || !baseline.audit.problems().is_empty();
                lines.push(format!(
                    "baseline (gate off, one transaction per hold; its 5xx are the database path shedding load): {}",
                    baseline.line(options)
                ));
                lines.push(ratio_line(&main, &baseline));
            }
            Err(err) => {
                eprintln!("the baseline could not run: {err:#}");
                failed = true;
            }
        }
    }
    println!();
    for line in &lines {
        println!("{line}");
    }
    println!("{}", main.line(options));
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

struct RunResult {
    summary: Summary,
    audit: Audit,
    peak_buyers: usize,
    failures: Vec<String>,
    /// How the card payments ended (`--pay-by-card`).
    cards: Option<CardSummary>,
    /// What reached the waiting list (`--waiting-list`).
    list: Option<waiting_list::ListReport>,
    /// What the waiting room answered, and what reached the origin (`--through-edge`).
    room: Option<(room::RoomReport, std::collections::BTreeMap<String, u64>)>,
}

/// What the buyers saw of their card payments.
struct CardSummary {
    /// `paid=... declined=... three_ds=... late=... refunded=...`
    tally: String,
    /// Orders made by card payments per second.
    orders_per_s: f64,
    /// localstripe's time to create and confirm an intent, inside the storefront's `.../payment`.
    provider_p50_ms: f64,
    provider_p99_ms: f64,
}

impl RunResult {
    fn step(&self, step: Step) -> (f64, f64) {
        self.summary.step(step).map_or((0.0, 0.0), |s| (s.per_second, s.p99_ms))
    }

    /// The one-line summary.
    fn line(&self, options: &Options) -> String {
        let (holds_per_s, hold_p99) = self.step(Step::Hold);
        let (_, refusal_p99) = self.step(Step::HoldRefused);
        let (mut orders_per_s, order_p99) = self.step(Step::Order);
        if let Some(cards) = &self.cards {
            // Paying buyers order through their payment.
            orders_per_s = cards.orders_per_s;
        }
        let mut line = format!(
            "sold={} capacity={} oversold={} 5xx={} holds_per_s={:.0} hold_p99_ms={:.1} refusal_p99_ms={:.1} orders_per_s={:.0} order_p99_ms={:.1}",
            self.audit.sold(),
            self.audit.capacity(),
            self.audit.oversold(),
            self.summary.errors_5xx,
            holds_per_s,
            hold_p99,
            refusal_p99,
            orders_per_s,
            order_p99
        );
        if options.scenario == Scenario::Ample {
            line.push_str(&format!(" peak_buyers={}", self.peak_buyers));
        }
        if let Some(cards) = &self.cards {
            let money = &self.audit.money;
            let payment = self.summary.step(Step::Payment);
            let (payments_per_s, payment_p50, payment_p99) = payment.map_or((0.0, 0.0, 0.0), |s| (s.per_second, s.p50_ms, s.p99_ms));
            let (_, return_p99) = self.step(Step::PaymentReturn);
            let (_, browser_p99) = self.step(Step::Provider);
            line.push_str(&format!(
                " unpaid_orders={} orphan_payments={} double_charges={} payments_per_s={payments_per_s:.0} payment_p50_ms={payment_p50:.1} \
                 payment_p99_ms={payment_p99:.1} provider_p50_ms={:.1} provider_p99_ms={:.1} return_p99_ms={return_p99:.1} \
                 browser_provider_p99_ms={browser_p99:.1} {}",
                money.unpaid_orders,
                money.orphan_payments,
                money.double_charges,
                cards.provider_p50_ms,
                cards.provider_p99_ms,
                cards.tally
            ));
        }
        if let Some(list) = &self.list {
            let list_audit = &self.audit.waiting_list;
            line.push_str(&format!(
                " {} offers_out_of_order={} offers_astray={} idle_while_waiting={}",
                list.line(),
                list_audit.out_of_order,
                list_audit.offers_astray,
                list_audit.idle_while_waiting
            ));
        }
        if let Some((report, origin)) = &self.room {
            let count = |route: &str| origin.get(route).copied().unwrap_or(0);
            let total: u64 = origin.values().sum();
            const HOLDS: &str = "/api/events/{slug}/holds";
            const ORDERS: &str = "/api/holds/{id}/order";
            let (holds, orders) = (count(HOLDS), count(ORDERS));
            let queue = |step: Step| self.summary.step(step).map_or((0.0, 0.0, 0), |s| (s.p50_ms, s.p99_ms, s.count));
            let (_, poll_p99, polls) = queue(Step::QueuePoll);
            let (wait_p50, wait_p99, _) = queue(Step::QueueWait);
            let (_, told_p99, _) = queue(Step::SoldOutTold);
            line.push_str(&format!(
                " origin_requests={total} origin_holds={holds} origin_orders={orders} origin_other={} queue_polls={polls} \
                 queue_poll_p99_ms={poll_p99:.1} queue_wait_p50_ms={wait_p50:.0} queue_wait_p99_ms={wait_p99:.0} \
                 sold_out_told_p99_ms={told_p99:.1} {} origin_other_by_route={}",
                total - holds - orders,
                report.line(),
                origin
                    .iter()
                    .filter(|(route, count)| **count > 0 && ![HOLDS, ORDERS].contains(&route.as_str()))
                    .map(|(route, count)| format!("{route}:{count}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        if !self.failures.is_empty() {
            line.push_str(" FAILED");
        }
        line
    }
}

fn ratio_line(main: &RunResult, baseline: &RunResult) -> String {
    let ratio = |a: f64, b: f64| if b > 0.0 { format!("{:.2}", a / b) } else { "n/a".into() };
    let (holds, hold_p99) = main.step(Step::Hold);
    let (base_holds, base_hold_p99) = baseline.step(Step::Hold);
    let (_, refusal_p99) = main.step(Step::HoldRefused);
    let (_, base_refusal_p99) = baseline.step(Step::HoldRefused);
    let (orders, _) = main.step(Step::Order);
    let (base_orders, _) = baseline.step(Step::Order);
    format!(
        "ratio (gate / baseline, above 1 for rates and below 1 for latencies is better): holds_per_s={} hold_p99={} refusal_p99={} orders_per_s={}",
        ratio(holds, base_holds),
        ratio(hold_p99, base_hold_p99),
        ratio(refusal_p99, base_refusal_p99),
        ratio(orders, base_orders)
    )
}

async fn run_sale(options: &Options, gate: &str, extra_env: &[(String, String)], run: usize) -> anyhow::Result<RunResult> {
    let buyers = options.total_buyers();
    match options.scenario {
        Scenario::Flash => println!(
            "== flash sale: {buyers} buyers within {:.0} s for {} tickets; gate {gate}; holds last {} s",
            options.window.as_secs_f64(),
            options.capacity,
            options.hold_ttl_secs
        ),
        Scenario::Ample => println!(
            "== ample stock: {:.0} buyers/s for {:.0} s ({buyers} buyers); gate {gate}",
            options.rate,
            options.duration.as_secs_f64()
        ),
    }
    let mut storefront = Storefront::start(options, gate, extra_env, run).await?;
    if let Some(log) = &storefront.log_path {
        println!("   storefront at {} (log: {})", storefront.base_url, log.display());
    }
    let result = sell(options, &storefront).await;
    if options.keep_db {
        storefront.keep_database();
    }
    storefront.stop().await;
    result
}

async fn sell(options: &Options, storefront: &Storefront) -> anyhow::Result<RunResult> {
    let provider = storefront.stripe.as_ref().map(|stripe| stripe.browser());
    if let (Some(provider), Some(shares)) = (&provider, options.cards) {
        // As Stripe.js makes them in the buyers' browsers before they pay: the provider's time,
        // kept out of the sale (a pool that runs dry is refilled during it, recorded apart).
        let (made, took) = provider.make_cards(&buyers::cards_wanted(options, shares)).await?;
        println!("   {made} cards made at the provider before the sale in {:.1} s (localstripe's time)", took.as_secs_f64());
    }
    // Through the edge, the earliest buyers arrive before the on-sale moment (the pre-queue).
    let early = options.edge.map_or(Duration::ZERO, |plan| plan.early);
    let event = storefront.seed(options, Duration::from_secs(2) + early).await?;
    let edge = match options.edge {
        Some(_) => {
            let edge = edge::Edge::start(&storefront.base_url).await?;
            println!("   edge at {} (log: {})", edge.base_url, edge.log_path.display());
            Some(edge)
        }
        None => None,
    };
    let origin_before = match &edge {
        Some(_) => Some(edge::origin_requests(&storefront.base_url).await?),
        None => None,
    };
    let until_on_sale = (event.on_sale_at - chrono::Utc::now()).to_std().unwrap_or_default();
    let deadline = Instant::now() + until_on_sale + options.max_run;
    let buyers_url = edge.as_ref().map_or_else(|| storefront.base_url.clone(), |edge| edge.base_url.clone());
    let sale = Arc::new(Sale::new(buyers_url, event.slug.clone(), event.ticket_type_id, options.clone(), deadline, provider)?);
    // The people on the waiting list read their email throughout, and buy what they are offered.
    let mailbox = storefront.mail_dir.as_ref().map(|dir| Arc::new(waiting_list::Mailbox::new(dir.path().to_path_buf())));
    let reading = mailbox.clone().map(|mailbox| tokio::spawn(mailbox.watch(sale.clone())));
    let started = Instant::now() + until_on_sale;
    buyers::run(sale.clone(), tokio::time::Instant::now() + until_on_sale - early, buyers::schedule(options)).await;
    let selling = started.elapsed();
    let (mut audit, settling) = storefront.settled_audit(event.id, Duration::from_secs(options.hold_ttl_secs)).await?;
    let mut list = None;
    if let (Some(plan), Some(mailbox)) = (options.waiting_list, &mailbox) {
        println!(
            "   {} buyers joined the waiting list; the organiser cancels {} orders",
            sale.joined.load(Ordering::Relaxed),
            plan.cancellations
        );
        let report = waiting_list::cancellations(
            &sale,
            &storefront.store,
            event.id,
            (&event.organiser.0, &event.organiser.1),
            mailbox,
            plan.cancellations,
        )
        .await?;
        audit = storefront.settled_audit(event.id, Duration::from_secs(options.hold_ttl_secs)).await?.0;
        list = Some(report);
    }
    if let Some(reading) = reading {
        reading.abort();
    }

    let summary = sale.recorder.summary();
    let room = match origin_before {
        Some(before) => {
            let after = edge::origin_requests(&storefront.base_url).await?;
            let report = room::report(&sale, options.total_buyers(), started);
            Some((report, edge::difference(&before, &after)))
        }
        None => None,
    };
    drop(edge);
    let peak_buyers = sale.peak_active.load(Ordering::Relaxed);
    println!(
        "   buyers done in {:.1} s (peak {peak_buyers} at once); holds settled {:.1} s later",
        selling.as_secs_f64(),
        settling.as_secs_f64()
    );
    summary.print();
    if let Some(list) = &list {
        println!("   waiting list: {}", list.line());
    }
    if let Some(stripe) = &storefront.stripe {
        println!(
            "   the storefront's calls to localstripe, timed at the simulator's proxy (the provider's time, inside the card steps above):"
        );
        stripe.origin_calls.summary().print();
    }
    println!(
        "   books: capacity {} sold {} held {} tickets {} orders {} oversold {}",
        audit.capacity(),
        audit.sold(),
        audit.held(),
        audit.types.iter().map(|t| t.tickets).sum::<i64>(),
        audit.orders,
        audit.oversold()
    );
    let mut failures = audit.problems();
    if audit.oversold() > 0 {
        failures.push(format!("OVERSOLD by {}", audit.oversold()));
    }
    if summary.errors_5xx > 0 {
        failures.push(format!("{} responses were 5xx, timeouts or network errors", summary.errors_5xx));
    }
    if audit.held() > 0 {
        failures.push(format!("{} tickets still held after every hold should have settled", audit.held()));
    }
    // With people on the list, tickets may stay kept for nobody only when the next person asks for
    // more than there are: `Audit::problems` checks that (idle_while_waiting).
    if options.scenario == Scenario::Flash && audit.sold() != audit.capacity() && audit.waiting_list.waiting == 0 {
        failures.push(format!(
            "sold {} of {}: buyers were still waiting when stock came back, yet it was not sold",
            audit.sold(),
            audit.capacity()
        ));
    }
    if let Some(list) = &list {
        failures.extend(list.failures.iter().cloned());
    }
    if let Some((report, origin)) = &room {
        println!("   reached the origin: {origin:?}");
        if report.unanswered > 0 {
            failures.push(format!("{} buyers were neither let in nor told it was sold out", report.unanswered));
        }
        if report.out_of_turn > 0 {
            failures.push(format!("{} pairs of buyers were let in against their places in line", report.out_of_turn));
        }
    }
    for failure in &failures {
        println!("   FAIL: {failure}");
    }
    let cards = options.cards.map(|_| {
        let intents = storefront.stripe.as_ref().and_then(|stripe| stripe.origin_calls.summary().step(Step::OriginIntent).cloned());
        CardSummary {
            tally: sale.cards.line(),
            orders_per_s: sale.cards.orders_per_second(),
            provider_p50_ms: intents.as_ref().map_or(0.0, |s| s.p50_ms),
            provider_p99_ms: intents.as_ref().map_or(0.0, |s| s.p99_ms),
        }
    });
    if let Some(cards) = &cards {
        let money = &audit.money;
        println!(
            "   money: {}; succeeded payments {}, orphan {}, refunds missing {}, unpaid card orders {}, double charges {}",
            cards.tally, money.succeeded, money.orphan_payments, money.refunds_missing, money.unpaid_orders, money.double_charges
        );
        println!(
            "   times: payment_* is the storefront's answer to .../payment, its call to localstripe included; provider_* is that call \
             alone (create and confirm the intent), localstripe's time, not Stampede's; return_* is the answer to .../payment/complete; \
             browser_provider_* is the buyers' own calls to localstripe (3-D Secure, cards made during the sale)"
        );
    }
    Ok(RunResult { summary, audit, peak_buyers, failures, cards, list, room })
}
