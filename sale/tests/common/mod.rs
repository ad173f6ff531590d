//! What the simulator's end-to-end tests share: the storefront binary built fresh, one bounded
//! run of `stampede-sale` with its database kept for the test to read, and the summary line.
use sqlx::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The storefront binary of this checkout, built now so that it is never stale (quick when it is
/// up to date: the test's own build compiled its library already).
pub fn server_bin() -> PathBuf {
    let sale = Path::new(env!("CARGO_BIN_EXE_stampede-sale"));
    let mut build = Command::new(env!("CARGO"));
    build.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).args([
        "build",
        "--quiet",
        "-p",
        "stampede-server",
        "-p",
        "stampede-sale",
    ]);
    build.args(["--bin", "stampede"]);
    // Without what `cargo test` sets for this test (its package's name, version and folder): ring's
    // build script reads those names, so cargo would rebuild the TLS stack and the storefront for
    // this build, and again for the next build from a shell (make's), minutes in every CI run.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || ["CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_CRATE_NAME", "CARGO_PRIMARY_PACKAGE"].contains(&&*name)
        {
            build.env_remove(&*name);
        }
    }
    if sale.parent().and_then(Path::file_name).is_some_and(|profile| profile == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo builds the storefront");
    assert!(status.success(), "building the storefront failed");
    sale.with_file_name("stampede")
}

/// A finished run: how the simulator exited, what it printed, and its kept database.
pub struct Run {
    pub status: ExitStatus,
    pub printed: String,
    /// The run's database, kept with `--keep-db` (None when the run made none); dropped with the run.
    pub db: Option<sqlx::PgConnection>,
    database: String,
}

/// Runs `stampede-sale` with `args` (which should keep the database: `--keep-db`) against this
/// checkout's storefront on PostgreSQL, killed if it outlives `limit`.
pub async fn run_simulator(args: &[&str], limit: Duration) -> Run {
    let server = server_bin();
    let output = tempfile::NamedTempFile::new().unwrap();
    let database_url = admin_url();
    let started = Instant::now();
    let mut sale = Command::new(env!("CARGO_BIN_EXE_stampede-sale"))
        .args(args)
        .args(["--server-bin", server.to_str().unwrap(), "--database-url", &database_url])
        .stdin(Stdio::null())
        .stdout(Stdio::from(output.reopen().unwrap()))
        .spawn()
        .expect("the simulator starts");
    let database = format!("stampede_sale_{}_1", sale.id());
    let status = loop {
        if let Some(status) = sale.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = sale.kill();
            let _ = sale.wait();
            panic!("the sale ran longer than {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let printed = std::fs::read_to_string(output.path()).unwrap();
    println!("{printed}\n(the run took {:.1} s)", started.elapsed().as_secs_f64());
    let (base, _) = database_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /<database>");
    let db = sqlx::PgConnection::connect(&format!("{base}/{database}")).await.ok();
    Run { status, printed, db, database }
}

impl Run {
    /// The summary line's `key=value` fields.
    pub fn summary(&self) -> HashMap<String, String> {
        let line = self.printed.lines().rev().find(|line| line.starts_with("sold=")).expect("the summary line");
        line.split_whitespace().filter_map(|field| field.split_once('=')).map(|(key, value)| (key.to_string(), value.to_string())).collect()
    }

    /// A whole-number field of the summary line.
    pub fn number(&self, key: &str) -> i64 {
        self.summary()
            .get(key)
            .unwrap_or_else(|| panic!("{key} is missing from the summary"))
            .parse()
            .unwrap_or_else(|_| panic!("{key} is a number"))
    }

    /// A count from the kept database.
    pub async fn count(&mut self, sql: &str) -> i64 {
        let db = self.db.as_mut().expect("the run's database was kept for the test");
        sqlx::query_scalar::<_, i64>(sql).fetch_one(db).await.unwrap_or_else(|err| panic!("{sql}: {err}"))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // The kept database goes with the run, whatever the test found.
        if self.db.take().is_some() {
            let (admin_url, database) = (admin_url(), self.database.clone());
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)")).execute(&mut admin).await;
                    }
                });
            })
            .join();
        }
    }
}
