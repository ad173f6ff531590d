//! The command line, as clap reads it: subcommands, flags, their help and the checks one flag can
//! make alone. Defaults that depend on the scenario, and checks across flags, are in `options`.
use anyhow::bail;
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "stampede-sale",
    about = "An on-sale against a Stampede storefront on 127.0.0.1, then an audit of its books.",
    // A later flag wins over an earlier one, as scripts/profile-checkout.sh relies on.
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub scenario: ScenarioCommand,
}

#[derive(Subcommand, Debug)]
pub enum ScenarioCommand {
    /// 10,000 buyers arrive within 10 s (a spike at the on-sale moment) for 800 tickets
    Flash(SaleArgs),
    /// Buyers arrive at --rate per second for --duration-secs against ample stock
    Ample(SaleArgs),
}

#[derive(Args, Debug)]
pub struct SaleArgs {
    /// Start this stampede binary for the run
    #[arg(long, value_name = "PATH", default_value = "target/release/stampede", help_heading = "Where")]
    pub server_bin: String,
    /// Or sell through a storefront already running on 127.0.0.1
    #[arg(long, value_name = "URL", value_parser = loopback_url, help_heading = "Where")]
    pub target: Option<String>,
    /// Spawn mode: PostgreSQL admin URL (a fresh database is made and dropped) or sqlite:;
    /// target mode: the storefront's database
    #[arg(long, value_name = "URL", default_value = "postgres://postgres@127.0.0.1:5432/test", help_heading = "Where")]
    pub database_url: String,
    /// Redis for the gate (spawn mode)
    #[arg(long, value_name = "URL", help_heading = "Where")]
    pub redis_url: Option<String>,
    /// The main run's gate [default: redis with --redis-url, else local]
    #[arg(long, value_parser = ["redis", "local", "off"], help_heading = "Where")]
    pub gate: Option<String>,
    /// Run the same sale again with the gate off and one transaction per hold (the database
    /// alone), and print the ratio
    #[arg(long, help_heading = "Where")]
    pub baseline: bool,
    /// More settings for the spawned storefront (repeatable)
    #[arg(long, value_name = "KEY=VALUE", value_parser = key_value, help_heading = "Where")]
    pub server_env: Vec<(String, String)>,

    /// Flash: how many buyers arrive
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), help_heading = "The sale")]
    pub buyers: usize,
    /// Flash: the seconds within which they arrive
    #[arg(long = "window-secs", value_name = "S", default_value = "10", value_parser = seconds, help_heading = "The sale")]
    pub window: Duration,
    /// Tickets on sale [default: flash 800, ample 10000000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..), help_heading = "The sale")]
    pub capacity: Option<i64>,
    /// Ample: buyers arriving per second
    #[arg(long, value_name = "R", default_value_t = 1_500.0, value_parser = positive, help_heading = "The sale")]
    pub rate: f64,
    /// Ample: for how many seconds they arrive
    #[arg(long = "duration-secs", value_name = "S", default_value = "10", value_parser = seconds, help_heading = "The sale")]
    pub duration: Duration,
    /// How long a hold lasts [default: flash 10, ample 60]
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(1..), help_heading = "The sale")]
    pub hold_ttl_secs: Option<u64>,
    /// The share of buyers who walk away from their hold [default: flash 0.05, ample 0.1]
    #[arg(long, value_name = "F", value_parser = share, help_heading = "The sale")]
    pub abandon_rate: Option<f64>,
    /// How long a buyer thinks between hold and order [default: flash 2000-6000, ample 0-1000]
    #[arg(long, value_name = "MIN-MAX", value_parser = millis_range, help_heading = "The sale")]
    pub think_ms: Option<(u64, u64)>,
    /// How long a refused buyer keeps trying
    #[arg(long = "patience-secs", value_name = "S", default_value = "45", value_parser = seconds, help_heading = "The sale")]
    pub patience: Duration,
    /// How often a refused buyer looks again (jittered)
    #[arg(long = "poll-ms", value_name = "MS", default_value_t = 3_000, help_heading = "The sale")]
    pub poll_ms: u64,
    /// Ample: open the event page too (flash buyers always do)
    #[arg(long, help_heading = "The sale")]
    pub with_page: bool,
    /// At most this many connections at once
    #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), help_heading = "The sale")]
    pub max_connections: usize,
    /// The run stops this many seconds after the on-sale moment, whatever is left
    #[arg(long = "max-secs", value_name = "S", default_value = "240", value_parser = seconds, help_heading = "The sale")]
    pub max_run: Duration,
    /// Seed of the arrival schedule and of every buyer's choices
    #[arg(long, value_name = "N", default_value_t = 7, help_heading = "The sale")]
    pub seed: u64,
    /// Keep the database the run made (spawn mode)
    #[arg(long, help_heading = "The sale")]
    pub keep_db: bool,

    /// Buyers pay by card, through localstripe (the Stripe-compatible test server, started for the
    /// run): the money is audited too (spawn mode)
    #[arg(long, help_heading = "Paying by card")]
    pub pay_by_card: bool,
    /// The share of paying buyers whose card is declined (they try again with another)
    #[arg(long, value_name = "F", default_value_t = 0.05, value_parser = share, help_heading = "Paying by card")]
    pub declined_share: f64,
    /// The share of paying buyers whose bank asks for 3-D Secure
    #[arg(long = "three-ds-share", value_name = "F", default_value_t = 0.10, value_parser = share, help_heading = "Paying by card")]
    pub three_ds_share: f64,
    /// The share of paying buyers who pass 3-D Secure only after their hold has expired
    #[arg(long, value_name = "F", default_value_t = 0.03, value_parser = share, help_heading = "Paying by card")]
    pub late_share: f64,

    /// Flash: buyers who find the tickets gone may join the waiting list; its offers are read from
    /// the storefront's emails and bought, then an organiser cancels orders and what reaches the
    /// list is checked (spawn mode)
    #[arg(long, help_heading = "The waiting list")]
    pub waiting_list: bool,
    /// The share of buyers who join the list when they find the tickets gone
    #[arg(long, value_name = "F", default_value_t = 0.5, value_parser = share, help_heading = "The waiting list")]
    pub join_share: f64,
    /// How many orders the organiser cancels after the sale
    #[arg(long, value_name = "N", default_value_t = 100, help_heading = "The waiting list")]
    pub cancellations: usize,

    /// Flash: buyers go through the edge (workerd, started for the run, `make edge` first) with the
    /// event's waiting room on: the queue page's polls, then page, hold and order; what reaches the
    /// origin is counted (spawn mode)
    #[arg(long, help_heading = "Through the edge")]
    pub through_edge: bool,
    /// How many seconds of the arrivals come before the on-sale moment (the pre-queue, drawn by lot)
    #[arg(long = "early-secs", value_name = "S", default_value = "3", value_parser = seconds, help_heading = "Through the edge")]
    pub early: Duration,
    /// The room's pace: buyers let in per minute
    #[arg(long, value_name = "N", default_value_t = 3_000, value_parser = clap::value_parser!(i64).range(1..=1_000_000), help_heading = "Through the edge")]
    pub room_per_minute: i64,
    /// The room's cap: most buyers in at once
    #[arg(long, value_name = "N", default_value_t = 1_000, value_parser = clap::value_parser!(i64).range(1..=1_000_000), help_heading = "Through the edge")]
    pub room_max_active: i64,
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

fn loopback_url(value: &str) -> Result<String, String> {
    check_loopback(value).map(|()| value.to_string()).map_err(|err| err.to_string())
}

fn key_value(value: &str) -> Result<(String, String), String> {
    let (key, value) = value.split_once('=').ok_or("wants KEY=VALUE")?;
    Ok((key.to_string(), value.to_string()))
}

fn seconds(value: &str) -> Result<Duration, String> {
    let secs: f64 = value.trim().parse().map_err(|_| "wants a number of seconds")?;
    Duration::try_from_secs_f64(secs).map_err(|_| "wants a number of seconds, at least 0".to_string())
}

fn positive(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(number) if number > 0.0 && number.is_finite() => Ok(number),
        _ => Err("wants a number above 0".into()),
    }
}

fn share(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(number) if (0.0..=1.0).contains(&number) => Ok(number),
        _ => Err("wants a number within 0..1".into()),
    }
}

fn millis_range(value: &str) -> Result<(u64, u64), String> {
    let wanted = || "wants MIN-MAX in milliseconds, with MIN <= MAX".to_string();
    let (min, max) = value.split_once('-').ok_or_else(wanted)?;
    match (min.trim().parse(), max.trim().parse()) {
        (Ok(min), Ok(max)) if min <= max => Ok((min, max)),
        _ => Err(wanted()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn only_loopback_targets() {
        assert!(check_loopback("http://127.0.0.1:3000").is_ok());
        assert!(check_loopback("http://localhost:3000/").is_ok());
        assert!(check_loopback("http://[::1]:3000").is_ok());
        assert!(check_loopback("http://10.0.0.5:3000").is_err());
        assert!(check_loopback("https://tickets.example.com").is_err());
    }

    #[test]
    fn value_checks() {
        assert_eq!(key_value("BATCH_MAX=1=2"), Ok(("BATCH_MAX".into(), "1=2".into())));
        assert!(key_value("BATCH_MAX").is_err());
        assert_eq!(seconds("2.5"), Ok(Duration::from_millis(2_500)));
        assert!(seconds("-1").is_err() && seconds("soon").is_err());
        assert!(positive("0").is_err() && positive("inf").is_err());
        assert!(share("1.5").is_err() && share("1").is_ok());
        assert_eq!(millis_range("0-1000"), Ok((0, 1_000)));
        assert!(millis_range("1000-0").is_err() && millis_range("500").is_err());
        assert!(loopback_url("http://10.0.0.5:3000").is_err());
    }
}
