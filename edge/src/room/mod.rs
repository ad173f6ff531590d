//! The waiting room (issue #15): one event's line and who is let in when (`line`), kept by the
//! event's Durable Object, whose admissions the origin checks (`contract::rules::admission`).
pub mod line;
