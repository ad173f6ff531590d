//! aiosmtpd (PyPI), a real SMTP server, started by a test on its own loopback port (through
//! `scripts/run-smtp.py`) and stopped when the test ends; it keeps every message it accepts as a
//! file. When it cannot be started the test fails: it never skips.
use super::redis_process::free_port;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on(free_port(), None).await
    }

    /// On `port`, refusing recipients whose address contains `refuse`.
    pub async fn start_on(port: u16, refuse: Option<&str>) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/run-smtp.py");
        let mut command = Command::new("python3");
        command.arg(&script).args(["--port", &port.to_string(), "--dir"]).arg(dir.path());
        if let Some(refuse) = refuse {
            command.args(["--refuse", refuse]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("python3 {} is required for the email tests: {err}", script.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP server did not answer on port {port} (is aiosmtpd installed? `make smtp-server`)");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        SmtpServer { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        received(self.dir.path())
    }
}

fn received(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(Result::ok).map(|entry| entry.path()).filter(|path| path.extension().is_some_and(|x| x == "eml")).collect()
        })
        .unwrap_or_default();
    names.sort();
    names.iter().filter_map(|path| std::fs::read(path).ok()).collect()
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
