//! Who is asking: the client's IP address, the key of every per-client limit.
//!
//! Policy (docs/operations.md, "Security"): the client is the TCP peer, unless the request comes
//! from the edge. The edge strips any `x-stampede-client-ip` and `x-stampede-edge-key` a browser
//! sends, sends `x-stampede-edge-key: <EDGE_KEY>`, and on Cloudflare `x-stampede-client-ip:
//! <cf-connecting-ip>`. The origin believes `x-stampede-client-ip` only when `x-stampede-edge-key`
//! equals its `STAMPEDE_EDGE_KEY` (compared in constant time); with the setting unset it never
//! does. Headers a browser can set itself (`x-forwarded-for`, `cf-connecting-ip`, a client-ip
//! without the key) are never read, so nobody can pose as many clients to get around a limit.
use super::admin::session::same_token;
use crate::codes;
use crate::error::ApiError;
use crate::storefront::fair_use::Buyer;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::http::{header, HeaderValue};
use contract::rules::client::{browser_token, BROWSER_COOKIE, CLIENT_IP_HEADER, EDGE_KEY_HEADER};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Shorter keys are refused at startup: the key is all that stands between a browser and any
/// client address it likes.
pub const EDGE_KEY_MIN_CHARS: usize = 16;

/// The `STAMPEDE_EDGE_KEY` setting: when set, requests that carry it may name their client.
#[derive(Clone, Default)]
pub struct EdgeTrust {
    key: Option<Arc<str>>,
}

impl std::fmt::Debug for EdgeTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself: settings are logged.
        f.write_str(if self.key.is_some() { "EdgeTrust(key set)" } else { "EdgeTrust(none)" })
    }
}

impl EdgeTrust {
    /// Trust nothing but the TCP peer.
    pub fn none() -> EdgeTrust {
        EdgeTrust { key: None }
    }

    /// Trust the edge that sends `key`; a key shorter than [`EDGE_KEY_MIN_CHARS`] is an error.
    pub fn with_key(key: &str) -> Result<EdgeTrust, String> {
        let key = key.trim();
        if key.chars().count() < EDGE_KEY_MIN_CHARS {
            return Err(format!("STAMPEDE_EDGE_KEY must be at least {EDGE_KEY_MIN_CHARS} characters (a long random string)"));
        }
        Ok(EdgeTrust { key: Some(key.into()) })
    }

    pub fn is_set(&self) -> bool {
        self.key.is_some()
    }

    /// The client of a request from `peer` with these headers.
    pub fn client_address(&self, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
        let Some(key) = self.key.as_deref() else {
            return peer;
        };
        let from_edge = headers.get(EDGE_KEY_HEADER).and_then(|value| value.to_str().ok()).is_some_and(|sent| same_token(sent, key));
        if !from_edge {
            return peer;
        }
        // The edge sends no client address when it has none it trusts (off Cloudflare): then the
        // edge itself is the client, as it is to the TCP stack.
        headers.get(CLIENT_IP_HEADER).and_then(|value| value.to_str().ok()).and_then(|value| value.trim().parse().ok()).unwrap_or(peer)
    }
}

/// The client's address, by the policy above. Needs the server to run with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// What per-client limits count by: the IPv4 address, or an IPv6 address's /64 (a home or a
    /// server is given a whole /64, so counting single addresses there would count nothing).
    pub fn network(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
            },
        }
    }
}

impl<S> FromRequestParts<S> for ClientAddress
where
    EdgeTrust: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the server runs without ConnectInfo<SocketAddr>: no client address")))?;
        Ok(ClientAddress(EdgeTrust::from_ref(state).client_address(&parts.headers, peer.ip())))
    }
}

/// A storefront buyer as the limits count them (`storefront::fair_use`): the network of the
/// [`ClientAddress`] and the browser token of the `stampede_client` cookie, if a well-formed one
/// came. A browser without one is given one by the hold it asks for ([`StorefrontClient::set_cookie`]).
#[derive(Clone, Debug)]
pub struct StorefrontClient {
    pub buyer: Buyer,
    /// The token made for this browser now, because it sent none.
    new_token: Option<String>,
}

impl StorefrontClient {
    /// The `Set-Cookie` that gives the browser its token, when it had none.
    pub fn set_cookie(&self, secure: bool) -> Option<HeaderValue> {
        let token = self.new_token.as_deref()?;
        let secure = if secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{BROWSER_COOKIE}={token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}")).ok()
    }
}

impl FromRequestParts<super::AppState> for StorefrontClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &super::AppState) -> Result<Self, ApiError> {
        let address = ClientAddress::from_request_parts(parts, state).await?;
        let sent = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(browser_token)
            .map(str::to_string);
        let new_token = sent.is_none().then(codes::browser_token);
        let browser = sent.or_else(|| new_token.clone());
        Ok(StorefrontClient { buyer: Buyer { network: address.network(), browser }, new_token })
    }
}

/// The waiting room's admission a request carries (`rules::admission`): the header a script sends,
/// else the cookie the room set in the browser.
pub struct AdmissionToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for AdmissionToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        use contract::rules::admission;
        let header = parts.headers.get(admission::HEADER).and_then(|value| value.to_str().ok());
        let cookie =
            || parts.headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(admission::from_cookies);
        Ok(AdmissionToken(header.or_else(cookie).map(str::to_string)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::connect_info::MockConnectInfo;
    use axum::http::Request;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    const KEY: &str = "an edge key long enough";
    const PEER: &str = "192.0.2.7";

    async fn seen(trust: EdgeTrust, headers: &[(&str, &str)]) -> String {
        let app = Router::new()
            .route("/", get(|ClientAddress(address): ClientAddress| async move { address.to_string() }))
            .with_state(trust)
            .layer(MockConnectInfo(SocketAddr::new(PEER.parse().unwrap(), 4321)));
        let mut request = Request::get("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn headers_a_browser_can_set_are_ignored() {
        let forged = [("x-stampede-client-ip", "203.0.113.1"), ("cf-connecting-ip", "203.0.113.2"), ("x-forwarded-for", "203.0.113.3")];
        assert_eq!(seen(EdgeTrust::none(), &forged).await, PEER, "no key set: only the peer counts");
        assert_eq!(seen(EdgeTrust::with_key(KEY).unwrap(), &forged).await, PEER, "no key sent");
        let wrong_key = [("x-stampede-edge-key", "an edge key long enougH"), ("x-stampede-client-ip", "203.0.113.1")];
        assert_eq!(seen(EdgeTrust::with_key(KEY).unwrap(), &wrong_key).await, PEER, "a wrong key");
        let key_unset = [("x-stampede-edge-key", ""), ("x-stampede-client-ip", "203.0.113.1")];
        assert_eq!(seen(EdgeTrust::none(), &key_unset).await, PEER, "an empty key never matches an unset setting");
    }

    #[tokio::test]
    async fn the_edge_names_the_client_with_its_key() {
        let trust = EdgeTrust::with_key(KEY).unwrap();
        let from_edge = [("x-stampede-edge-key", KEY), ("x-stampede-client-ip", "2001:db8::1")];
        assert_eq!(seen(trust.clone(), &from_edge).await, "2001:db8::1");
        // The edge off Cloudflare sends its key but no client: the edge is the client.
        assert_eq!(seen(trust.clone(), &[("x-stampede-edge-key", KEY)]).await, PEER);
        let unreadable = [("x-stampede-edge-key", KEY), ("x-stampede-client-ip", "not an address")];
        assert_eq!(seen(trust, &unreadable).await, PEER);
    }

    #[test]
    fn limits_count_ipv6_clients_by_their_64() {
        let network = |ip: &str| ClientAddress(ip.parse().unwrap()).network().to_string();
        assert_eq!(network("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(network("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::");
        assert_eq!(network("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(network("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn short_keys_are_refused_and_never_printed() {
        assert!(EdgeTrust::with_key("short").is_err());
        let trust = EdgeTrust::with_key(KEY).unwrap();
        assert!(!format!("{trust:?}").contains(KEY));
    }
}
