//! The control-plane HTTP edge.
//!
//! - [`sigv4`]: AWS Signature Version 4 verification (header form), service `route53`.
//! - [`keys`]: access keys from the environment or the keys file in the data directory.
//! - [`xml`]: the Route 53 `2013-04-01` REST/XML request and response shapes.
//! - [`ready`]: the `/readyz` probe (store answering, DNS snapshot current).
//! - [`listen`]: the accept loop: connection caps, header and idle timeouts, TLS.
//! - [`server`]: the HTTP server: authentication, the Route 53 API (`route53`) and the JSON
//!   API (`json`), both thin adapters over [`control::Service`]; `openapi` the JSON API's
//!   OpenAPI description (`GET /api/v1/openapi.json`).
#![deny(missing_docs)]

#[doc(hidden)]
pub mod fuzzing;
mod json;
pub mod keys;
pub mod listen;
mod openapi;
pub mod ready;
pub mod refusals;
mod route53;
pub mod server;
pub mod sigv4;
mod strict_json;
pub mod xml;
