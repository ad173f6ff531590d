//! Chaos: Redis flushed, restarted, failed over or absent in the middle of a sale. Each test
//! starts its own redis-server processes (and sentinels) on free loopback ports and kills them;
//! the machine's shared Redis and PostgreSQL are never touched. Bounded: a few hundred buyers.
//!
//! What must hold whatever Redis does: nothing oversold, no order lost (every 201 is in the
//! database), no 500, and sales go on: on the database path while Redis is away, through the gate
//! again once it is back, rebuilt from the database.
use crate::helpers::*;
use crate::redis_process::{free_port, RedisProcess};
use contract::model::{Hold, PaymentMethod};
use futures::stream::{self, StreamExt};
use stampede::inventory::gate::{Gate, RedisGate, RedisSettings, RedisTarget};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_flushed_then_restarted_mid_sale() {
    let mut redis = RedisProcess::primary().await;
    let app = spawn_app_with(Backend::Postgres, gate_on(&redis.url())).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Floor", 4_500, 120)]).await;
    let id = event.type_ids[0];
    let mut tally = Tally::default();

    tally += buy(&app, &event.slug, id, 40).await;
    redis.command::<String>(&redis::cmd("FLUSHALL")).await.unwrap();
    tally += buy(&app, &event.slug, id, 40).await;
    assert!(tally.held >= 70, "sales went on after the flush: {tally:?}");
    redis.restart().await;
    let after_restart = buy(&app, &event.slug, id, 100).await;
    assert!(after_restart.held > 0, "sales went on after the restart: {after_restart:?}");
    tally += after_restart;

    assert_sale_is_sound(&app, &event.slug, &tally, 120).await;
    // A give-back in flight at the restart may leave the gate a ticket high; the next buyer is
    // told sold out all the same (the database wins) and the gate is corrected by then.
    assert_api_error(app.hold(&event.slug, &[(id, 1)]).await, 409, "sold_out").await;
    assert_gate_matches_database(&app, &redis, id).await;
    assert!(app.metric("stampede_gate_connections").await >= 2.0, "reconnected after the restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_failover_mid_sale() {
    const MASTER: &str = "stampede-chaos";
    let mut primary = RedisProcess::primary().await;
    let replica = RedisProcess::replica_of(&primary).await;
    wait_until("the replica is in sync", Duration::from_secs(15), || async {
        let info: String = replica.command(redis::cmd("INFO").arg("replication")).await.unwrap_or_default();
        info.contains("master_link_status:up")
    })
    .await;
    let mut sentinels = Vec::new();
    for _ in 0..3 {
        sentinels.push(RedisProcess::sentinel(&primary, MASTER).await);
    }
    wait_until("the sentinels know each other and the replica", Duration::from_secs(30), || async {
        let mut ready = true;
        for sentinel in &sentinels {
            let fields: Vec<String> = sentinel.command(redis::cmd("SENTINEL").arg("MASTER").arg(MASTER)).await.unwrap_or_default();
            let field = |name: &str| fields.iter().position(|f| f == name).and_then(|i| fields.get(i + 1)).cloned();
            ready &= field("num-other-sentinels").as_deref() == Some("2") && field("num-slaves").as_deref() == Some("1");
        }
        ready
    })
    .await;

    let addresses: Vec<String> = sentinels.iter().map(RedisProcess::address).collect();
    let options = AppOptions::default()
        .with_env("REDIS_SENTINELS", addresses.join(","))
        .with_env("REDIS_MASTER_NAME", MASTER)
        .with_env("REDIS_KEY_PREFIX", "chaos")
        .with_env("DATABASE_PATH_WAIT_MS", "2000");
    let app = spawn_app_with(Backend::Postgres, options).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Floor", 4_500, 150)]).await;
    let id = event.type_ids[0];
    let mut tally = Tally::default();

    tally += buy(&app, &event.slug, id, 50).await;
    assert!(app.metric(r#"stampede_gate_decisions_total{outcome="admitted"}"#).await >= 50.0, "the gate is in use");
    let killed_at = Instant::now();
    primary.kill();
    tally += buy(&app, &event.slug, id, 40).await;

    // Writes go to the new primary within seconds.
    wait_until("the storefront writes to the promoted replica", Duration::from_secs(30), || async {
        let ready = app.readiness().await;
        ready["gate"] == "ok" && ready["gate_detail"].as_str().is_some_and(|d| d.contains(&replica.address()))
    })
    .await;
    let failover = killed_at.elapsed();
    let admitted_before = app.metric(r#"stampede_gate_decisions_total{outcome="admitted"}"#).await;
    let after_failover = buy(&app, &event.slug, id, 120).await;
    let admitted_after = app.metric(r#"stampede_gate_decisions_total{outcome="admitted"}"#).await;
    assert!(after_failover.held > 0, "sales go on after the failover: {after_failover:?}");
    assert!(admitted_after > admitted_before, "through the gate on the new primary");
    tally += after_failover;
    eprintln!("failover: the storefront wrote to the new primary {} ms after the kill", failover.as_millis());

    assert_sale_is_sound(&app, &event.slug, &tally, 150).await;
    assert_gate_matches_database(&app, &replica, id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_unreachable_for_the_whole_sale() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        // Nothing listens there.
        let options = AppOptions::default()
            .with_env("REDIS_URL", format!("redis://127.0.0.1:{}/", free_port()))
            .with_env("DATABASE_PATH_WAIT_MS", "5000");
        let app = spawn_app_with(backend, options).await;
        let event = app.seed_event(&[TypeSpec::on_sale("Floor", 4_500, 60)]).await;
        let id = event.type_ids[0];
        let tally = buy(&app, &event.slug, id, 150).await;
        assert_eq!(tally.held, 60, "{backend:?}: the database path sells exactly the stock: {tally:?}");
        assert_sale_is_sound(&app, &event.slug, &tally, 60).await;
        assert!(app.metric(r#"stampede_gate_decisions_total{outcome="unavailable"}"#).await >= 150.0);
        assert_eq!(app.metric("stampede_gate_up").await, 0.0);

        let ready = app.get_as_operator("/readyz").await;
        assert_eq!(ready.status(), 200, "{backend:?}: still ready: the database path sells");
        let ready: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(ready["degraded"], true, "{ready}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn surplus_on_the_database_path_gets_a_fast_503() {
    let options =
        AppOptions::default().with_env("INVENTORY_GATE", "off").with_env("DATABASE_PATH_LIMIT", "1").with_env("DATABASE_PATH_WAIT_MS", "0");
    let app = spawn_app_with(Backend::Sqlite, options).await;
    let event = app.seed_event(&[TypeSpec::on_sale("Floor", 4_500, 1_000)]).await;
    let id = event.type_ids[0];
    let items = [(id, 1)];
    let responses = futures::future::join_all((0..100).map(|_| app.hold(&event.slug, &items))).await;
    let busy: Vec<_> = responses.iter().filter(|r| r.status() == 503).collect();
    assert!(!busy.is_empty(), "with one slot and no wait, some of 100 buyers at once are turned away");
    assert!(busy.iter().all(|r| r.headers().contains_key("retry-after")), "a 503 says when to retry");
    assert!(responses.iter().all(|r| r.status() == 201 || r.status() == 503));
    let created = responses.iter().filter(|r| r.status() == 201).count() as i64;
    assert_eq!(app.stock(id).await.held, created, "a 503 took nothing");
    assert_eq!(app.metric(r#"stampede_database_path_total{outcome="busy"}"#).await, busy.len() as f64);
}

fn gate_on(url: &str) -> AppOptions {
    AppOptions::default().with_env("REDIS_URL", url).with_env("REDIS_KEY_PREFIX", "chaos").with_env("DATABASE_PATH_WAIT_MS", "2000")
}

/// What the buyers saw.
#[derive(Debug, Default)]
struct Tally {
    held: usize,
    sold_out: usize,
    /// Orders answered 201: each must be in the database.
    ordered: usize,
    /// 503s that a retry got past.
    retried: usize,
    /// Anything else: a failure.
    unexpected: Vec<String>,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.held += other.held;
        self.sold_out += other.sold_out;
        self.ordered += other.ordered;
        self.retried += other.retried;
        self.unexpected.extend(other.unexpected);
    }
}

/// `buyers` buyers, 16 at a time: each holds one ticket and orders it at once, retrying a 503
/// after a pause like the storefront's page does.
async fn buy(app: &TestApp, slug: &str, id: i64, buyers: usize) -> Tally {
    let outcomes = stream::iter(0..buyers).map(|_| one_buyer(app, slug, id)).buffer_unordered(16).collect::<Vec<_>>().await;
    let mut tally = Tally::default();
    for outcome in outcomes {
        tally += outcome;
    }
    tally
}

async fn one_buyer(app: &TestApp, slug: &str, id: i64) -> Tally {
    let mut tally = Tally::default();
    let mut response = app.hold(slug, &[(id, 1)]).await;
    for _ in 0..20 {
        if response.status() != 503 {
            break;
        }
        tally.retried += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
        response = app.hold(slug, &[(id, 1)]).await;
    }
    match response.status().as_u16() {
        201 => tally.held += 1,
        409 => {
            tally.sold_out += 1;
            return tally;
        }
        status => {
            tally.unexpected.push(format!("hold: {status} {}", response.text().await.unwrap_or_default()));
            return tally;
        }
    }
    let hold: Hold = response.json().await.unwrap();
    let key = uuid::Uuid::new_v4().to_string();
    let request = order_request(&["Ada Lovelace"], PaymentMethod::Offline);
    let mut response = app.order(&hold.id, &key, &request).await;
    for _ in 0..20 {
        if response.status() != 503 {
            break;
        }
        tally.retried += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
        response = app.order(&hold.id, &key, &request).await;
    }
    match response.status().as_u16() {
        201 => tally.ordered += 1,
        status => tally.unexpected.push(format!("order: {status} {}", response.text().await.unwrap_or_default())),
    }
    tally
}

async fn assert_sale_is_sound(app: &TestApp, slug: &str, tally: &Tally, capacity: i64) {
    assert!(tally.unexpected.is_empty(), "only 201, 409 and retried 503s: {:?}", tally.unexpected);
    let audit = app.assert_books_balance(slug).await;
    assert_eq!(audit.orders as usize, tally.ordered, "every order answered 201 is in the database: {audit:?}");
    assert_eq!(audit.sold(), capacity, "sold out exactly, once every buyer who held has ordered: {audit:?}");
    assert_eq!(tally.held as i64, capacity, "{tally:?}");
}

/// The gate's level on `redis` is the database's `capacity - sold - held`: rebuilt, not stale.
/// Asked through a gate of its own on that server, as the app's gate would read it.
async fn assert_gate_matches_database(app: &TestApp, redis: &RedisProcess, id: i64) {
    let stock = app.stock(id).await;
    let gate = RedisGate::new(RedisSettings {
        target: RedisTarget::Url(redis.url()),
        key_prefix: "chaos".into(),
        timeout: Duration::from_secs(2),
    });
    let level = gate.level(id).await.unwrap();
    assert_eq!(level, Some(stock.capacity - stock.sold - stock.held), "the gate on {} agrees with the database", redis.address());
}
