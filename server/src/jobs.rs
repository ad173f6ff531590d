//! Background jobs that run at a fixed interval for as long as the app runs. A slow round delays
//! the next one (no burst of missed rounds afterwards).
use std::future::Future;
use std::time::Duration;

pub fn every<F, Fut>(interval: Duration, mut job: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            job().await;
        }
    })
}
