//! The edge in front of the storefront (`--through-edge`): the built worker on workerd, started
//! for the run on a free loopback port by `scripts/run-edge.sh`, with the room's key shared with
//! the origin, and the origin's own count of the requests that reached it.
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The waiting room's key for the run, given to the origin and the edge alike.
pub const ROOM_KEY: &str = "the sale simulator's waiting-room key, for this machine only";
/// Opens the origin's /metrics, where the requests that reached it are counted.
pub const OPERATOR_TOKEN: &str = "the sale simulator's operator token";

pub struct Edge {
    pub base_url: String,
    child: Child,
    _rooms: tempfile::TempDir,
    pub log_path: std::path::PathBuf,
}

impl Edge {
    pub async fn start(origin: &str) -> anyhow::Result<Edge> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/run-edge.sh");
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let rooms = tempfile::tempdir()?;
        let log_path = std::env::temp_dir().join(format!("stampede-sale-edge-{}.log", std::process::id()));
        let log = std::fs::File::create(&log_path)?;
        let child = Command::new(script)
            .arg(format!("127.0.0.1:{port}"))
            .arg(origin)
            .env("WAITING_ROOM_KEY", ROOM_KEY)
            .env("ROOM_DIR", rooms.path())
            .env("SECURE_COOKIES", "false")
            // Each simulated buyer is a client of its own, named as Cloudflare would name it.
            .env("TRUST_CF_CONNECTING_IP", "true")
            .env("EDGE_KEY", crate::buyers::EDGE_KEY)
            .env("HOLD_RATE_BURST", "100000")
            .env("HOLD_RATE_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("cannot start {script} (run `make edge` first)"))?;
        let mut edge = Edge { base_url: format!("http://127.0.0.1:{port}"), child, _rooms: rooms, log_path };
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = edge.child.try_wait()? {
                bail!("the edge exited ({status}) before it was ready; see {:?}", edge.log_path);
            }
            if client.get(format!("{}/__edge/health", edge.base_url)).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(edge);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        edge.stop();
        bail!("the edge was not ready within 60 s; see {:?}", edge.log_path)
    }

    /// The script stops workerd when it is told to stop (its trap), then exits.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The requests the origin has answered, by route, from its own metrics.
pub async fn origin_requests(origin: &str) -> anyhow::Result<BTreeMap<String, u64>> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let text = client.get(format!("{origin}/metrics")).bearer_auth(OPERATOR_TOKEN).send().await?.error_for_status()?.text().await?;
    let mut by_route = BTreeMap::new();
    for line in text.lines().filter(|line| line.starts_with("stampede_http_request_duration_seconds_count{")) {
        let route = line.split("route=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("?").to_string();
        let count: u64 = line.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        *by_route.entry(route).or_insert(0) += count;
    }
    Ok(by_route)
}

/// What reached the origin between two readings, by route.
pub fn difference(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(route, count)| (route.clone(), count - before.get(route).copied().unwrap_or(0).min(*count)))
        .filter(|(_, count)| *count > 0)
        .collect()
}
