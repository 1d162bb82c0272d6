//! The control-plane HTTP edge.
//!
//! - [`sigv4`]: AWS Signature Version 4 verification (header form), service `route53`.
//! - [`keys`]: access keys from the environment or the keys file in the data directory.
//! - [`xml`]: the Route 53 `2013-04-01` REST/XML request and response shapes.
#![deny(missing_docs)]

pub mod keys;
pub mod sigv4;
pub mod xml;
