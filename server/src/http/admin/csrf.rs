//! The CSRF token before anyone has signed in: a signed double-submit cookie, so that sign-in,
//! sign-up and the emailed links' pages are protected without a session row for every visitor.
//!
//! Policy: `GET /admin/api/session` from a visitor who is not signed in answers a token and sets
//! the same value in the cookie `stampede_admin_csrf` (HttpOnly, SameSite=Strict, Path=/admin,
//! Secure as the session cookie). A state-changing request without a session must send the token
//! in `X-CSRF-Token` equal to the cookie, and the token must carry this server's signature
//! (HMAC-SHA256 with a key every origin shares, kept in `server_keys`) and be younger than
//! [`LIFETIME`]. A page on another site can neither read the token nor set the header, and a
//! cookie planted from elsewhere is no good without the server's signature. Once signed in, the
//! session's own token (rotated at every sign-in) is the one that counts, and this cookie is
//! cleared.
use super::session::same_token;
use crate::store::Store;
use axum::http::{header, HeaderMap, HeaderValue};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tower_sessions::cookie::{Cookie, SameSite};

pub const COOKIE_NAME: &str = "stampede_admin_csrf";
/// How long a token before sign-in stays good: a sign-in form left open for a working day.
pub const LIFETIME: chrono::Duration = chrono::Duration::hours(12);
const KEY_NAME: &str = "admin-csrf-hmac";

#[derive(Clone)]
pub struct SignInCsrf {
    key: Vec<u8>,
    secure: bool,
}

impl std::fmt::Debug for SignInCsrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInCsrf")
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

impl SignInCsrf {
    /// The key every origin shares: this one's candidate if it is the first.
    pub async fn load(store: &dyn Store, secure: bool) -> anyhow::Result<SignInCsrf> {
        let key = store.server_key(KEY_NAME, &random_hex(32)).await?;
        Ok(SignInCsrf { key: hex::decode(key)?, secure })
    }

    fn mac(&self, payload: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(payload.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new token: a nonce, when it was made, and the signature of both.
    pub fn issue(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let payload = format!("{}.{}", random_hex(16), now.timestamp());
        let mac = self.mac(&payload);
        format!("{payload}.{mac}")
    }

    /// Whether this server signed `token`, and not too long ago.
    pub fn is_valid(&self, token: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
        let Some((payload, mac)) = token.rsplit_once('.') else {
            return false;
        };
        let issued =
            payload.split_once('.').and_then(|(_, at)| at.parse::<i64>().ok()).and_then(|at| chrono::DateTime::from_timestamp(at, 0));
        let fresh = issued.is_some_and(|issued| issued <= now + chrono::Duration::minutes(5) && now - issued < LIFETIME);
        fresh && same_token(&self.mac(payload), mac)
    }

    /// The token in the request's cookie, if there is a valid one.
    pub fn from_cookie(&self, headers: &HeaderMap, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| Cookie::split_parse(value.to_string()).filter_map(Result::ok).collect::<Vec<_>>())
            .find(|cookie| cookie.name() == COOKIE_NAME && self.is_valid(cookie.value(), now))
            .map(|cookie| cookie.value().to_string())
    }

    /// A request without a session may change something only with the cookie's token in the header.
    pub fn allows(&self, headers: &HeaderMap, sent: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> bool {
        match (sent, self.from_cookie(headers, now)) {
            (Some(sent), Some(cookie)) => same_token(sent, &cookie),
            _ => false,
        }
    }

    fn cookie(&self, value: String, max_age: time::Duration) -> HeaderValue {
        let cookie = Cookie::build((COOKIE_NAME, value))
            .path("/admin")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .max_age(max_age)
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("a cookie of hex digits and attributes is a valid header")
    }

    pub fn set_cookie(&self, token: &str) -> HeaderValue {
        self.cookie(token.to_string(), time::Duration::seconds(LIFETIME.num_seconds()))
    }

    pub fn clear_cookie(&self) -> HeaderValue {
        self.cookie(String::new(), time::Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csrf() -> SignInCsrf {
        SignInCsrf { key: b"a test key of some length".to_vec(), secure: false }
    }

    #[test]
    fn tokens_are_signed_and_expire() {
        let now = chrono::Utc::now();
        let token = csrf().issue(now);
        assert!(csrf().is_valid(&token, now));
        assert!(!csrf().is_valid(&token, now + LIFETIME), "too old");
        let other = SignInCsrf { key: b"another server's key".to_vec(), secure: false };
        assert!(!other.is_valid(&token, now), "not signed by this key");
        let (payload, _) = token.rsplit_once('.').unwrap();
        assert!(!csrf().is_valid(&format!("{payload}.{}", "0".repeat(64)), now), "a made-up signature");
        assert!(!csrf().is_valid("nonsense", now));
    }

    #[test]
    fn the_header_must_match_the_cookie() {
        let now = chrono::Utc::now();
        let token = csrf().issue(now);
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("other=1; {COOKIE_NAME}={token}")).unwrap());
        assert!(csrf().allows(&headers, Some(&token), now));
        assert!(!csrf().allows(&headers, Some(&csrf().issue(now)), now), "another valid token is not this cookie's");
        assert!(!csrf().allows(&headers, None, now));
        assert!(!csrf().allows(&HeaderMap::new(), Some(&token), now), "no cookie");
    }
}
