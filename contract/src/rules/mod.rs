//! The rules every part of Stampede applies, each written once (DESIGN.md, contract 10).
//!
//! Policy: a rule that the origin, the edge, the pages or the admin app apply lives in exactly one
//! module here, with its reason in the module's doc and its tests beside it; everything else calls
//! it. The origin stays the authority (a browser check only saves a round trip), but both apply the
//! same rule, so a person sees the same verdict whichever of the two catches a mistake.
//!
//! | rule | home |
//! |---|---|
//! | what a slug may be | [`slug::is_valid_slug`], [`slug::SLUG_MESSAGE`] |
//! | how long texts and codes may be | [`limits`] |
//! | on sale, scheduled, ended, sold out | [`SaleStatus::at`](crate::model::SaleStatus::at) in [`sale`] |
//! | whether a hold still keeps its stock | [`hold::is_live`], [`hold::displayed_status`] |
//! | what is available | [`stock::available`] |
//! | what an order costs | [`totals::line_total`], [`totals::subtotal`], [`totals::total_after_discount`] |
//! | how public responses are cached | [`cache`] |
//! | the API's error codes | [`ErrorCode`] |
//! | who a storefront client is (headers, browser token) | [`client`] |
//! | what a password may be | [`password::weakness`], [`password::MIN_CHARS`] |
//! | a waiting room's admission (feature `admission`) | `admission::sign`, `admission::verify` |
//! | which writes reserve and which order, API or form | [`writes::reservation_slug`], [`writes::is_order`] |
//! | what the plain forms send and show again | [`crate::forms`] |
#[cfg(feature = "admission")]
pub mod admission;
pub mod cache;
pub mod client;
pub mod error_code;
pub mod hold;
pub mod limits;
pub mod password;
pub mod sale;
pub mod slug;
pub mod stock;
pub mod totals;
pub mod writes;

pub use error_code::ErrorCode;
pub use slug::is_valid_slug;
