//! What one evaluation is given besides the compiled policy: the client's location, a view of
//! health, latency data, and a source of randomness. All are supplied by the caller, which is
//! what keeps the engine pure and its results reproducible.

use crate::location::{ClientLocation, Coordinates};

/// The kind of an endpoint, as named by the document's endpoint `Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    /// `value`: literal RDATA of the document's RecordType.
    Value,
    /// `cloudfront`: a CloudFront distribution domain name.
    Cloudfront,
    /// `elastic-load-balancer`: a Classic ELB DNS name.
    ElasticLoadBalancer,
    /// `application-load-balancer`: an ALB DNS name.
    ApplicationLoadBalancer,
    /// `network-load-balancer`: an NLB DNS name.
    NetworkLoadBalancer,
    /// `elastic-beanstalk`: an Elastic Beanstalk environment domain name.
    ElasticBeanstalk,
    /// `s3-website`: an S3 website endpoint (with `Region`).
    S3Website,
}

impl EndpointKind {
    /// Every kind with its document spelling.
    pub const ALL: [(EndpointKind, &'static str); 7] = [
        (EndpointKind::Value, "value"),
        (EndpointKind::Cloudfront, "cloudfront"),
        (EndpointKind::ElasticLoadBalancer, "elastic-load-balancer"),
        (EndpointKind::ApplicationLoadBalancer, "application-load-balancer"),
        (EndpointKind::NetworkLoadBalancer, "network-load-balancer"),
        (EndpointKind::ElasticBeanstalk, "elastic-beanstalk"),
        (EndpointKind::S3Website, "s3-website"),
    ];

    /// The document spelling, e.g. `"elastic-load-balancer"`.
    pub fn as_str(self) -> &'static str {
        EndpointKind::ALL.iter().find(|(k, _)| *k == self).map(|(_, s)| *s).unwrap_or("value")
    }

    /// Parses the document spelling.
    pub fn parse(s: &str) -> Option<EndpointKind> {
        EndpointKind::ALL.iter().find(|(_, n)| *n == s).map(|(k, _)| *k)
    }

    /// Whether the endpoint names a host that flowdns resolves and answers with, like a Route 53
    /// alias record (every kind but `value`).
    pub fn is_alias(self) -> bool {
        self != EndpointKind::Value
    }
}

/// Health as the data plane currently sees it.
pub trait HealthView {
    /// Whether the Route 53-style health check with this id is healthy. Unknown ids are the
    /// view's business (the server treats a health check it does not know as healthy).
    fn is_healthy(&self, health_check_id: &str) -> bool;

    /// Whether the target of an alias-style endpoint is healthy, asked only when a branch sets
    /// `EvaluateTargetHealth` (for example: the load balancer's name resolves).
    fn target_healthy(&self, kind: EndpointKind, value: &str) -> bool {
        let _ = (kind, value);
        true
    }
}

/// Every health check healthy.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllHealthy;

impl HealthView for AllHealthy {
    fn is_healthy(&self, _: &str) -> bool {
        true
    }
}

/// A fixed list of unhealthy health-check ids (and unhealthy alias targets); everything else
/// is healthy. What `policy explain --unhealthy` and the tests use.
#[derive(Clone, Debug, Default)]
pub struct UnhealthySet {
    /// Health check ids reported unhealthy.
    pub health_checks: Vec<String>,
    /// Alias endpoint values (target names) reported unhealthy.
    pub targets: Vec<String>,
}

impl HealthView for UnhealthySet {
    fn is_healthy(&self, id: &str) -> bool {
        !self.health_checks.iter().any(|h| h == id)
    }
    fn target_healthy(&self, _: EndpointKind, value: &str) -> bool {
        !self.targets.iter().any(|t| t == value)
    }
}

/// Latency between a client and a region, when it is measured rather than estimated.
pub trait LatencyOracle {
    /// Measured round-trip time in milliseconds from the client to the region with this code,
    /// or `None` to let the engine estimate it from distance (see [`estimate_rtt_ms`]).
    fn rtt_ms(&self, client: &ClientLocation, region_code: &str) -> Option<f64>;
}

/// No measurements: every latency is estimated from distance.
#[derive(Clone, Copy, Debug, Default)]
pub struct EstimatedLatency;

impl LatencyOracle for EstimatedLatency {
    fn rtt_ms(&self, _: &ClientLocation, _: &str) -> Option<f64> {
        None
    }
}

/// Round-trip time estimate used when no measurement is configured.
///
/// Light in fibre covers about 200 km per millisecond; real paths are longer than the great
/// circle, by a factor of about 1.5 on average. So the estimate is
/// `rtt = 2 * 1.5 * distance_km / 200 = distance_km / 66.7` milliseconds, plus a fixed 5 ms
/// for the last mile and processing. Only the ordering matters unless measurements are mixed
/// in, and then the estimate is on the same scale as a real RTT.
pub fn estimate_rtt_ms(client: Coordinates, region: Coordinates) -> f64 {
    5.0 + client.distance_km(region) * 3.0 / 200.0
}

/// A source of random numbers, injected so that evaluation is reproducible.
pub trait RandomSource {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;

    /// A uniform number in `0..n` (`n > 0`), by multiply-shift (no modulo bias worth noting
    /// for the small ranges used here).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// SplitMix64: tiny, fast, statistically sound for routing draws, and seedable.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
