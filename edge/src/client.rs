//! Who the client is, as the origins are told, and how they can tell the edge from a browser.
//!
//! Policy (the edge/origin contract, docs/operations.md "Security"): whatever a browser sends as
//! `x-stampede-client-ip` or `x-stampede-edge-key` is dropped, and so are `cf-connecting-ip` and
//! `x-forwarded-for`, which a browser can set too. With `TRUST_CF_CONNECTING_IP=true` (on
//! Cloudflare only, where `cf-connecting-ip` is Cloudflare's own) the edge tells the origin the
//! client's address in `x-stampede-client-ip`; with `EDGE_KEY` set it sends the key in
//! `x-stampede-edge-key` on every request, and the origin believes the address only beside the
//! right key. Without both, the origin sees the edge's own address.
use crate::config::Config;
use contract::rules::client::{CLIENT_IP_HEADER, EDGE_KEY_HEADER};
use std::net::IpAddr;
use worker::{Headers, Result};

/// Cloudflare's record of the connecting client's address.
const CF_CONNECTING_IP: &str = "cf-connecting-ip";

/// Request headers never passed on: those that describe this hop, and those that claim who the
/// client is, which only the edge may say.
const NOT_FORWARDED: [&str; 9] = [
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    CF_CONNECTING_IP,
    "x-forwarded-for",
    CLIENT_IP_HEADER,
    EDGE_KEY_HEADER,
];

/// The client's address when it can be trusted: Cloudflare's `cf-connecting-ip`, when the edge is
/// told it runs on Cloudflare and the value is an address.
pub fn trusted_address(incoming: &Headers, config: &Config) -> Option<IpAddr> {
    if !config.trust_cf_connecting_ip {
        return None;
    }
    incoming.get(CF_CONNECTING_IP).ok().flatten()?.trim().parse().ok()
}

/// The request headers an origin should see: the browser's, less [`NOT_FORWARDED`], plus the
/// client's address when it can be trusted.
pub fn forwarded_headers(incoming: &Headers, config: &Config) -> Result<Headers> {
    let headers = Headers::new();
    for (name, value) in incoming.entries() {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            headers.set(&name, &value)?;
        }
    }
    if let Some(address) = trusted_address(incoming, config) {
        headers.set(CLIENT_IP_HEADER, &address.to_string())?;
    }
    Ok(headers)
}

/// Marks a request to an origin as the edge's, when an edge key is set.
pub fn sign(headers: &Headers, config: &Config) -> Result<()> {
    if let Some(key) = &config.edge_key {
        headers.set(EDGE_KEY_HEADER, key)?;
    }
    Ok(())
}
