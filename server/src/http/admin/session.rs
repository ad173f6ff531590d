//! Admin sessions: `tower-sessions` runs them (cookie, expiry, id cycling), the database keeps them
//! (`admin_sessions`, through [`Accounts`](crate::store::Accounts)), so any origin can serve
//! any organiser and a restart signs nobody out. Rows are keyed by the SHA-256 of the session id:
//! the table alone cannot be replayed as cookies.
//!
//! Policy: a session exists only for someone signed in. It is made at sign-in (with a new id, so
//! an id planted before cannot be used: no fixation) and carries the user's id and a CSRF token
//! made then; before sign-in the CSRF token is a signed cookie (`csrf`), so visitors who only look
//! at the sign-in page write nothing. Expired rows are deleted on a timer
//! (`admin::accounts::spawn_sweeper`).
use crate::error::ApiError;
use crate::store::{self, Store};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error as SessionStoreError, Result as SessionStoreResult};
use tower_sessions::{Session, SessionStore};

pub const COOKIE_NAME: &str = "stampede_admin";
const CSRF_KEY: &str = "csrf";
const USER_KEY: &str = "user_id";

#[derive(Clone)]
pub struct DatabaseSessions {
    store: Arc<dyn Store>,
}

impl DatabaseSessions {
    pub fn new(store: Arc<dyn Store>) -> Self {
        DatabaseSessions { store }
    }
}

impl std::fmt::Debug for DatabaseSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseSessions")
    }
}

fn id_hash(id: &Id) -> String {
    crate::codes::secret_hash(&id.to_string())
}

fn backend(err: impl std::fmt::Display) -> SessionStoreError {
    SessionStoreError::Backend(err.to_string())
}

fn expiry(record: &Record) -> SessionStoreResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).ok_or_else(|| backend("session expiry out of range"))
}

fn encode(record: &Record) -> SessionStoreResult<String> {
    serde_json::to_string(record).map_err(|err| SessionStoreError::Encode(err.to_string()))
}

#[async_trait::async_trait]
impl SessionStore for DatabaseSessions {
    async fn create(&self, record: &mut Record) -> SessionStoreResult<()> {
        // A fresh id until one is free: 128 random bits make a second try all but impossible.
        loop {
            if self.store.session_create(&id_hash(&record.id), &encode(record)?, expiry(record)?).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> SessionStoreResult<()> {
        self.store.session_save(&id_hash(&record.id), &encode(record)?, expiry(record)?).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> SessionStoreResult<Option<Record>> {
        let Some(json) = self.store.session_load(&id_hash(id), store::now()).await.map_err(backend)? else {
            return Ok(None);
        };
        let record: Record = serde_json::from_str(&json).map_err(|err| SessionStoreError::Decode(err.to_string()))?;
        // The row is found by the id's hash; the record must be the one for this id.
        Ok((record.id == *id).then_some(record))
    }

    async fn delete(&self, id: &Id) -> SessionStoreResult<()> {
        self.store.session_delete(&id_hash(id)).await.map_err(backend)
    }
}

fn session_error(err: tower_sessions::session::Error) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("admin session: {err}"))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The visitor's admin session, signed in or not.
pub struct AdminSession(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for AdminSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state)
            .await
            .map(AdminSession)
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the admin routes run without their session layer")))
    }
}

impl AdminSession {
    pub async fn user_id(&self) -> Result<Option<i64>, ApiError> {
        self.0.get::<i64>(USER_KEY).await.map_err(session_error)
    }

    /// The session's CSRF token; `None` when there is no session (no one signed in).
    pub async fn stored_csrf_token(&self) -> Result<Option<String>, ApiError> {
        self.0.get::<String>(CSRF_KEY).await.map_err(session_error)
    }

    /// A new session with a new id (no fixation) and a new CSRF token, for the user.
    pub async fn sign_in(&self, user_id: i64) -> Result<String, ApiError> {
        self.0.cycle_id().await.map_err(session_error)?;
        let token = new_token();
        self.0.insert(CSRF_KEY, &token).await.map_err(session_error)?;
        self.0.insert(USER_KEY, user_id).await.map_err(session_error)?;
        Ok(token)
    }

    pub async fn sign_out(&self) -> Result<(), ApiError> {
        self.0.flush().await.map_err(session_error)
    }
}

/// A signed-in organiser: the id of the user. Anyone else gets a 401.
pub struct SignedIn(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = AdminSession::from_request_parts(parts, state).await?;
        match session.user_id().await? {
            Some(user_id) => Ok(SignedIn(user_id)),
            None => Err(ApiError::Unauthorized("Please sign in first.".into())),
        }
    }
}

/// Compares in time independent of where the strings differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
