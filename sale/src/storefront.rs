//! The storefront under test: a database made for the run, a `stampede serve` process on a free
//! loopback port (or one already running), the sale's event, and the audit of its books after.
use crate::options::{Options, Scenario};
use crate::waiting_list::ORGANISER_PASSWORD;
use anyhow::{bail, Context};
use sqlx::Connection;
use stampede::admin::accounts::hash_password;
use stampede::store::{self, AccountOutcome, Audit, DatabaseSettings, EventDetails, NewAccount, Store, TicketTypeChange};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Storefront {
    pub base_url: String,
    pub store: Arc<dyn Store>,
    /// The card payment provider, when buyers pay by card (`--pay-by-card`).
    pub stripe: Option<crate::provider::LocalStripe>,
    /// The storefront's `PAYMENT_SECRETS_KEY`, which the simulator seals the test account with.
    sealing_key: String,
    server: Option<Child>,
    dropped_database: Option<(String, String)>,
    _sqlite_dir: Option<tempfile::TempDir>,
    pub log_path: Option<std::path::PathBuf>,
    /// Where the storefront writes its emails (`MAIL_DIR`), when the waiting list reads them.
    pub mail_dir: Option<tempfile::TempDir>,
}

pub struct SaleEvent {
    pub id: i64,
    /// The organiser's sign-in (email, password).
    pub organiser: (String, String),
    pub slug: String,
    pub ticket_type_id: i64,
    pub on_sale_at: chrono::DateTime<chrono::Utc>,
}

impl Storefront {
    /// Starts (or connects to) the storefront; `gate` and `extra_env` configure a spawned one.
    pub async fn start(options: &Options, gate: &str, extra_env: &[(String, String)], run: usize) -> anyhow::Result<Storefront> {
        if let Some(target) = &options.target {
            let store = open_store(&options.database_url).await?;
            return Ok(Storefront {
                base_url: target.trim_end_matches('/').to_string(),
                store,
                stripe: None,
                sealing_key: String::new(),
                server: None,
                dropped_database: None,
                _sqlite_dir: None,
                log_path: None,
                mail_dir: None,
            });
        }
        // The provider first: when it cannot start, no database is left behind.
        let stripe = match options.cards {
            Some(_) => Some(crate::provider::LocalStripe::start().await?),
            None => None,
        };
        let (database_url, dropped_database, sqlite_dir) = fresh_database(&options.database_url, run).await?;
        let store = open_store(&database_url).await?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log_path = std::env::temp_dir().join(format!("stampede-sale-{}-{run}.log", std::process::id()));
        let log = std::fs::File::create(&log_path)?;
        let mut command = Command::new(&options.server_bin);
        command
            .arg("serve")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("DATABASE_URL", &database_url)
            .env("STAMPEDE_DEMO", "false")
            .env("HOLD_TTL_SECONDS", options.hold_ttl_secs.to_string())
            .env("REAPER_INTERVAL_MS", "500")
            .env("INVENTORY_GATE", gate)
            .env("REDIS_KEY_PREFIX", format!("stampede-sale-{}-{run}", std::process::id()))
            .env("RUST_LOG", "warn")
            .env("STAMPEDE_EDGE_KEY", crate::buyers::EDGE_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        if let Some(redis) = &options.redis_url {
            command.env("REDIS_URL", redis);
        }
        let sealing_key = stampede::payments::secrets::new_key();
        if let Some(stripe) = &stripe {
            // Payments in flight keep their hold one TTL more, so buyers who pass 3-D Secure
            // late land after it within the run. The reconciliation worker waits until they have
            // (two TTLs and a few seconds): earlier, it would cancel their intents as abandoned and
            // the late path would never be taken. What nobody settles, it settles after that.
            let reconcile_after_ms = (options.hold_ttl_secs * 2 + 5) * 1000;
            command
                .env("STRIPE_API_BASE", &stripe.api_base)
                .env("PAYMENT_SECRETS_KEY", &sealing_key)
                .env("PAYMENT_HOLD_EXTENSION_SECONDS", options.hold_ttl_secs.to_string())
                .env("PAYMENT_RECONCILE_INTERVAL_MS", "1000")
                .env("PAYMENT_RECONCILE_AFTER_MS", reconcile_after_ms.to_string());
        }
        let mail_dir = match options.waiting_list {
            Some(_) => {
                let dir = tempfile::tempdir()?;
                // Emails as files the simulator reads, at a pace that lets the offers out soon
                // after the sale's confirmations rather than behind them.
                command.env("MAIL_DIR", dir.path()).env("MAIL_RATE_PER_SECOND", "500");
                Some(dir)
            }
            None => None,
        };
        if options.edge.is_some() {
            // The room's key, shared with the edge; and /metrics open, to count what reaches it.
            command.env("WAITING_ROOM_KEY", crate::edge::ROOM_KEY).env("OPERATOR_TOKEN", crate::edge::OPERATOR_TOKEN);
        }
        for (key, value) in options.server_env.iter().chain(extra_env) {
            command.env(key, value);
        }
        let server = command.spawn().with_context(|| format!("cannot start {}", options.server_bin))?;
        let mut storefront = Storefront {
            base_url: format!("http://127.0.0.1:{port}"),
            store,
            stripe,
            sealing_key,
            server: Some(server),
            dropped_database,
            _sqlite_dir: sqlite_dir,
            log_path: Some(log_path),
            mail_dir,
        };
        storefront.wait_until_ready().await?;
        Ok(storefront)
    }

    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(server) = &mut self.server {
                if let Some(status) = server.try_wait()? {
                    bail!("the storefront exited ({status}) before it was ready; see {:?}", self.log_path);
                }
            }
            if let Ok(response) = client.get(format!("{}/readyz", self.base_url)).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the storefront was not ready within 60 s; see {:?}", self.log_path)
    }

    /// One published event with one ticket type, going on sale `lead` from now.
    pub async fn seed(&self, options: &Options, lead: Duration) -> anyhow::Result<SaleEvent> {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        // An account the organiser signs in with, as the admin app's users do.
        let organiser_email = format!("{unique}@sale.example");
        let account = NewAccount {
            email: organiser_email.clone(),
            name: "Sale Simulator".into(),
            password_hash: hash_password(ORGANISER_PASSWORD.into()).await.map_err(|err| anyhow::anyhow!("{err:?}"))?,
            organisation: "Sale Simulator".into(),
            created_at: store::now(),
        };
        let AccountOutcome::Created { organiser_id, .. } = self.store.create_account(&account).await? else {
            bail!("the organiser's address {organiser_email} is taken");
        };
        let slug = format!("sale-{}", &unique[..10]);
        let now = store::now();
        let starts_at = now + chrono::Duration::days(30);
        let id = self
            .store
            .create_event(
                organiser_id,
                &EventDetails {
                    slug: slug.clone(),
                    title: "The Stampede Sale".into(),
                    description: "A simulated on-sale.".into(),
                    venue: "Loopback Arena".into(),
                    timezone: "Europe/Amsterdam".into(),
                    starts_at,
                    ends_at: starts_at + chrono::Duration::hours(4),
                    currency: "EUR".into(),
                    offline_payment_days: Some(7),
                    card_payments: true,
                    waiting_list: true,
                    waiting_list_offer_minutes: 240,
                    waiting_room: options.edge.is_some(),
                    waiting_room_per_minute: options.edge.map_or(3000, |plan| plan.per_minute),
                    waiting_room_max_active: options.edge.map_or(1000, |plan| plan.max_active),
                },
                true,
            )
            .await?
            .saved("the sale's event address")?;
        let on_sale_at = store::truncate_to_millis(now + chrono::Duration::from_std(lead)?);
        let ticket_type_id = self
            .store
            .create_ticket_type(
                id,
                &TicketTypeChange {
                    name: "General Admission".into(),
                    description: String::new(),
                    price_minor: 4_500,
                    capacity: options.capacity,
                    sale_starts_at: Some(on_sale_at),
                    sale_ends_at: Some(on_sale_at + chrono::Duration::days(1)),
                    min_per_order: 1,
                    max_per_order: if options.scenario == Scenario::Flash { 4 } else { 10 },
                    access_code: None,
                },
            )
            .await?
            .id;
        if let Some(stripe) = &self.stripe {
            stripe.connect(self.store.clone(), &self.sealing_key, organiser_id, &self.base_url).await?;
        }
        Ok(SaleEvent { id, organiser: (organiser_email, ORGANISER_PASSWORD.into()), slug, ticket_type_id, on_sale_at })
    }

    /// The books once every hold has become an order or expired and been reaped (bounded wait).
    pub async fn settled_audit(&self, event_id: i64, hold_ttl: Duration) -> anyhow::Result<(Audit, Duration)> {
        let started = Instant::now();
        let deadline = started + hold_ttl + Duration::from_secs(15);
        loop {
            let audit = self.store.audit(event_id, store::now(), Duration::from_secs(3)).await?;
            // Settled: no stock held, and no payment the provider took without an order or a refund.
            if (audit.held() == 0 && audit.money.orphan_payments == 0) || Instant::now() > deadline {
                return Ok((audit, started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(mut server) = self.server.take() {
            // SIGTERM first, so the server finishes what it has in flight.
            let _ = Command::new("kill").arg("-TERM").arg(server.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(server.try_wait(), Ok(Some(_))) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = server.kill();
            let _ = server.wait();
        }
        if let Some((admin_url, name)) = self.dropped_database.take() {
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await;
            }
        }
    }

    pub fn keep_database(&mut self) {
        self.dropped_database = None;
    }
}

impl Drop for Storefront {
    fn drop(&mut self) {
        // Never leave a server behind, whatever happened.
        if let Some(server) = &mut self.server {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    store::connect(&DatabaseSettings {
        url: url.to_string(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(30),
    })
    .await
    .with_context(|| format!("cannot open the database at {url}"))
}

type FreshDatabase = (String, Option<(String, String)>, Option<tempfile::TempDir>);

async fn fresh_database(admin_url: &str, run: usize) -> anyhow::Result<FreshDatabase> {
    if admin_url.starts_with("sqlite:") {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("sale.db").display());
        return Ok((url, None, Some(dir)));
    }
    let mut admin = sqlx::PgConnection::connect(admin_url).await.with_context(|| format!("PostgreSQL is required at {admin_url}"))?;
    let name = format!("stampede_sale_{}_{run}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await?;
    let (base, _) = admin_url.rsplit_once('/').context("the database URL must end with /<database>")?;
    Ok((format!("{base}/{name}"), Some((admin_url.to_string(), name)), None))
}
