//! Stampede's origin: the JSON API, the server-rendered storefront, checkout and the database.
//!
//! Layers point one way: `http` → `storefront` (the rules) → `inventory` (the gate in front of the
//! database) → `store` (the database). Pages are
//! rendered by the `app` crate, the same renderer the edge runs, from data the storefront loads.
pub mod admin;
pub mod batch;
pub mod codes;
pub mod config;
pub mod demo;
pub mod discounts;
pub mod error;
pub mod every;
pub mod gate;
pub mod http;
pub mod inventory;
pub mod metrics;
pub mod payments;
pub mod qr;
pub mod reaper;
pub mod snapshots;
pub mod startup;
pub mod store;
pub mod storefront;
pub mod telemetry;
