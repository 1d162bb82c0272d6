//! Zones as data: RFC 1035 master files in and out ([`master`]), and the immutable
//! [`Snapshot`] of every zone and policy record that the DNS server answers from
//! ([`snapshot`]). Pure: no I/O, no clock, no global randomness.
#![deny(missing_docs)]

pub mod counters;
pub mod master;
pub mod routing;
pub mod snapshot;
mod wire;

pub use snapshot::{
    AliasTargets, BindingConflict, Client, EndpointData, NoAliases, Outcome, PolicyBinding,
    Snapshot, ZoneData,
};
