//! TestDNSAnswer: the answer DNS would give a client, computed by the same code as real
//! queries (the DNS handler's answer path over the current snapshot).

use std::net::IpAddr;

use hickory_proto::rr::{Name, RecordType};

use crate::{Code, Error, Result, Service};

/// What TestDNSAnswer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestAnswer {
    /// The server that answered (this process).
    pub nameserver: String,
    /// The name asked.
    pub record_name: String,
    /// The type asked.
    pub record_type: String,
    /// RDATA of each answer record, in presentation format.
    pub record_data: Vec<String>,
    /// NOERROR, NXDOMAIN, REFUSED, ...
    pub response_code: String,
    /// Always UDP.
    pub protocol: String,
    /// The ECS scope the answer depends on.
    pub ecs_scope: u8,
}

impl Service {
    /// A question about a zone's name: the name normalised and inside the zone, and the type;
    /// errors name the fields as given.
    async fn question(
        &self,
        zone_id: &str,
        (name_field, record_name): (&str, &str),
        (type_field, record_type): (&str, &str),
    ) -> Result<(String, RecordType)> {
        let zone = self.zone_row(zone_id).await?;
        let name = store::normalize_name(record_name).map_err(|e| Error::invalid(name_field, e))?;
        if !store::is_in_zone(&name, &zone.name) {
            return Err(Error::invalid(
                name_field,
                format!("{name} is not in the hosted zone {}", zone.name),
            ));
        }
        let rtype: RecordType = record_type.trim().to_ascii_uppercase().parse().map_err(|_| {
            Error::invalid(type_field, format!("{record_type:?} is not a record type"))
        })?;
        Ok((name, rtype))
    }

    /// Explains the answer DNS gives `client` (`IP` or `IP/PREFIX`, the EDNS Client Subnet)
    /// for a name of a zone: the same answer path as real queries over the live snapshot,
    /// health and GeoIP data, with the trace of every policy evaluation on the way (routed
    /// record sets, each hop of an alias chain, policy records).
    pub async fn explain_record(
        &self,
        zone_id: &str,
        record_name: &str,
        record_type: &str,
        client: &str,
    ) -> Result<serde_json::Value> {
        use serde_json::json;
        let (name, rtype) =
            self.question(zone_id, ("name", record_name), ("type", record_type)).await?;
        let (ip, prefix) = parse_client(client)?;
        let Some(shared) = &self.dns else {
            return Err(Error::new(Code::ServiceUnavailable, "no DNS server runs in this process"));
        };
        let qname = Name::from_ascii(&name).map_err(|e| Error::invalid("name", e))?;
        let handler = dns::Handler::new(shared.clone(), rand_seed());
        let (outcome, trace, location) = handler.explain(&qname, rtype, ip, prefix);
        Ok(json!({
            "name": name,
            "type": rtype.to_string(),
            "client": client,
            "location": location_json(&location),
            "rcode": rcode_name(outcome.rcode),
            "answer": outcome.answers.iter().map(zone::master::rdata_text).collect::<Vec<_>>(),
            "records": outcome.answers.iter().map(|r| json!({
                "name": r.name.to_string(),
                "ttl": r.ttl,
                "type": r.record_type().to_string(),
                "data": zone::master::rdata_text(r),
            })).collect::<Vec<_>>(),
            "ecs_scope": outcome.ecs_scope,
            "trace": trace_json(&trace),
        }))
    }

    /// TestDNSAnswer: `resolver_ip` is the client when no subnet is given; `subnet` is the EDNS
    /// Client Subnet address and prefix length.
    pub async fn test_dns_answer(
        &self,
        zone_id: &str,
        record_name: &str,
        record_type: &str,
        resolver_ip: Option<&str>,
        subnet: Option<(&str, Option<&str>)>,
    ) -> Result<TestAnswer> {
        let (name, rtype) = self
            .question(zone_id, ("recordname", record_name), ("recordtype", record_type))
            .await?;
        let parse_ip = |field: &str, s: &str| {
            s.trim()
                .parse::<IpAddr>()
                .map_err(|_| Error::invalid(field, format!("{s:?} is not an IP address")))
        };
        let resolver = match resolver_ip {
            Some(s) => parse_ip("resolverip", s)?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let (ip, prefix) = match subnet {
            Some((addr, mask)) => {
                let ip = parse_ip("edns0clientsubnetip", addr)?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let prefix = match mask {
                    Some(m) => {
                        m.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                            Error::invalid("edns0clientsubnetmask", format!("{m:?}; 0 to {max}"))
                        })?
                    }
                    None => {
                        if ip.is_ipv4() {
                            24
                        } else {
                            64
                        }
                    }
                };
                (ip, Some(prefix))
            }
            None => (resolver, None),
        };
        let Some(shared) = &self.dns else {
            return Err(Error::new(Code::ServiceUnavailable, "no DNS server runs in this process"));
        };
        let qname = Name::from_ascii(&name).map_err(|e| Error::invalid("recordname", e))?;
        let handler = dns::Handler::new(shared.clone(), rand_seed());
        let outcome = handler.answer(&qname, rtype, ip, prefix);
        Ok(TestAnswer {
            nameserver: "flowdns".into(),
            record_name: name,
            record_type: rtype.to_string(),
            record_data: outcome.answers.iter().map(zone::master::rdata_text).collect(),
            response_code: rcode_name(outcome.rcode),
            protocol: "UDP".into(),
            ecs_scope: outcome.ecs_scope,
        })
    }
}

/// The mnemonic Route 53 reports (RFC 1035 and RFC 6895 names).
fn rcode_name(code: hickory_proto::op::ResponseCode) -> String {
    match u16::from(code) {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        n => format!("RCODE{n}"),
    }
}

/// A seed that differs per call, so that weighted answers vary as they do over DNS.
fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}

/// Parses `IP` or `IP/PREFIX` (the ECS source prefix).
pub fn parse_client(s: &str) -> Result<(IpAddr, Option<u8>)> {
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = ip.trim().parse().map_err(|_| {
        Error::invalid(
            "client",
            format!("{s:?}: an IP address or subnet such as 203.0.113.7 or 203.0.113.0/24"),
        )
    })?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => None,
        Some(p) => Some(p.trim().parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(|| {
            Error::invalid("client", format!("{s:?}: the prefix length must be 0 to {max}"))
        })?),
    };
    Ok((ip, prefix))
}

/// What the explain trace is asked about.
#[derive(Debug, Clone, Default)]
pub struct ExplainRequest {
    /// The policy document.
    pub document: String,
    /// The client: `IP` or `IP/PREFIX`.
    pub client: String,
    /// Health checks to treat as unhealthy.
    pub unhealthy: Vec<String>,
    /// Alias-style endpoint targets to treat as unhealthy.
    pub unhealthy_targets: Vec<String>,
    /// Seed of the random draws.
    pub seed: u64,
}

/// Explains the answer a document gives a client: the client's location, the answer, the ECS
/// scope and the decision trace, as JSON (the same form `flowdns policy explain --json` prints).
pub fn explain(
    catalog: &policy::codes::Catalog,
    locator: &geo::Locator,
    req: &ExplainRequest,
) -> Result<serde_json::Value> {
    use serde_json::json;
    let (ip, prefix) = parse_client(&req.client)?;
    let c = policy::compile(&req.document, catalog);
    let Some(policy) = c.policy else {
        let lines: Vec<String> =
            c.errors().map(|d| format!("{}: {}", d.pointer, d.message)).collect();
        return Err(Error::new(Code::InvalidTrafficPolicyDocument, lines.join("\n")));
    };
    let (location, latency) = locator.locate(ip, prefix);
    let health = policy::UnhealthySet {
        health_checks: req.unhealthy.clone(),
        targets: req.unhealthy_targets.clone(),
    };
    let query = policy::Query {
        location: &location,
        health: &health,
        latency: &latency,
        subnet: Some(policy::ClientSubnet::of(ip, prefix)),
    };
    let (answer, trace) = policy.explain(&query, &mut policy::SplitMix64(req.seed));
    Ok(json!({
        "client": req.client,
        "location": location_json(&location),
        "record_type": policy.record_type().as_str(),
        "answer": answer.endpoints(&policy).map(|e| e.value.as_str()).collect::<Vec<_>>(),
        "endpoints": answer.endpoints(&policy).map(|e| json!({
            "id": e.id, "type": e.kind.as_str(), "value": e.value,
        })).collect::<Vec<_>>(),
        "healthy": answer.healthy,
        "ecs_scope": answer.ecs_scope,
        "trace": trace_json(&trace),
    }))
}

fn location_json(location: &policy::ClientLocation) -> serde_json::Value {
    serde_json::json!({
        "continent": location.continent.map(|c| c.code()),
        "country": location.country.map(|c| c.to_string()),
        "subdivision": location.subdivision.map(|c| c.to_string()),
        "latitude": location.coordinates.map(|c| c.latitude),
        "longitude": location.coordinates.map(|c| c.longitude),
        "scope_prefix": location.scope_prefix,
    })
}

fn trace_json(trace: &policy::Trace) -> Vec<serde_json::Value> {
    trace
        .steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "depth": s.depth, "event": s.event.as_str(), "pointer": s.pointer, "detail": s.detail,
            })
        })
        .collect()
}

impl Service {
    /// Explains a document's answer with the server's GeoIP data.
    pub fn explain(&self, req: &ExplainRequest) -> Result<serde_json::Value> {
        let empty = geo::Locator::default();
        let locator = self.dns.as_ref().map(|d| d.locator.load_full());
        let locator = locator.as_deref().unwrap_or(&empty);
        explain(&self.catalog, locator, req)
    }
}
