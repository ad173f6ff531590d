//! Serving connections: HTTP/1.1 through hyper, with the bounds `axum::serve` does not set.
//!
//! Policy: a connection must send a request's headers within `HEADER_READ_TIMEOUT_MS`, or it is
//! closed (slowloris: a connection that never finishes its headers would otherwise stay open for
//! ever). hyper's header timer also runs while a keep-alive connection waits for its next request,
//! so the same bound closes idle keep-alive connections. Each request carries its TCP peer as
//! `ConnectInfo<SocketAddr>`, what the client address falls back to. On shutdown the listener
//! stops accepting, idle connections close, and requests in flight get up to [`SHUTDOWN_GRACE`]
//! to finish.
//!
//! Why hyper's HTTP/1 builder and not hyper-util's `auto` one: the origin speaks HTTP/1.1 only (the
//! edge and load balancers talk to it in HTTP/1.1; axum is built without HTTP/2), and `auto`'s
//! graceful shutdown needs hyper-util's `server-auto`, which compiles an HTTP/2 server in; for
//! HTTP/1.1 `auto` runs this same builder.
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long requests in flight may take to finish once shutdown has begun.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How long to wait after a failed accept (out of file descriptors, say) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `shutdown` completes, then drains as above.
pub async fn serve(listener: TcpListener, router: Router, header_read_timeout: Duration, shutdown: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_read_timeout).keep_alive(true);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers are small and written whole: Nagle's delay would only add latency.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A timed-out or reset connection is the client's business, not an error of ours.
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection closed");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace_seconds = SHUTDOWN_GRACE.as_secs(), "requests still in flight at the end of the shutdown grace; closing them");
    }
}
