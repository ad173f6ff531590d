//! The options of a run, resolved from the command line (`cli`): what the buyers, the storefront
//! and the report read.
use crate::cli::{Cli, ScenarioCommand};
use clap::error::ErrorKind;
use clap::CommandFactory;
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
    /// Buyers pay by card (None: at the door), with these shares of card kinds.
    pub cards: Option<CardShares>,
    /// Sold-out buyers may join the waiting list, and orders are cancelled after the sale.
    pub waiting_list: Option<ListPlan>,
    /// Buyers go through the edge and its waiting room.
    pub edge: Option<EdgePlan>,
}

/// The edge's part of a flash sale (`--through-edge`).
#[derive(Clone, Copy, Debug)]
pub struct EdgePlan {
    /// How much of the arrivals comes before the on-sale moment.
    pub early: Duration,
    pub per_minute: i64,
    pub max_active: i64,
}

/// The waiting list's part of a flash sale.
#[derive(Clone, Copy, Debug)]
pub struct ListPlan {
    /// Of the buyers who find the tickets gone, the share who join.
    pub join_share: f64,
    /// Orders the organiser cancels after the sale.
    pub cancellations: usize,
}

/// Of the buyers who pay by card, the shares of each kind of card (the rest pay at once).
#[derive(Clone, Copy, Debug)]
pub struct CardShares {
    pub declined: f64,
    pub three_ds: f64,
    pub late: f64,
}

impl Options {
    /// The options of a run, from the command line: the scenario's defaults for what was not
    /// given, and the checks that concern more than one flag.
    pub fn from_cli(cli: Cli) -> Result<Options, clap::Error> {
        let (scenario, args) = match cli.scenario {
            ScenarioCommand::Flash(args) => (Scenario::Flash, args),
            ScenarioCommand::Ample(args) => (Scenario::Ample, args),
        };
        let flash = scenario == Scenario::Flash;
        let gate = args.gate.unwrap_or_else(|| if args.redis_url.is_some() { "redis".into() } else { "local".into() });
        if args.pay_by_card && args.target.is_some() {
            return Err(usage_error(scenario, ErrorKind::ArgumentConflict, "--pay-by-card starts its own storefront: leave out --target"));
        }
        if args.waiting_list && (args.target.is_some() || args.baseline || !flash) {
            return Err(usage_error(
                scenario,
                ErrorKind::ArgumentConflict,
                "--waiting-list is a flash sale on a storefront it starts, without --baseline: leave out --target and --baseline",
            ));
        }
        if args.through_edge && (args.target.is_some() || args.baseline || !flash || args.pay_by_card || args.waiting_list) {
            return Err(usage_error(
                scenario,
                ErrorKind::ArgumentConflict,
                "--through-edge is a flash sale on a storefront and an edge it starts: leave out --target, --baseline, --pay-by-card and --waiting-list",
            ));
        }
        if args.declined_share + args.three_ds_share + args.late_share > 1.0 {
            return Err(usage_error(scenario, ErrorKind::ValueValidation, "the card shares add up to more than 1"));
        }
        if gate == "redis" && args.redis_url.is_none() && args.target.is_none() {
            return Err(usage_error(scenario, ErrorKind::MissingRequiredArgument, "--gate redis needs --redis-url"));
        }
        Ok(Options {
            scenario,
            target: args.target,
            server_bin: args.server_bin,
            database_url: args.database_url,
            redis_url: args.redis_url,
            gate,
            baseline: args.baseline,
            server_env: args.server_env,
            buyers: args.buyers,
            window: args.window,
            capacity: args.capacity.unwrap_or(if flash { 800 } else { 10_000_000 }),
            rate: args.rate,
            duration: args.duration,
            hold_ttl_secs: args.hold_ttl_secs.unwrap_or(if flash { 10 } else { 60 }),
            abandon_rate: args.abandon_rate.unwrap_or(if flash { 0.05 } else { 0.1 }),
            think_ms: args.think_ms.unwrap_or(if flash { (2_000, 6_000) } else { (0, 1_000) }),
            patience: args.patience,
            poll: Duration::from_millis(args.poll_ms),
            with_page: flash || args.with_page,
            max_connections: args.max_connections,
            max_run: args.max_run,
            seed: args.seed,
            keep_db: args.keep_db,
            cards: args.pay_by_card.then_some(CardShares {
                declined: args.declined_share,
                three_ds: args.three_ds_share,
                late: args.late_share,
            }),
            waiting_list: args.waiting_list.then_some(ListPlan { join_share: args.join_share, cancellations: args.cancellations }),
            edge: args.through_edge.then_some(EdgePlan {
                early: args.early,
                per_minute: args.room_per_minute,
                max_active: args.room_max_active,
            }),
        })
    }

    /// How many buyers the run schedules.
    pub fn total_buyers(&self) -> usize {
        match self.scenario {
            Scenario::Flash => self.buyers,
            Scenario::Ample => (self.rate * self.duration.as_secs_f64()).round().max(1.0) as usize,
        }
    }
}

/// A mistake on the command line that clap cannot see alone, told as clap tells its own: with the
/// scenario's usage, exit code 2.
fn usage_error(scenario: Scenario, kind: ErrorKind, message: &str) -> clap::Error {
    let mut command = Cli::command();
    command.build();
    let name = match scenario {
        Scenario::Flash => "flash",
        Scenario::Ample => "ample",
    };
    match command.find_subcommand_mut(name) {
        Some(subcommand) => subcommand.error(kind, message),
        None => command.error(kind, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(line: &str) -> Result<Options, clap::Error> {
        Options::from_cli(Cli::try_parse_from(std::iter::once("stampede-sale").chain(line.split_whitespace()))?)
    }

    #[test]
    fn each_scenario_has_its_defaults() {
        let flash = parse("flash").unwrap();
        assert_eq!((flash.scenario, flash.capacity, flash.hold_ttl_secs, flash.think_ms), (Scenario::Flash, 800, 10, (2_000, 6_000)));
        assert_eq!((flash.abandon_rate, flash.with_page, flash.gate.as_str(), flash.total_buyers()), (0.05, true, "local", 10_000));
        assert_eq!((flash.window, flash.patience, flash.poll, flash.max_run), (secs(10), secs(45), secs(3), secs(240)));
        assert_eq!(
            (flash.server_bin.as_str(), flash.database_url.as_str()),
            ("target/release/stampede", "postgres://postgres@127.0.0.1:5432/test")
        );
        let ample = parse("ample").unwrap();
        assert_eq!((ample.scenario, ample.capacity, ample.hold_ttl_secs, ample.think_ms), (Scenario::Ample, 10_000_000, 60, (0, 1_000)));
        assert_eq!((ample.abandon_rate, ample.with_page, ample.total_buyers(), ample.seed), (0.1, false, 15_000, 7));
    }

    fn secs(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn what_make_and_the_scripts_pass() {
        let sale = parse("flash --baseline --server-bin bin/stampede --database-url postgres://db --redis-url redis://r --buyers 2000 --window-secs 5 --capacity 200").unwrap();
        assert!(sale.baseline);
        assert_eq!(
            (sale.server_bin.as_str(), sale.database_url.as_str(), sale.redis_url.as_deref()),
            ("bin/stampede", "postgres://db", Some("redis://r"))
        );
        assert_eq!((sale.gate.as_str(), sale.buyers, sale.window, sale.capacity), ("redis", 2_000, secs(5), 200));
        // scripts/profile-checkout.sh: options after its own override them.
        let profile = parse("ample --abandon-rate 0 --server-bin s --database-url d --redis-url r --rate 2500 --abandon-rate 0.2").unwrap();
        assert_eq!((profile.abandon_rate, profile.rate), (0.2, 2_500.0));
        let custom =
            parse("ample --gate off --server-env A=1 --server-env B=2 --think-ms 5-10 --with-page --hold-ttl-secs 120 --keep-db").unwrap();
        assert_eq!(custom.server_env, [("A".to_string(), "1".to_string()), ("B".to_string(), "2".to_string())]);
        assert_eq!(
            (custom.gate.as_str(), custom.think_ms, custom.with_page, custom.hold_ttl_secs, custom.keep_db),
            ("off", (5, 10), true, 120, true)
        );
    }

    #[test]
    fn refuses_what_cannot_run() {
        for line in [
            "",
            "rush",
            "flash --gate redis",
            "flash --gate sometimes",
            "flash --buyers 0",
            "flash --buyers many",
            "ample --rate 0",
            "ample --abandon-rate 2",
            "ample --think-ms 9-1",
            "ample --hold-ttl-secs 0",
            "ample --target http://10.0.0.5:3000",
            "ample --unknown",
            "ample --waiting-list",
            "flash --waiting-list --baseline",
            "flash --waiting-list --join-share 2",
        ] {
            assert!(parse(line).is_err(), "{line:?} was accepted");
        }
        assert!(parse("flash --target http://127.0.0.1:3000 --gate redis").is_ok(), "a running storefront has its own gate");
        let list = parse("flash --waiting-list --join-share 0.3 --cancellations 10").unwrap().waiting_list.unwrap();
        assert_eq!((list.join_share, list.cancellations), (0.3, 10));
    }
}
