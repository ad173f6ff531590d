//! The edge's settings, from the worker's environment (wrangler.toml `[vars]` and secrets, or the
//! workerd config's bindings). Every value has a default except ORIGINS; docs/operations.md lists
//! them. A value that cannot be read is reported in the log and its default used: the edge has no
//! way to refuse to start, and a wrong number must not take the storefront down.
use worker::Env;

#[derive(Clone, Debug)]
pub struct Config {
    /// Origins in order of preference, e.g. "http://127.0.0.1:3000,http://127.0.0.1:3001".
    pub origins: Vec<String>,
    /// How long a rendered page is served without asking the origin.
    pub page_fresh_ms: u64,
    /// Past freshness, how long a page is still served at once while it is refreshed in the
    /// background; older pages are revalidated before they are served.
    pub stale_while_revalidate_ms: u64,
    /// How long availability is reused.
    pub availability_fresh_ms: u64,
    /// How long a page may be served stale when the origin fails.
    pub stale_if_error_ms: u64,
    /// The longest wait for an origin's answer.
    pub origin_timeout_ms: u64,
    /// How long a failing origin is skipped.
    pub breaker_cooldown_ms: u64,
    /// The longest wait for a request's whole body (`BODY_TIMEOUT_MS`).
    pub body_timeout_ms: u64,
    /// The bearer token that opens the operators' views (`/__edge/stats`); none: they stay closed.
    pub operator_token: Option<String>,
    /// Sent to the origins as `x-stampede-edge-key`, so they can tell the edge from a browser.
    pub edge_key: Option<String>,
    /// `cf-connecting-ip` is Cloudflare's and can be trusted (`TRUST_CF_CONNECTING_IP=true`): on
    /// Cloudflare only, where the browser cannot set it.
    pub trust_cf_connecting_ip: bool,
    /// Holds one client may ask for in a row (`HOLD_RATE_BURST`).
    pub hold_rate_burst: u32,
    /// Holds one client may ask for per minute after that (`HOLD_RATE_PER_MINUTE`; 0: no limit at
    /// the edge).
    pub hold_rate_per_minute: u32,
    /// The key shared with the origins that signs the waiting room's admissions
    /// (`WAITING_ROOM_KEY`, at least 32 bytes); none: no event's room can let anyone in.
    pub waiting_room_key: Option<Vec<u8>>,
    /// How long an admission lasts unless its buyer orders sooner (`ROOM_ADMISSION_SECONDS`).
    pub room_admission_seconds: u64,
    /// How long this isolate answers queue polls from its copy of a room's state
    /// (`ROOM_VIEW_FRESH_MS`).
    pub room_view_fresh_ms: u64,
    /// Cookies only over HTTPS (`SECURE_COOKIES`, on unless set to false: local runs are plain HTTP).
    pub secure_cookies: bool,
}

thread_local! {
    static CONFIG: std::cell::OnceCell<Config> = const { std::cell::OnceCell::new() };
}

impl Config {
    /// The isolate's settings, read from the environment once (it cannot change under an isolate).
    pub fn get(env: &Env) -> Config {
        CONFIG.with(|config| config.get_or_init(|| Config::from_env(env)).clone())
    }

    fn from_env(env: &Env) -> Config {
        // A binding may be missing, empty, or null (workerd's `fromEnvironment` of an unset
        // variable): all three mean "not set".
        let text = |name: &str| {
            worker::js_sys::Reflect::get(env.as_ref(), &name.into())
                .ok()
                .and_then(|value| value.as_string())
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let number = |name: &str, default: u64| match text(name).map(|value| value.parse::<u64>()) {
            None => default,
            Some(Ok(value)) => value,
            Some(Err(_)) => ignored(name, "a whole number", default),
        };
        let flag = |name: &str| match text(name).as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => ignored(name, "true or false", false),
        };
        let at_least_one = |name: &str, default: u64| match number(name, default) {
            0 => ignored(name, "at least 1", default),
            value => value,
        };
        Config {
            origins: text("ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(|origin| origin.trim().trim_end_matches('/').to_string())
                .filter(|origin| !origin.is_empty())
                .collect(),
            page_fresh_ms: number("PAGE_FRESH_MS", 1_000),
            stale_while_revalidate_ms: number("STALE_WHILE_REVALIDATE_SECONDS", 60) * 1_000,
            availability_fresh_ms: number("AVAILABILITY_FRESH_MS", 1_000),
            stale_if_error_ms: number("STALE_IF_ERROR_SECONDS", contract::rules::cache::STALE_IF_ERROR_SECONDS) * 1_000,
            origin_timeout_ms: number("ORIGIN_TIMEOUT_MS", 3_000),
            breaker_cooldown_ms: number("BREAKER_COOLDOWN_MS", 5_000),
            body_timeout_ms: at_least_one("BODY_TIMEOUT_MS", 10_000),
            operator_token: text("OPERATOR_TOKEN"),
            edge_key: text("EDGE_KEY"),
            trust_cf_connecting_ip: flag("TRUST_CF_CONNECTING_IP"),
            hold_rate_burst: u32::try_from(at_least_one("HOLD_RATE_BURST", 10)).unwrap_or(u32::MAX),
            hold_rate_per_minute: u32::try_from(number("HOLD_RATE_PER_MINUTE", 30)).unwrap_or(u32::MAX),
            waiting_room_key: text("WAITING_ROOM_KEY").and_then(|key| {
                if key.len() >= contract::rules::admission::MIN_KEY_BYTES {
                    Some(key.into_bytes())
                } else {
                    worker::console_error!(
                        "WAITING_ROOM_KEY must be at least {} characters; the waiting room cannot let anyone in",
                        contract::rules::admission::MIN_KEY_BYTES
                    );
                    None
                }
            }),
            room_admission_seconds: at_least_one("ROOM_ADMISSION_SECONDS", 600),
            room_view_fresh_ms: at_least_one("ROOM_VIEW_FRESH_MS", 1_000),
            secure_cookies: text("SECURE_COOKIES").as_deref() != Some("false"),
        }
    }
}

/// Logs a setting that was set but could not be used, and gives the default instead.
fn ignored<T: std::fmt::Display>(name: &str, expected: &str, default: T) -> T {
    worker::console_error!("{name} must be {expected}; using the default, {default}");
    default
}
