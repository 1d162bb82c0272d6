//! Bytes as a Route 53 XML request body, read as every request shape the API accepts
//! (`api::xml::from_xml`), then checked and converted as the operations do
//! (`api::fuzzing::xml_bodies`: record sets, hosted zone options, health check configurations
//! and updates, tags, traffic policy documents and instances, CIDR changes).
//!
//! Checks: nothing panics; an error has a message; a body that reads is written by `to_xml`
//! as XML that reads back to the same value.
#![no_main]

use api::xml::{self, from_xml, to_xml};
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(body: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    match from_xml::<T>(body) {
        Ok(value) => {
            let text = to_xml(&value).unwrap_or_else(|e| panic!("{value:?} does not write: {e}"));
            let back = from_xml::<T>(text.as_bytes())
                .unwrap_or_else(|e| panic!("written XML does not read: {e}\n{text}"));
            assert_eq!(back, value, "round trip through\n{text}");
        }
        Err(e) => assert!(!e.message().is_empty(), "an error without a message"),
    }
}

fuzz_target!(|body: &[u8]| {
    round_trip::<xml::ChangeResourceRecordSetsRequest>(body);
    round_trip::<xml::CreateHostedZoneRequest>(body);
    round_trip::<xml::CreateHealthCheckRequest>(body);
    round_trip::<xml::UpdateHealthCheckRequest>(body);
    round_trip::<xml::ChangeTagsForResourceRequest>(body);
    round_trip::<xml::ListTagsForResourcesRequest>(body);
    round_trip::<xml::CreateTrafficPolicyRequest>(body);
    round_trip::<xml::CreateTrafficPolicyVersionRequest>(body);
    round_trip::<xml::UpdateTrafficPolicyCommentRequest>(body);
    round_trip::<xml::CreateTrafficPolicyInstanceRequest>(body);
    round_trip::<xml::UpdateTrafficPolicyInstanceRequest>(body);
    round_trip::<xml::CreateCidrCollectionRequest>(body);
    round_trip::<xml::ChangeCidrCollectionRequest>(body);
    api::fuzzing::xml_bodies(body);
});
