//! The waiting room (issue #15): one event's line and who is let in when (`line`), kept by the
//! event's Durable Object (`object`), asked by the isolates (`protocol`, `client`), which send visitors to
//! the queue and answer their polls (`entrance`); the origin checks the admissions it gives
//! (`contract::rules::admission`).
pub mod client;
pub mod entrance;
pub mod line;
pub mod object;
pub mod protocol;
