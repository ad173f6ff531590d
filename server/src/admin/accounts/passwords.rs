//! Password hashing, bounded. Passwords are argon2id (the `argon2` crate's defaults, OWASP's
//! minimum: 19 MiB, 2 passes), hashed on the blocking pool so the runtime that serves the on-sale
//! never runs one.
//!
//! Policy: at most `PASSWORD_HASH_CONCURRENCY` hashes run at once (a hash keeps a core busy, so
//! the default is the number of cores). A sign-in or sign-up waits up to `PASSWORD_HASH_WAIT_MS`
//! for a slot, then is answered 503 with `Retry-After`: a burst of sign-ins queues here rather
//! than on the CPU that checkout needs. The slot is held by the hashing itself, not by the
//! request, so a client that gives up does not free a slot that is still computing.
use crate::error::ApiError;
use crate::metrics::Metrics;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

pub struct Hashing {
    slots: Arc<Semaphore>,
    wait: Duration,
    running: Arc<AtomicUsize>,
    metrics: Arc<Metrics>,
}

impl Hashing {
    pub fn new(concurrency: usize, wait: Duration, metrics: Arc<Metrics>) -> Hashing {
        Hashing { slots: Arc::new(Semaphore::new(concurrency.max(1))), wait, running: Arc::new(AtomicUsize::new(0)), metrics }
    }

    /// Runs `work` on the blocking pool once a slot is free.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let Ok(Ok(slot)) = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await else {
            self.metrics.count_password_hash("busy");
            return Err(ApiError::Busy("Many people are signing in right now. Please try again in a few seconds.".into()));
        };
        let (running, metrics) = (self.running.clone(), self.metrics.clone());
        tokio::task::spawn_blocking(move || {
            metrics.password_hashes_running(running.fetch_add(1, Ordering::SeqCst) + 1);
            let result = work();
            metrics.password_hashes_running(running.fetch_sub(1, Ordering::SeqCst) - 1);
            metrics.count_password_hash("hashed");
            drop(slot);
            result
        })
        .await
        .map_err(|err| ApiError::Unexpected(anyhow::anyhow!("password hashing stopped: {err}")))
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `hash`; with no hash (an unknown address), the same work is
    /// done against a dummy, so "no such user" takes as long as "wrong password".
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let known = hash.is_some();
        let matches = self
            .run(move || {
                let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
                let parsed = PasswordHash::new(&hash).map_err(|err| anyhow::anyhow!("a stored password hash is unreadable: {err}"))?;
                Ok::<bool, anyhow::Error>(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            })
            .await?
            .map_err(ApiError::Unexpected)?;
        Ok(known && matches)
    }
}

/// A hash made outside the bound, for seeding at startup (the demo organiser).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_now(&password)).await.map_err(anyhow::Error::from)?
}

fn hash_now(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::Unexpected(anyhow::anyhow!("hashing a password: {err}")))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("not a password anyone has").unwrap_or_default())
}
