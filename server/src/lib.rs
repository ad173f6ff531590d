//! Stampede's origin: the JSON API, the server-rendered storefront, checkout and the database.
//!
//! Arrows point one way: `http` → `storefront` and `admin` (the rules) → `events` (the event
//! cache) and `inventory` (every stock move: the gate, the batchers, the reaper) → `store` (the
//! database). `startup` is the composition root that builds each part and hands it only what it
//! needs. Pages are rendered by the `app` crate, the same renderer the edge runs.
pub mod admin;
pub mod budget;
pub mod codes;
pub mod config;
pub mod demo;
pub mod discounts;
pub mod documents;
pub mod error;
pub mod events;
pub mod http;
pub mod inventory;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod payments;
pub mod qr;
pub mod startup;
pub mod store;
pub mod storefront;
pub mod telemetry;
