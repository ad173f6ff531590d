//! Settings, 12-factor style: everything comes from the environment, with defaults that run the
//! embedded storefront (SQLite under ./data) with nothing set.
//!
//! Policy: a value that cannot be read is a startup error naming the variable, never a silent
//! default. Switches are read by one parser ([`flag`]); demo data is seeded only when asked for
//! (`STAMPEDE_DEMO=true`, which `make run` sets), never by default, so production never has it.
use crate::http::{EdgeTrust, OperatorToken};
use crate::inventory::gate::{RedisSettings, RedisTarget};
use crate::inventory::{BatchSettings, InventorySettings};
use crate::mail::MailSettings;
use crate::payments::breaker::BreakerSettings;
use crate::payments::stripe::StripeSettings;
use crate::store::DatabaseSettings;
use crate::storefront::fair_use::FairUseSettings;
use anyhow::{anyhow, Context};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Settings {
    pub host: IpAddr,
    /// 0 picks a free port (tests).
    pub port: u16,
    pub database: DatabaseSettings,
    /// How long a hold keeps its tickets out of sale.
    pub hold_ttl: Duration,
    /// How often expired holds are returned to sale.
    pub reaper_interval: Duration,
    /// How long an event snapshot is reused before the database is asked again (0: never reused).
    pub snapshot_ttl: Duration,
    /// Upper bound on any request's handling.
    pub request_timeout: Duration,
    /// Where the built site (pkg/, favicon) lives.
    pub site_root: PathBuf,
    /// Seed the demo event into an empty database (off unless asked for).
    pub demo: bool,
    /// `STAMPEDE_DEMO_CARDS`: the demo organisation takes cards through a Stripe *test* account on
    /// the Stripe-compatible test server at `STRIPE_API_BASE` (`make run` starts one).
    pub demo_cards: bool,
    pub gate: GateChoice,
    pub inventory: InventorySettings,
    pub admin: AdminSettings,
    /// `STAMPEDE_EDGE_KEY`: requests that carry it may name their client (`http::client`).
    pub edge_trust: EdgeTrust,
    pub http: HttpSettings,
    /// The storefront's limits per buyer (`storefront::fair_use`).
    pub fair_use: FairUseSettings,
    pub payments: PaymentSettings,
    /// Email (`mail/`, docs/operations.md "Email").
    pub mail: MailSettings,
    /// `WAITING_ROOM_KEY`: the key the edge's waiting room signs admissions with
    /// (`rules::admission`); without it, no event can turn its room on.
    pub waiting_room_key: Option<WaitingRoomKey>,
}

/// The waiting room's signing key; never printed.
#[derive(Clone)]
pub struct WaitingRoomKey(pub std::sync::Arc<[u8]>);

impl std::fmt::Debug for WaitingRoomKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WaitingRoomKey(..)")
    }
}

/// Card payments (`payments/`, docs/operations.md "Payments").
#[derive(Clone, Debug)]
pub struct PaymentSettings {
    pub stripe: StripeSettings,
    /// `PAYMENT_SECRETS_KEY` (64 hex digits): seals organisers' provider secrets; unset, a key kept
    /// in the database is used.
    pub secrets_key: Option<String>,
    /// How long a hold is kept, at least, once its first card payment starts.
    pub hold_extension: Duration,
    /// How often the reconciliation worker runs, and how long a payment or refund must have been
    /// left alone before it asks the provider about it.
    pub reconcile_interval: Duration,
    pub reconcile_after: Duration,
}

/// How the origin meets its connections and who reads its operators' endpoints (docs/operations.md,
/// "Security").
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// How long a connection may take to send a request's headers; also how long an idle
    /// keep-alive connection stays open.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive (then a 408).
    pub body_timeout: Duration,
    /// `PUBLIC_URL`: where browsers reach the storefront (`https://tickets.example`), when known.
    pub public_url: String,
    /// Opens `/metrics` and the detail of `/readyz`; unset, they are closed.
    pub operator_token: OperatorToken,
}

impl HttpSettings {
    /// Whether browsers reach the storefront over https (then answers carry HSTS).
    pub fn public_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// The organisers' back office.
#[derive(Clone, Debug)]
pub struct AdminSettings {
    /// Mark the admin cookies Secure. On unless the origin is plain http on loopback
    /// ([`secure_by_default`]); `ADMIN_SECURE_COOKIES` overrides.
    pub secure_cookies: bool,
    /// How long a signed-in session lasts without use.
    pub session_idle: Duration,
    /// How often expired sessions, sign-up links and invitations are deleted.
    pub sweep_interval: Duration,
    /// Sign-in attempts per client (`SIGN_IN_CLIENT_*`), every attempt counted.
    pub sign_in_per_client: Rate,
    /// Failed sign-ins per address *and* client (`SIGN_IN_*`): a guesser's failures use up the
    /// budget of the guesser's client only, never the owner's.
    pub sign_in_failures: Rate,
    /// Sign-ups (and sign-ups through an invitation) per client (`SIGN_UP_CLIENT_*`).
    pub sign_up_per_client: Rate,
    /// Password hashes (argon2id, 19 MiB each) that may run at once.
    pub hash_concurrency: usize,
    /// How long a sign-in or sign-up waits for a hashing slot before it is answered 503.
    pub hash_wait: Duration,
    /// The storefront's address as people reach it, for links in emails ("https://tickets.example.com").
    pub public_url: String,
    /// How often the export worker and the mailer look for work.
    pub worker_interval: Duration,
}

/// A keyed rate limit: `burst` at once, then `per_hour` spread over the hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per_hour: u32,
}

/// Secure cookies unless the origin is plain http on a loopback address (a developer's machine,
/// the tests): a browser sends a Secure cookie over https only, and treats loopback as trusted.
pub fn secure_by_default(public_url: &str) -> bool {
    let Some(rest) = public_url.strip_prefix("http://") else {
        return true;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    !loopback
}

fn public_url(value: Option<String>, host: IpAddr, port: u16) -> anyhow::Result<String> {
    let Some(url) = value else {
        return Ok(match host {
            IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
            IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        });
    };
    let url = url.trim().trim_end_matches('/').to_string();
    let host_part = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or_default();
    if host_part.is_empty() || host_part.contains(char::is_whitespace) {
        return Err(anyhow!("PUBLIC_URL must be an http:// or https:// address like https://tickets.example.com, got {url:?}"));
    }
    Ok(url)
}

/// Which inventory gate stands in front of the database.
#[derive(Clone, Debug)]
pub enum GateChoice {
    /// None: every hold goes to the database (the baseline the gate is measured against).
    Off,
    /// In-process: the embedded default, right for one origin.
    Local,
    /// Redis, shared by every origin.
    Redis(RedisSettings),
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup`, so tests can configure without touching the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let get = |key: &str| lookup(key).filter(|value| !value.trim().is_empty());
        let number = |key: &str, default: u64| -> anyhow::Result<u64> {
            match get(key) {
                None => Ok(default),
                Some(value) => value.trim().parse().with_context(|| format!("{key} must be a whole number, got {value:?}")),
            }
        };
        let url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/stampede.db".to_string());
        let default_connections = if url.starts_with("sqlite") { 8 } else { 20 };
        let switch = |key: &str, default: bool| flag(key, get(key).as_deref(), default);
        let demo = switch("STAMPEDE_DEMO", false)?;
        let demo_cards = switch("STAMPEDE_DEMO_CARDS", false)?;
        let gate = gate_choice(&get, &number)?;
        let max_connections = number("DATABASE_MAX_CONNECTIONS", default_connections)? as u32;
        let sqlite = url.starts_with("sqlite");
        let inventory = InventorySettings {
            batch: BatchSettings {
                max_batch: number("BATCH_MAX", 128)?.max(1) as usize,
                // SQLite has one writer at a time; PostgreSQL overlaps one commit with the next batch.
                in_flight: number("BATCH_IN_FLIGHT", if sqlite { 1 } else { 2 })?.max(1) as usize,
                queue: number("BATCH_QUEUE", 10_000)?.max(1) as usize,
            },
            database_path_limit: number("DATABASE_PATH_LIMIT", u64::from(max_connections / 2).max(1))?.max(1) as usize,
            database_path_wait: Duration::from_millis(number("DATABASE_PATH_WAIT_MS", 250)?),
            reload_interval: Duration::from_millis(number("GATE_RELOAD_INTERVAL_MS", 10_000)?.max(100)),
        };
        let hold_ttl = number("HOLD_TTL_SECONDS", 15 * 60)?;
        if hold_ttl == 0 {
            return Err(anyhow!("HOLD_TTL_SECONDS must be at least 1"));
        }
        let edge_trust = match get("STAMPEDE_EDGE_KEY") {
            None => EdgeTrust::none(),
            Some(key) => EdgeTrust::with_key(&key).map_err(|message| anyhow!(message))?,
        };
        let host: IpAddr = get("HOST").unwrap_or_else(|| "127.0.0.1".into()).parse().context("HOST must be an IP address")?;
        let port: u16 = number("PORT", 3000)?.try_into().context("PORT must be below 65536")?;
        let public_url = public_url(get("PUBLIC_URL"), host, port)?;
        let worker_interval = Duration::from_millis(number("WORKER_INTERVAL_MS", 500)?.max(50));
        let rate = |prefix: &str, burst: u64, per_hour: u64| -> anyhow::Result<Rate> {
            Ok(Rate {
                burst: number(&format!("{prefix}_BURST"), burst)?.clamp(1, 100_000) as u32,
                per_hour: number(&format!("{prefix}_PER_HOUR"), per_hour)?.clamp(1, 1_000_000) as u32,
            })
        };
        // One argon2 hash keeps a core busy: more at once than cores only queues them on the CPU.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let operator_token = match get("OPERATOR_TOKEN") {
            None => OperatorToken::none(),
            Some(token) => OperatorToken::new(&token).map_err(|message| anyhow!(message))?,
        };
        let http = HttpSettings {
            header_read_timeout: Duration::from_millis(number("HEADER_READ_TIMEOUT_MS", 10_000)?.max(100)),
            body_timeout: Duration::from_millis(number("REQUEST_BODY_TIMEOUT_MS", 10_000)?.max(100)),
            public_url: public_url.clone(),
            operator_token,
        };
        let payments = PaymentSettings {
            stripe: StripeSettings {
                api_base: get("STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com".into()).trim_end_matches('/').to_string(),
                js_url: get("STRIPE_JS_URL").unwrap_or_else(|| "https://js.stripe.com/v3/".into()),
                timeout: Duration::from_millis(number("STRIPE_TIMEOUT_MS", 10_000)?.max(100)),
                breaker: BreakerSettings {
                    threshold: number("STRIPE_BREAKER_FAILURES", 5)?.clamp(1, 1_000) as u32,
                    cooldown: Duration::from_millis(number("STRIPE_BREAKER_COOLDOWN_MS", 30_000)?),
                },
            },
            secrets_key: get("PAYMENT_SECRETS_KEY"),
            hold_extension: Duration::from_secs(number("PAYMENT_HOLD_EXTENSION_SECONDS", 5 * 60)?.max(1)),
            reconcile_interval: Duration::from_millis(number("PAYMENT_RECONCILE_INTERVAL_MS", 30_000)?.max(100)),
            reconcile_after: Duration::from_millis(number("PAYMENT_RECONCILE_AFTER_MS", 60_000)?),
        };
        for (key, url) in [("STRIPE_API_BASE", &payments.stripe.api_base), ("STRIPE_JS_URL", &payments.stripe.js_url)] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(anyhow!("{key} must be an http:// or https:// address, got {url:?}"));
            }
        }
        Ok(Settings {
            payments,
            edge_trust,
            host,
            port,
            database: DatabaseSettings {
                url,
                max_connections,
                acquire_timeout: Duration::from_millis(number("DATABASE_ACQUIRE_TIMEOUT_MS", 3_000)?),
                statement_timeout: Duration::from_millis(number("DATABASE_STATEMENT_TIMEOUT_MS", 5_000)?),
            },
            hold_ttl: Duration::from_secs(hold_ttl),
            reaper_interval: Duration::from_millis(number("REAPER_INTERVAL_MS", 1_000)?.max(100)),
            snapshot_ttl: Duration::from_millis(number("SNAPSHOT_CACHE_MS", 1_000)?),
            request_timeout: Duration::from_millis(number("REQUEST_TIMEOUT_MS", 10_000)?),
            site_root: get("SITE_ROOT").or_else(|| get("LEPTOS_SITE_ROOT")).unwrap_or_else(|| "target/site".into()).into(),
            demo,
            demo_cards,
            gate,
            inventory,
            admin: AdminSettings {
                secure_cookies: switch("ADMIN_SECURE_COOKIES", secure_by_default(&public_url))?,
                session_idle: Duration::from_secs(number("ADMIN_SESSION_IDLE_MINUTES", 12 * 60)?.max(1) * 60),
                sweep_interval: Duration::from_secs(number("SESSION_SWEEP_INTERVAL_SECONDS", 300)?.max(1)),
                sign_in_per_client: rate("SIGN_IN_CLIENT", 20, 120)?,
                sign_in_failures: rate("SIGN_IN", 5, 30)?,
                sign_up_per_client: rate("SIGN_UP_CLIENT", 5, 20)?,
                hash_concurrency: number("PASSWORD_HASH_CONCURRENCY", cores as u64)?.clamp(1, 1_000) as usize,
                hash_wait: Duration::from_millis(number("PASSWORD_HASH_WAIT_MS", 2_000)?),
                public_url,
                worker_interval,
            },
            mail: mail_settings(&get, &number, worker_interval)?,
            waiting_room_key: match get("WAITING_ROOM_KEY") {
                None => None,
                Some(key) if key.len() >= contract::rules::admission::MIN_KEY_BYTES => Some(WaitingRoomKey(key.into_bytes().into())),
                Some(_) => anyhow::bail!(
                    "WAITING_ROOM_KEY must be at least {} characters: it is all that stands between a script and the front of the queue",
                    contract::rules::admission::MIN_KEY_BYTES
                ),
            },
            http,
            fair_use: FairUseSettings {
                holds_per_network: Rate {
                    burst: number("HOLD_RATE_BURST", 10)?.clamp(1, 1_000_000) as u32,
                    per_hour: number("HOLD_RATE_PER_MINUTE", 30)?.clamp(1, 1_000_000) as u32 * 60,
                },
                tickets_per_browser: number("HOLD_TICKETS_PER_BROWSER", 10)?.clamp(1, 1_000_000) as i64,
                tickets_per_network: number("HOLD_TICKETS_PER_NETWORK", 50)?.clamp(1, 1_000_000) as i64,
                code_failures_per_network: rate("CODE_ATTEMPTS", 10, 60)?,
                code_failures_per_hold: number("CODE_ATTEMPTS_PER_HOLD", 5)?.clamp(1, 1_000) as u32,
                waiting_list_joins_per_network: rate("WAITING_LIST_JOIN", 5, 20)?,
            },
        })
    }
}

/// A switch: yes/no, true/false, on/off or 1/0 in any case; unset is `default`; anything else is
/// an error that names the variable.
pub fn flag(key: &str, value: Option<&str>, default: bool) -> anyhow::Result<bool> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(default);
    };
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(anyhow!("{key} must be true or false (or yes/no, on/off, 1/0), got {value:?}")),
    }
}

fn gate_choice(get: &impl Fn(&str) -> Option<String>, number: &impl Fn(&str, u64) -> anyhow::Result<u64>) -> anyhow::Result<GateChoice> {
    let sentinels: Vec<String> = get("REDIS_SENTINELS")
        .map(|list| list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let target = match (get("REDIS_URL"), sentinels.is_empty()) {
        (Some(_), false) => return Err(anyhow!("set REDIS_URL or REDIS_SENTINELS, not both")),
        (Some(url), true) => {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(anyhow!("REDIS_URL must start with redis://, got {url:?}"));
            }
            Some(RedisTarget::Url(url))
        }
        (None, false) => {
            if let Some(bad) = sentinels.iter().find(|s| !s.contains(':')) {
                return Err(anyhow!("REDIS_SENTINELS must list host:port pairs, got {bad:?}"));
            }
            Some(RedisTarget::Sentinel { sentinels, master: get("REDIS_MASTER_NAME").unwrap_or_else(|| "stampede".into()) })
        }
        (None, true) => None,
    };
    let choice = get("INVENTORY_GATE").map(|s| s.trim().to_ascii_lowercase());
    match (choice.as_deref(), target) {
        (Some("off"), _) => Ok(GateChoice::Off),
        (Some("local"), _) => Ok(GateChoice::Local),
        (None, None) => Ok(GateChoice::Local),
        (Some("redis"), None) => Err(anyhow!("INVENTORY_GATE=redis needs REDIS_URL or REDIS_SENTINELS")),
        (Some("redis") | None, Some(target)) => Ok(GateChoice::Redis(RedisSettings {
            target,
            key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "stampede".into()),
            // A timeout sends buyers to the slower database path, so it must not fire because the
            // origin's own CPU is saturated at an on-sale (200 ms did, in a flash sale on 2 cores);
            // a Redis that answers at all answers in well under a millisecond.
            timeout: Duration::from_millis(number("REDIS_TIMEOUT_MS", 500)?.max(1)),
        })),
        (Some(other), _) => Err(anyhow!("INVENTORY_GATE must be redis, local or off, got {other:?}")),
    }
}

/// `SMTP_URL` and `MAIL_*` (docs/operations.md "Email"). A relay needs the address emails come
/// from: without `MAIL_FROM` they would leave as `tickets@localhost`, which relays refuse.
fn mail_settings(
    get: &dyn Fn(&str) -> Option<String>,
    number: &dyn Fn(&str, u64) -> anyhow::Result<u64>,
    interval: Duration,
) -> anyhow::Result<MailSettings> {
    let defaults = MailSettings::default();
    let smtp_url = get("SMTP_URL");
    let from = match (get("MAIL_FROM"), &smtp_url) {
        (Some(from), _) => from,
        (None, Some(_)) => {
            anyhow::bail!("SMTP_URL is set: set MAIL_FROM too, the address emails come from (\"Tickets <tickets@example.com>\")")
        }
        (None, None) => defaults.from,
    };
    Ok(MailSettings {
        smtp_url,
        mail_dir: get("MAIL_DIR").map(PathBuf::from),
        from,
        rate_per_second: number("MAIL_RATE_PER_SECOND", defaults.rate_per_second.into())?.clamp(1, 100_000) as u32,
        connections: number("MAIL_CONNECTIONS", defaults.connections.into())?.clamp(1, 100) as u32,
        timeout: Duration::from_millis(number("MAIL_TIMEOUT_MS", defaults.timeout.as_millis() as u64)?.max(100)),
        max_attempts: number("MAIL_MAX_ATTEMPTS", defaults.max_attempts as u64)?.clamp(1, 100) as i32,
        retry_base: Duration::from_millis(number("MAIL_RETRY_BASE_MS", defaults.retry_base.as_millis() as u64)?),
        interval,
    })
}

#[cfg(test)]
mod tests {
    use super::Settings;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|key| env.get(key).cloned())
    }

    #[test]
    fn defaults_run_the_embedded_storefront() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.port, 3000);
        assert!(s.database.url.starts_with("sqlite:"));
        assert_eq!(s.hold_ttl.as_secs(), 900);
        assert!(!s.demo, "demo data only when asked for");
        assert!(!s.admin.secure_cookies, "plain http on loopback: a developer's machine");
        assert!(matches!(s.gate, super::GateChoice::Local));
    }

    #[test]
    fn cookies_are_secure_unless_plain_http_on_loopback() {
        let secure = |pairs: &[(&str, &str)]| settings(pairs).unwrap().admin.secure_cookies;
        assert!(secure(&[("HOST", "0.0.0.0")]), "listening for the world");
        assert!(!secure(&[("HOST", "::1")]));
        assert!(secure(&[("PUBLIC_URL", "https://tickets.example.com")]));
        assert!(secure(&[("PUBLIC_URL", "http://tickets.example.com")]), "plain http off loopback still gets Secure");
        assert!(!secure(&[("HOST", "0.0.0.0"), ("PUBLIC_URL", "http://localhost:3000/")]));
        assert!(!secure(&[("PUBLIC_URL", "http://[::1]:3000")]));
        assert!(!secure(&[("PUBLIC_URL", "https://tickets.example.com"), ("ADMIN_SECURE_COOKIES", "false")]), "the switch wins");
        assert_eq!(settings(&[("PUBLIC_URL", "https://tickets.example.com/")]).unwrap().admin.public_url, "https://tickets.example.com");
        assert_eq!(settings(&[("PORT", "8080")]).unwrap().admin.public_url, "http://127.0.0.1:8080");
        assert!(settings(&[("PUBLIC_URL", "tickets.example.com")]).is_err());
    }

    #[test]
    fn account_limits_have_defaults_and_read_strictly() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.admin.sign_in_failures, super::Rate { burst: 5, per_hour: 30 });
        assert!(s.admin.hash_concurrency >= 1);
        let s = settings(&[("SIGN_IN_CLIENT_BURST", "3"), ("PASSWORD_HASH_CONCURRENCY", "4")]).unwrap();
        assert_eq!(s.admin.sign_in_per_client.burst, 3);
        assert_eq!(s.admin.hash_concurrency, 4);
        assert!(settings(&[("SIGN_UP_CLIENT_PER_HOUR", "lots")]).is_err());
    }

    #[test]
    fn redis_is_the_gate_when_configured() {
        let s = settings(&[("REDIS_URL", "redis://127.0.0.1:6379")]).unwrap();
        assert!(matches!(s.gate, super::GateChoice::Redis(_)));
        let s = settings(&[("REDIS_SENTINELS", "127.0.0.1:26379, 127.0.0.1:26380"), ("REDIS_MASTER_NAME", "m")]).unwrap();
        let super::GateChoice::Redis(redis) = s.gate else { panic!("sentinels make a redis gate") };
        assert_eq!(
            redis.target,
            crate::inventory::gate::RedisTarget::Sentinel {
                sentinels: vec!["127.0.0.1:26379".into(), "127.0.0.1:26380".into()],
                master: "m".into()
            }
        );
        let s = settings(&[("REDIS_URL", "redis://127.0.0.1:6379"), ("INVENTORY_GATE", "off")]).unwrap();
        assert!(matches!(s.gate, super::GateChoice::Off));
        assert!(settings(&[("INVENTORY_GATE", "redis")]).is_err());
        assert!(settings(&[("REDIS_URL", "http://x")]).is_err());
        assert!(settings(&[("INVENTORY_GATE", "maybe")]).is_err());
    }

    #[test]
    fn bad_values_are_explained() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err().to_string();
        assert!(err.contains("PORT"), "{err}");
        assert!(settings(&[("HOLD_TTL_SECONDS", "0")]).is_err());
        assert!(settings(&[("STAMPEDE_DEMO", "maybe")]).is_err());
    }

    #[test]
    fn the_waiting_room_key_is_optional_and_must_be_long() {
        assert!(settings(&[]).unwrap().waiting_room_key.is_none());
        assert!(settings(&[("WAITING_ROOM_KEY", "0123456789abcdef0123456789abcdef")]).unwrap().waiting_room_key.is_some());
        let err = settings(&[("WAITING_ROOM_KEY", "short")]).unwrap_err().to_string();
        assert!(err.contains("WAITING_ROOM_KEY"), "{err}");
    }

    #[test]
    fn the_edge_key_is_optional_and_must_be_long() {
        assert!(!settings(&[]).unwrap().edge_trust.is_set(), "unset: no header is believed");
        assert!(settings(&[("STAMPEDE_EDGE_KEY", "0123456789abcdef")]).unwrap().edge_trust.is_set());
        let err = settings(&[("STAMPEDE_EDGE_KEY", "secret")]).unwrap_err().to_string();
        assert!(err.contains("STAMPEDE_EDGE_KEY"), "{err}");
    }

    #[test]
    fn the_http_settings_default_to_closed_and_bounded() {
        let s = settings(&[]).unwrap();
        assert!(!s.http.operator_token.is_set(), "unset: the operators' endpoints are closed");
        assert!(!s.http.public_https());
        assert_eq!(s.http.header_read_timeout.as_secs(), 10);
        assert_eq!(s.http.body_timeout.as_secs(), 10);
        assert!(settings(&[("PUBLIC_URL", "https://tickets.example/")]).unwrap().http.public_https());
        assert!(!settings(&[("PUBLIC_URL", "http://127.0.0.1:3000")]).unwrap().http.public_https());
        assert!(settings(&[("PUBLIC_URL", "tickets.example")]).unwrap_err().to_string().contains("PUBLIC_URL"));
        assert!(settings(&[("OPERATOR_TOKEN", "0123456789abcdef")]).unwrap().http.operator_token.is_set());
        assert!(settings(&[("OPERATOR_TOKEN", "secret")]).unwrap_err().to_string().contains("OPERATOR_TOKEN"));
    }

    #[test]
    fn switches_are_read_strictly() {
        for yes in ["1", "true", "TRUE", "yes", "Yes", "on", " true "] {
            assert!(settings(&[("ADMIN_SECURE_COOKIES", yes)]).unwrap().admin.secure_cookies, "{yes:?}");
            assert!(settings(&[("STAMPEDE_DEMO", yes)]).unwrap().demo, "{yes:?}");
        }
        for no in ["0", "false", "no", "OFF"] {
            assert!(!settings(&[("ADMIN_SECURE_COOKIES", no)]).unwrap().admin.secure_cookies, "{no:?}");
        }
        let err = settings(&[("ADMIN_SECURE_COOKIES", "enabled")]).unwrap_err().to_string();
        assert!(err.contains("ADMIN_SECURE_COOKIES") && err.contains("enabled"), "{err}");
    }
}
