//! Who a storefront client is, as the edge and the origin both name it (docs/operations.md,
//! "Security").
//!
//! Policy: a client is its network address (trusted only as `http::client` and the edge's
//! `client` module say) and, when its browser keeps cookies, the browser token in
//! [`BROWSER_COOKIE`], which the origin sets on a browser's first hold. The token is no secret and
//! proves nothing: a client that drops it is still counted by its address. It only lets the
//! limits tell apart people who share an address (a household, a campus).

/// The client's address as the edge saw it; the origin believes it only with [`EDGE_KEY_HEADER`].
pub const CLIENT_IP_HEADER: &str = "x-stampede-client-ip";
/// The secret the edge proves itself to the origin with.
pub const EDGE_KEY_HEADER: &str = "x-stampede-edge-key";
/// The per-browser token's cookie.
pub const BROWSER_COOKIE: &str = "stampede_client";
/// A browser token's length as the origin makes it; anything else in the cookie is ignored.
pub const BROWSER_TOKEN_CHARS: usize = 26;

/// The browser token in a `Cookie` header, if there is a well-formed one.
pub fn browser_token(cookie_header: &str) -> Option<&str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().strip_prefix(BROWSER_COOKIE)?.strip_prefix('='))
        .map(str::trim)
        .find(|token| token.len() == BROWSER_TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_token_counts() {
        let token = "0123456789abcdefghjkmnpqrs";
        assert_eq!(browser_token(&format!("a=1; stampede_client={token}; b=2")), Some(token));
        assert_eq!(browser_token("stampede_client=short"), None);
        assert_eq!(browser_token(&format!("stampede_client={token}x")), None);
        assert_eq!(browser_token("stampede_client_other=0123456789abcdefghjkmnpqrs"), None);
        assert_eq!(browser_token(&format!("stampede_client=../../{}", &token[6..])), None);
    }
}
