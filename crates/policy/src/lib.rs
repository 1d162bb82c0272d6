//! policy
pub mod codes;
pub mod location;
pub mod query;
mod tables;
pub use location::{ClientLocation, Code, Continent, Coordinates};
pub use query::*;
