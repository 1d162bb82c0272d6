//! Arbitrary bytes as a UDP datagram, answered by the lean path, the general path, and the
//! two entry points the receive loops use (`answer_datagram`, `answer_into`).
//!
//! Checks: nothing panics; every reply parses with hickory-proto, is a response with the
//! query's ID, fits 1232 bytes (512 without an OPT record); the entry points give the lean
//! path's reply when it answers and the general path's otherwise; and whenever the lean path
//! answers, the general path answers too with an equivalent response (see
//! `flowdns_fuzz::View` for what equivalent means). The source address is chosen by the
//! first byte of the ID, so a seed keeps its client.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|packet: &[u8]| {
    let shared = flowdns_fuzz::dns_shared();
    flowdns_fuzz::check_datagram(shared, packet, flowdns_fuzz::client_for(packet));
});
