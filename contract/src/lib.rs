//! Stampede's contract: what the origin, the edge, the storefront pages, the browser and the admin
//! app must agree on, and nothing else.
//!
//! Policy: one home for every rule (DESIGN.md, contract 10). A rule that more than one part applies
//! (the slug, text and code limits, sale status, hold liveness, availability, totals, the public
//! cache policy, the error codes) is written once in [`rules`] and called from everywhere else; the
//! JSON shapes are [`model`] (the storefront API) and [`admin`] (the admin API). This crate is plain
//! Rust (serde and chrono only; sqlx's row traits behind the server's `sqlx` feature) so that every part can depend on it, the server without pulling in
//! a UI framework and the UI without pulling in a server.
#[macro_use]
mod words;

pub mod admin;
#[cfg(feature = "sqlx")]
pub mod columns;
pub mod format;
pub mod forms;
pub mod model;
pub mod money;
pub mod payment;
pub mod rules;
pub mod validate;
