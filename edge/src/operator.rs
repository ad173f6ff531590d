//! What only operators may see at the edge: `/__edge/stats`.
//!
//! Policy: the edge's internals are shown only to a request with `Authorization: Bearer
//! <OPERATOR_TOKEN>`; any other request gets the 404 of a path that does not exist, so the page
//! does not even tell a stranger it is there. With no `OPERATOR_TOKEN` set, nobody sees it.
use crate::config::Config;
use crate::{origins, pages, respond};
use contract::rules::ErrorCode;
use worker::{Request, Response, Result};

/// The edge's counters, for an operator; otherwise a 404.
pub fn stats(request: &Request, config: &Config) -> Result<Response> {
    if !is_operator(request, config) {
        return respond::client_error(404, ErrorCode::NotFound, crate::NOT_FOUND_MESSAGE);
    }
    let (cache_api_reads, cache_api_writes) = pages::cache_api_counts();
    let (room_requests, queue_polls) = crate::room::entrance::counts();
    let mut response = Response::from_json(&serde_json::json!({
        "origin_requests": origins::requests_sent(),
        "room_requests": room_requests,
        "queue_polls": queue_polls,
        "cache_api_page_reads": cache_api_reads,
        "cache_api_page_writes": cache_api_writes,
    }))?;
    response.headers_mut().set("cache-control", contract::rules::cache::NO_STORE)?;
    Ok(response)
}

fn is_operator(request: &Request, config: &Config) -> bool {
    let Some(token) = &config.operator_token else {
        return false;
    };
    let offered = request.headers().get("authorization").ok().flatten();
    offered
        .as_deref()
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|offered| same(offered.trim().as_bytes(), token.as_bytes()))
}

/// Compares in time that depends on the lengths only, so the token cannot be guessed a byte at a
/// time from how long a refusal takes.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |differ, (x, y)| differ | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_whole_tokens() {
        assert!(super::same(b"secret", b"secret"));
        assert!(!super::same(b"secret", b"secreT"));
        assert!(!super::same(b"secret", b"secret2"));
        assert!(!super::same(b"", b"x"));
    }
}
