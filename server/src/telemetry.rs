//! Logging through `tracing`, written to stderr by a background thread (stdout stays free for
//! commands' output, such as `stampede render`): a slow terminal or disk never makes a
//! request slow. `RUST_LOG` filters (default: info for Stampede, warn for the rest).
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keep the guard alive for the life of the process: dropping it flushes and stops the writer.
pub fn init() -> WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,stampede=info,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    guard
}
