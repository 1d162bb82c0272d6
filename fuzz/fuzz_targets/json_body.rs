//! Bytes as a JSON API request body, decoded as every request body the API takes and then
//! checked as the operations do without a store (`api::fuzzing::json_bodies`: change actions
//! and CIDR routing, health check configurations, CIDR blocks, client addresses, validate,
//! explain and coverage of a policy document).
//!
//! Checks: nothing panics; errors are clean.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    api::fuzzing::json_bodies(body);
});
