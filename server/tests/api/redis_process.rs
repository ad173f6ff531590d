//! Redis servers and sentinels that a test starts, on its own loopback ports, and kills. Chaos
//! tests use these, never the machine's shared Redis, which other tests rely on.
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().unwrap().port()
}

pub struct RedisProcess {
    pub port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
    args: Vec<String>,
}

impl RedisProcess {
    /// A primary on a free port, keeping nothing on disk.
    pub async fn primary() -> RedisProcess {
        Self::start(free_port(), Vec::new()).await
    }

    pub async fn replica_of(primary: &RedisProcess) -> RedisProcess {
        Self::start(free_port(), vec!["--replicaof".into(), "127.0.0.1".into(), primary.port.to_string()]).await
    }

    /// A sentinel watching `primary` under `master`, with quorum 2 and a 1 s down-after.
    pub async fn sentinel(primary: &RedisProcess, master: &str) -> RedisProcess {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("sentinel.conf");
        let lines = [
            format!("port {port}"),
            "bind 127.0.0.1".to_string(),
            format!("sentinel monitor {master} 127.0.0.1 {} 2", primary.port),
            format!("sentinel down-after-milliseconds {master} 1000"),
            format!("sentinel failover-timeout {master} 5000"),
            format!("sentinel parallel-syncs {master} 1"),
        ];
        std::fs::write(&config, lines.join("\n") + "\n").unwrap();
        let args = vec![config.display().to_string(), "--sentinel".into()];
        let mut process = RedisProcess { port, child: None, dir, args };
        process.spawn().await;
        process
    }

    async fn start(port: u16, extra: Vec<String>) -> RedisProcess {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--save".into(),
            String::new(),
            "--appendonly".into(),
            "no".into(),
            "--dir".into(),
            dir.path().display().to_string(),
        ];
        args.extend(extra);
        let mut process = RedisProcess { port, child: None, dir, args };
        process.spawn().await;
        process
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).unwrap();
        let child = Command::new("redis-server")
            .args(&self.args)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|err| panic!("redis-server is required for the chaos tests: {err}"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {} did not start; log:\n{}", self.port, std::fs::read_to_string(self.log_path()).unwrap_or_default());
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    async fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else { return false };
        let ping = async {
            let mut connection = client.get_multiplexed_async_connection().await?;
            redis::cmd("PING").query_async::<String>(&mut connection).await
        };
        matches!(tokio::time::timeout(Duration::from_millis(500), ping).await, Ok(Ok(_)))
    }

    /// Runs a command on this server.
    pub async fn command<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> redis::RedisResult<T> {
        let client = redis::Client::open(self.url())?;
        let mut connection = client.get_multiplexed_async_connection().await?;
        command.query_async(&mut connection).await
    }

    /// SIGKILL: no goodbye to clients or replicas.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same port, empty (nothing is kept on disk).
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
