#![recursion_limit = "256"]
// Built with neither feature (as the admin app uses it), the pages are compiled but unused.
#![cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
//! Stampede's storefront: the pages, built from the contract every part agrees on.
//!
//! Policy: this crate renders, it never fetches for the first paint. A host (the axum origin, or the
//! edge worker) loads a page's data, hands it to [`document::render_document`], and the data travels
//! inside the HTML, so the browser hydrates exactly the tree the host rendered. Because origin and edge
//! call the same function with the same data, they produce the same bytes. In the browser the pages
//! talk to the origin's JSON API for everything after the first paint (polling, holds, orders).
//!
//! No database, tokio or axum here: `ssr` is plain HTML rendering, `hydrate` adds the browser.
//!
//! The JSON contract and the rules are the `stampede-contract` crate (`contract`), re-exported here
//! under the paths the hosts have always used (`app::model`, `app::admin`, `app::validate`, ...).
pub use contract::{admin, format, forms, model, money, payment, rules, validate};

pub mod browser;
pub mod clock;
pub mod document;
/// The hosts' security headers (origin and edge).
#[cfg(feature = "ssr")]
pub mod security;

mod api;
mod pages;
