//! Command-line options. Parsed by hand: a dozen `--name value` pairs do not need a parser crate.
use anyhow::{anyhow, bail, Context};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Many buyers, a spike at the on-sale moment, few tickets.
    Flash,
    /// A steady open-loop arrival rate against stock that never runs out.
    Ample,
}

#[derive(Clone, Debug)]
pub struct Options {
    pub scenario: Scenario,
    /// The storefront to sell through; None: start one (`server_bin`).
    pub target: Option<String>,
    pub server_bin: String,
    /// Spawn mode: an admin URL (a fresh database is created on that server, or a temporary SQLite
    /// file for sqlite:). Target mode: the storefront's own database (for seeding and the audit).
    pub database_url: String,
    pub redis_url: Option<String>,
    pub gate: String,
    pub baseline: bool,
    pub server_env: Vec<(String, String)>,
    pub buyers: usize,
    pub window: Duration,
    pub capacity: i64,
    pub rate: f64,
    pub duration: Duration,
    pub hold_ttl_secs: u64,
    pub abandon_rate: f64,
    pub think_ms: (u64, u64),
    pub patience: Duration,
    pub poll: Duration,
    pub with_page: bool,
    pub max_connections: usize,
    pub max_run: Duration,
    pub seed: u64,
    pub keep_db: bool,
}

pub const USAGE: &str = "usage: stampede-sale <flash|ample> [options]

  flash   10,000 buyers arrive within 10 s (a spike at the on-sale moment) for 800 tickets
  ample   buyers arrive at --rate per second for --duration-secs against ample stock

Where:
  --server-bin PATH       start this stampede binary for the run (default target/release/stampede)
  --target URL            or sell through a storefront already running on 127.0.0.1
  --database-url URL      spawn mode: PostgreSQL admin URL (a fresh database is made and dropped)
                          or sqlite:; target mode: the storefront's database
                          (default postgres://postgres@127.0.0.1:5432/test)
  --redis-url URL         Redis for the gate (spawn mode)
  --gate redis|local|off  the main run's gate (default: redis with --redis-url, else local)
  --baseline              run the same sale again with the gate off and one transaction per
                          hold (the database alone), and print the ratio
  --server-env KEY=VALUE  more settings for the spawned storefront (repeatable)

The sale:
  --buyers N --window-secs S --capacity N       (flash: 10000, 10, 800)
  --rate R --duration-secs S                    (ample: 1500, 10)
  --hold-ttl-secs S (flash 10, ample 60)  --abandon-rate F (flash 0.05, ample 0.1)  --think-ms MIN-MAX
  --patience-secs S (45)  --poll-ms MS (3000)   --with-page (ample: open the page too)
  --max-connections N (2000)  --max-secs S (240)  --seed N  --keep-db";

impl Options {
    pub fn parse(args: &[String]) -> anyhow::Result<Options> {
        let scenario = match args.first().map(String::as_str) {
            Some("flash") => Scenario::Flash,
            Some("ample") => Scenario::Ample,
            Some("-h" | "--help") | None => bail!("{USAGE}"),
            Some(other) => bail!("unknown scenario {other:?}\n\n{USAGE}"),
        };
        let flash = scenario == Scenario::Flash;
        let mut options = Options {
            scenario,
            target: None,
            server_bin: "target/release/stampede".into(),
            database_url: "postgres://postgres@127.0.0.1:5432/test".into(),
            redis_url: None,
            gate: String::new(),
            baseline: false,
            server_env: Vec::new(),
            buyers: 10_000,
            window: Duration::from_secs(10),
            capacity: if flash { 800 } else { 10_000_000 },
            rate: 1_500.0,
            duration: Duration::from_secs(10),
            hold_ttl_secs: if flash { 10 } else { 60 },
            abandon_rate: if flash { 0.05 } else { 0.1 },
            think_ms: if flash { (2_000, 6_000) } else { (0, 1_000) },
            patience: Duration::from_secs(45),
            poll: Duration::from_millis(3_000),
            with_page: flash,
            max_connections: 2_000,
            max_run: Duration::from_secs(240),
            seed: 7,
            keep_db: false,
        };
        let mut rest = args[1..].iter();
        while let Some(flag) = rest.next() {
            let mut value = || rest.next().cloned().ok_or_else(|| anyhow!("{flag} needs a value"));
            match flag.as_str() {
                "--target" => options.target = Some(value()?),
                "--server-bin" => options.server_bin = value()?,
                "--database-url" => options.database_url = value()?,
                "--redis-url" => options.redis_url = Some(value()?),
                "--gate" => options.gate = value()?,
                "--baseline" => options.baseline = true,
                "--with-page" => options.with_page = true,
                "--keep-db" => options.keep_db = true,
                "--server-env" => {
                    let pair = value()?;
                    let (key, value) = pair.split_once('=').ok_or_else(|| anyhow!("--server-env wants KEY=VALUE, got {pair:?}"))?;
                    options.server_env.push((key.into(), value.into()));
                }
                "--buyers" => options.buyers = number(&value()?, flag)?,
                "--window-secs" => options.window = Duration::from_secs_f64(number(&value()?, flag)?),
                "--capacity" => options.capacity = number(&value()?, flag)?,
                "--rate" => options.rate = number(&value()?, flag)?,
                "--duration-secs" => options.duration = Duration::from_secs_f64(number(&value()?, flag)?),
                "--hold-ttl-secs" => options.hold_ttl_secs = number(&value()?, flag)?,
                "--abandon-rate" => options.abandon_rate = number(&value()?, flag)?,
                "--patience-secs" => options.patience = Duration::from_secs_f64(number(&value()?, flag)?),
                "--poll-ms" => options.poll = Duration::from_millis(number(&value()?, flag)?),
                "--max-connections" => options.max_connections = number(&value()?, flag)?,
                "--max-secs" => options.max_run = Duration::from_secs_f64(number(&value()?, flag)?),
                "--seed" => options.seed = number(&value()?, flag)?,
                "--think-ms" => {
                    let range = value()?;
                    let (min, max) = range.split_once('-').ok_or_else(|| anyhow!("--think-ms wants MIN-MAX, got {range:?}"))?;
                    options.think_ms = (number(min, flag)?, number(max, flag)?);
                }
                other => bail!("unknown option {other:?}\n\n{USAGE}"),
            }
        }
        if options.gate.is_empty() {
            options.gate = if options.redis_url.is_some() { "redis".into() } else { "local".into() };
        }
        if !matches!(options.gate.as_str(), "redis" | "local" | "off") {
            bail!("--gate must be redis, local or off");
        }
        if options.gate == "redis" && options.redis_url.is_none() && options.target.is_none() {
            bail!("--gate redis needs --redis-url");
        }
        if !(0.0..=1.0).contains(&options.abandon_rate) || options.think_ms.0 > options.think_ms.1 {
            bail!("--abandon-rate must be within 0..1 and --think-ms MIN-MAX with MIN <= MAX");
        }
        if options.buyers == 0 || options.rate <= 0.0 || options.max_connections == 0 || options.hold_ttl_secs == 0 {
            bail!("--buyers, --rate, --max-connections and --hold-ttl-secs must be positive");
        }
        if let Some(target) = &options.target {
            check_loopback(target)?;
        }
        Ok(options)
    }

    /// How many buyers the run schedules.
    pub fn total_buyers(&self) -> usize {
        match self.scenario {
            Scenario::Flash => self.buyers,
            Scenario::Ample => (self.rate * self.duration.as_secs_f64()).round().max(1.0) as usize,
        }
    }
}

fn number<T: std::str::FromStr>(value: &str, flag: &str) -> anyhow::Result<T> {
    value.trim().parse().ok().with_context(|| format!("{flag} wants a number, got {value:?}"))
}

/// This tool sends bursts of traffic: only ever to this machine.
pub fn check_loopback(url: &str) -> anyhow::Result<()> {
    let rest = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!("{url} is not on this machine: the simulator only sends traffic to 127.0.0.1 (or ::1, localhost)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert!(check_loopback("http://127.0.0.1:3000").is_ok());
        assert!(check_loopback("http://localhost:3000/").is_ok());
        assert!(check_loopback("http://[::1]:3000").is_ok());
        assert!(check_loopback("http://10.0.0.5:3000").is_err());
        assert!(check_loopback("https://tickets.example.com").is_err());
    }
}
