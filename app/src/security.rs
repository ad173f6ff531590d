//! The security headers, the same on both hosts: the origin's middleware and the edge set them from
//! here, on every answer, chosen by the request's path alone, so a page has the same headers
//! whichever host served it.
//!
//! Policy:
//! - `Content-Security-Policy`: scripts from this host only. The storefront's pages have one
//!   inline script, the hydration bootstrap ([`crate::document::BOOTSTRAP_SCRIPT`]); it names no
//!   URL, so it is the same text on every page and every build, and the policy allows exactly it
//!   by its sha256. `'wasm-unsafe-eval'` lets the bundle compile its WebAssembly; nothing else
//!   may be evaluated. The admin SPA (under `/admin`) loads its bootstrap as a file
//!   (`admin/boot.js`), so its policy has no hash at all. Both forbid framing, `<base>`, plugins,
//!   and form posts elsewhere. The checkout pages alone also allow the card payment provider's
//!   browser library (Stripe.js: its script, its frames, its API), from the origin of
//!   `STRIPE_JS_URL`, which the origin names once at startup ([`allow_payment_script`]); the edge
//!   renders no checkout page.
//! - `X-Content-Type-Options: nosniff` everywhere.
//! - `Referrer-Policy: no-referrer` where the URL itself is the secret (a checkout's hold, an
//!   order's token, and their API answers), so a link followed from there never carries it;
//!   `strict-origin-when-cross-origin` elsewhere.
//! - `Strict-Transport-Security` only when the answer goes out over https: the edge knows from the
//!   request's URL, the origin from its `PUBLIC_URL` setting. A year, without subdomains: the
//!   operator's other hosts are not ours to decide.
use sha2::{Digest, Sha256};
use std::sync::{LazyLock, OnceLock};

pub const CONTENT_SECURITY_POLICY: &str = "content-security-policy";
pub const CONTENT_TYPE_OPTIONS: &str = "x-content-type-options";
pub const REFERRER_POLICY: &str = "referrer-policy";
pub const STRICT_TRANSPORT_SECURITY: &str = "strict-transport-security";

pub const NOSNIFF: &str = "nosniff";
/// Where the URL carries a secret (a hold id, an order token).
pub const NO_REFERRER: &str = "no-referrer";
/// Everywhere else: the origin alone to other sites, the full URL within this one.
pub const REFERRER_DEFAULT: &str = "strict-origin-when-cross-origin";
pub const HSTS: &str = "max-age=31536000";

/// Paths whose URL is a secret of one buyer's: what follows the prefix is a hold id or an order token.
const PRIVATE_PREFIXES: [&str; 4] = ["/checkout/", "/o/", "/api/holds/", "/api/orders/"];

/// What both policies forbid: everything from elsewhere, framing, `<base>`, plugins.
const BASE_POLICY: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The storefront's pages: the bootstrap by its hash, the bundle from this host.
static STOREFRONT_POLICY: LazyLock<String> =
    LazyLock::new(|| format!("{BASE_POLICY}; script-src 'self' {} 'wasm-unsafe-eval'", script_hash(crate::document::BOOTSTRAP_SCRIPT)));

/// Where the checkout pages may load the payment provider's library from (scheme, host, port).
static PAYMENT_SCRIPT_ORIGIN: OnceLock<String> = OnceLock::new();
const STRIPE_JS_ORIGIN: &str = "https://js.stripe.com";

/// Names the payment provider's browser library (`STRIPE_JS_URL`) before the first answer; unset,
/// Stripe's own. A later call changes nothing: the policy is the same for the process's life.
pub fn allow_payment_script(js_url: &str) {
    let origin = js_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let _ = PAYMENT_SCRIPT_ORIGIN.set(origin);
}

/// The checkout pages: the storefront's policy, and Stripe.js with its frames and its API.
static CHECKOUT_POLICY: LazyLock<String> = LazyLock::new(|| {
    let provider = PAYMENT_SCRIPT_ORIGIN.get().map_or(STRIPE_JS_ORIGIN, String::as_str);
    // Stripe.js's frames come from its own host, wherever the script is served from.
    let frames = if provider == STRIPE_JS_ORIGIN { provider.to_string() } else { format!("{provider} {STRIPE_JS_ORIGIN}") };
    format!(
        "{BASE_POLICY}; script-src 'self' {} 'wasm-unsafe-eval' {provider}; connect-src 'self' {provider} https://api.stripe.com; \
         frame-src {frames} https://hooks.stripe.com",
        script_hash(crate::document::BOOTSTRAP_SCRIPT)
    )
});

/// The admin SPA: its bootstrap and bundle are files from this host.
static ADMIN_POLICY: LazyLock<String> = LazyLock::new(|| format!("{BASE_POLICY}; script-src 'self' 'wasm-unsafe-eval'"));

/// A CSP source that allows the inline script with exactly this text.
pub fn script_hash(script: &str) -> String {
    use base64::Engine;
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes())))
}

/// The CSP of the storefront's pages (and of every answer outside `/admin`).
pub fn storefront_policy() -> &'static str {
    &STOREFRONT_POLICY
}

/// The CSP of the checkout pages.
pub fn checkout_policy() -> &'static str {
    &CHECKOUT_POLICY
}

/// The CSP of the admin SPA and its API.
pub fn admin_policy() -> &'static str {
    &ADMIN_POLICY
}

/// The security headers of an answer to `path`, sent over https or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityHeaders {
    pub content_security_policy: &'static str,
    pub referrer_policy: &'static str,
    pub strict_transport_security: Option<&'static str>,
}

impl SecurityHeaders {
    pub fn for_path(path: &str, https: bool) -> SecurityHeaders {
        let admin = path == "/admin" || path.starts_with("/admin/");
        let private = PRIVATE_PREFIXES.iter().any(|prefix| path.starts_with(prefix));
        SecurityHeaders {
            content_security_policy: if admin {
                admin_policy()
            } else if path.starts_with("/checkout/") {
                checkout_policy()
            } else {
                storefront_policy()
            },
            referrer_policy: if private { NO_REFERRER } else { REFERRER_DEFAULT },
            strict_transport_security: https.then_some(HSTS),
        }
    }

    /// Each header as (lowercase name, value), to set on the answer.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [
            Some((CONTENT_SECURITY_POLICY, self.content_security_policy)),
            Some((CONTENT_TYPE_OPTIONS, NOSNIFF)),
            Some((REFERRER_POLICY, self.referrer_policy)),
            self.strict_transport_security.map(|value| (STRICT_TRANSPORT_SECURITY, value)),
        ]
        .into_iter()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storefront_allows_its_bootstrap_by_hash_and_nothing_inline() {
        let policy = storefront_policy();
        assert!(policy.contains(&script_hash(crate::document::BOOTSTRAP_SCRIPT)), "{policy}");
        for directive in ["'wasm-unsafe-eval'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!admin_policy().contains("sha256-") && !admin_policy().contains("unsafe-inline"), "{}", admin_policy());
    }

    #[test]
    fn only_checkout_pages_allow_the_payment_provider() {
        let checkout = SecurityHeaders::for_path("/checkout/0b5e", false).content_security_policy;
        assert!(checkout.contains("https://js.stripe.com") && checkout.contains("https://api.stripe.com"), "{checkout}");
        assert!(checkout.contains(&script_hash(crate::document::BOOTSTRAP_SCRIPT)) && !checkout.contains("unsafe-inline"), "{checkout}");
        assert!(!storefront_policy().contains("stripe") && !admin_policy().contains("stripe"));
    }

    #[test]
    fn a_hash_is_the_base64_sha256_of_the_text() {
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(script_hash("alert(1)"), "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
    }

    #[test]
    fn headers_follow_the_path() {
        let page = SecurityHeaders::for_path("/e/stampede-live", false);
        assert_eq!(page.content_security_policy, storefront_policy());
        assert_eq!(page.referrer_policy, REFERRER_DEFAULT);
        assert_eq!(page.strict_transport_security, None);
        for secret in ["/checkout/0b5e", "/o/abc", "/api/holds/0b5e", "/api/orders/abc/tickets/X/qr.svg"] {
            assert_eq!(SecurityHeaders::for_path(secret, false).referrer_policy, NO_REFERRER, "{secret}");
        }
        for admin in ["/admin", "/admin/", "/admin/events/7", "/admin/api/session"] {
            assert_eq!(SecurityHeaders::for_path(admin, false).content_security_policy, admin_policy(), "{admin}");
        }
        assert_eq!(SecurityHeaders::for_path("/administrator", false).content_security_policy, storefront_policy());
        let secure = SecurityHeaders::for_path("/", true);
        assert_eq!(secure.pairs().count(), 4);
        assert!(secure.pairs().any(|pair| pair == (STRICT_TRANSPORT_SECURITY, HSTS)));
        assert_eq!(page.pairs().count(), 3);
    }
}
