//! The edge's settings, from the worker's environment (wrangler.toml `[vars]`, or the workerd
//! config's text bindings). Every value has a default except ORIGINS.
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
        let text = |name: &str| env.var(name).ok().map(|value| value.to_string());
        let number = |name: &str, default: u64| text(name).and_then(|v| v.trim().parse().ok()).unwrap_or(default);
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
        }
    }
}
