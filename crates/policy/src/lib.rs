//! The traffic policy engine: Route 53 traffic policy documents parsed, validated, compiled
//! and evaluated, with an explain trace.
//!
//! The crate is pure: it does no I/O, reads no clock and uses no global random number
//! generator. Everything a query depends on is handed in ([`Query`], a [`RandomSource`]), so
//! the same inputs always give the same answer and the same trace.
//!
//! The flow is two named stages and one hot path:
//!
//! 1. `document`: the JSON text read into typed definitions, checking shapes, code tables and
//!    ranges; every problem reported with its JSON Pointer ([`Diagnostic`]).
//! 2. `compile`: references, cycles, record types and lints checked across the document, and
//!    an immutable [`Policy`] graph built ([`compile()`]).
//! 3. `eval`: [`Policy::evaluate`] answers one query without failing and, for policies of up to
//!    128 rules, without allocating;
//!    [`Policy::explain`] runs the same code and records a [`Trace`].
#![deny(missing_docs)]

pub mod codes;
mod compile;
mod diag;
mod document;
mod eval;
pub mod graph;
mod json;
pub mod location;
pub mod query;
pub mod rdata;
mod suggest;
mod tables;
pub mod trace;

pub use compile::{Compilation, Endpoint, NodeRef, Policy, compile};
pub use diag::{Diagnostic, Severity};
pub use document::{FormatVersion, MAX_DOCUMENT_CHARS, MAX_RULE_ENTRIES};
pub use eval::{Answer, ClientSubnet, MAX_ANSWER_VALUES, Query};
pub use location::{ClientLocation, Code, Continent, Coordinates};
pub use query::*;
pub use rdata::RecordType;
pub use trace::{NoTrace, Trace, TraceEvent, TraceStep, Tracer};
