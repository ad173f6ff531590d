//! What every request passes before the edge looks at it: its headers' size, its method and its
//! path. The result, a [`Target`], is all the routing and forwarding after it use, so the edge
//! decides on exactly the method and URL that an origin receives.
//!
//! Policy: refused here, with a 4xx in the API's error shape, and never forwarded: headers larger
//! than any browser sends (431); a method other than the seven the storefront uses (405, with
//! `Allow`), because the worker runtime would otherwise serve an unknown method as a GET or fail on
//! it; a path that cannot be normalised safely (400, see `path`).
use crate::{path, respond};
use contract::rules::ErrorCode;
use worker::{Method, Request, Response, Result};

/// No real browser sends more; larger requests are refused before they cost an origin anything.
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The methods the edge serves, in the order `Allow` lists them.
const METHODS: [Method; 7] = [Method::Get, Method::Head, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Options];

/// A request as the edge routes and forwards it.
pub struct Target {
    pub method: Method,
    /// The normalised path.
    pub path: String,
    /// The query as the URL parser writes it, without the `?`.
    pub query: Option<String>,
}

impl Target {
    /// What an origin is asked for.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }

    pub fn is_read(&self) -> bool {
        matches!(self.method, Method::Get | Method::Head)
    }
}

/// The request's [`Target`], or the answer that refuses it.
pub fn admit(request: &Request) -> std::result::Result<Target, Result<Response>> {
    let header_bytes: usize = request.headers().entries().map(|(name, value)| name.len() + value.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(respond::client_error(
            431,
            ErrorCode::RequestHeadersTooLarge,
            "The request headers are too large. Clear this site's cookies and try again.",
        ));
    }
    // The runtime's method string: workers-rs reads methods it does not know as GET.
    let raw_method = request.inner().method();
    let Some(method) = METHODS.into_iter().find(|method| method.as_ref() == raw_method) else {
        return Err(method_not_allowed(&raw_method));
    };
    // The raw path: `Request::url` has already been through a URL parser, which resolves some of
    // what `path::normalise` must see (and refuses nothing).
    let path = match path::normalise(&request.path()) {
        Ok(path) => path,
        Err(path::Refused(message)) => return Err(respond::client_error(400, ErrorCode::BadRequest, message)),
    };
    let query = request.url().ok().and_then(|url| url.query().map(str::to_string));
    Ok(Target { method, path, query })
}

fn method_not_allowed(method: &str) -> Result<Response> {
    let allow = METHODS.iter().map(|method| method.as_ref()).collect::<Vec<_>>().join(", ");
    // The method is the client's own text: shown only when it is a plain token.
    let shown = if method.len() <= 20 && method.bytes().all(|b| b.is_ascii_alphabetic()) { method } else { "This method" };
    let mut response =
        respond::client_error(405, ErrorCode::MethodNotAllowed, &format!("{shown} is not served here. Use one of {allow}."))?;
    response.headers_mut().set("allow", &allow)?;
    Ok(response)
}
