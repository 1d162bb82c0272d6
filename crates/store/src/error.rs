//! The one error type of the store.

use std::io;

/// What went wrong in a store operation. Every message is one line that says what is wrong
/// and, where it applies, what is allowed.
///
/// A failed write changes nothing: the transaction it ran in is rolled back and the change
/// serial does not advance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No object of this kind has this id (or name).
    #[error("{entity} not found: {id}")]
    NotFound {
        /// The kind of object.
        entity: Entity,
        /// The kind of object in words, e.g. "hosted zone": the `Display` of `entity`.
        what: &'static str,
        /// The id or name that was looked up.
        id: String,
    },
    /// A unique name, caller reference or (zone, name, type) is already taken.
    #[error("{0}")]
    AlreadyExists(String),
    /// The object is still used by another (a policy version by a policy record, a zone by
    /// its policy records).
    #[error("{0}")]
    InUse(String),
    /// A policy record would change its DNS type (Route 53's `ConflictingTypes`).
    #[error("{0}")]
    ConflictingTypes(String),
    /// A quota is reached (e.g. 1,000 versions per policy).
    #[error("{0}")]
    TooMany(String),
    /// An argument is malformed or out of range.
    #[error("{0}")]
    Invalid(String),
    /// An optimistic-concurrency check failed: the object changed since it was read.
    #[error("{0}")]
    VersionMismatch(String),
    /// The data directory or database file could not be created or opened.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The database server cannot be reached or refused the connection.
    #[error("cannot connect to {0}")]
    Unavailable(String),
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The result type of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The kinds of object a store operation can fail to find ([`StoreError::NotFound`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// A hosted zone (by id or by name).
    HostedZone,
    /// A traffic policy.
    Policy,
    /// One version of a traffic policy.
    PolicyVersion,
    /// A policy record (Route 53 traffic policy instance).
    PolicyRecord,
    /// A health check.
    HealthCheck,
    /// The manual override of a health check.
    HealthCheckOverride,
    /// A CIDR collection.
    CidrCollection,
}

impl Entity {
    /// The kind in words, as messages name it: `hosted zone`, `traffic policy`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::HostedZone => "hosted zone",
            Entity::Policy => "traffic policy",
            Entity::PolicyVersion => "traffic policy version",
            Entity::PolicyRecord => "policy record",
            Entity::HealthCheck => "health check",
            Entity::HealthCheckOverride => "health check override",
            Entity::CidrCollection => "CIDR collection",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StoreError {
    pub(crate) fn not_found(entity: Entity, id: impl Into<String>) -> Self {
        StoreError::NotFound { entity, what: entity.as_str(), id: id.into() }
    }
}

/// Maps a unique-constraint violation that slipped past the explicit checks (which run inside
/// the same transaction and normally catch every case) to `AlreadyExists`.
pub(crate) fn map_unique(err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::AlreadyExists(what()),
        _ => StoreError::Database(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_entity_in_words() {
        let cases = [
            (Entity::HostedZone, "hosted zone not found: example.com."),
            (Entity::Policy, "traffic policy not found: example.com."),
            (Entity::PolicyVersion, "traffic policy version not found: example.com."),
            (Entity::PolicyRecord, "policy record not found: example.com."),
            (Entity::HealthCheck, "health check not found: example.com."),
            (Entity::HealthCheckOverride, "health check override not found: example.com."),
            (Entity::CidrCollection, "CIDR collection not found: example.com."),
        ];
        for (entity, message) in cases {
            let e = StoreError::not_found(entity, "example.com.");
            assert_eq!(e.to_string(), message);
            let StoreError::NotFound { entity: carried, what, .. } = e else {
                panic!("{e:?} is not NotFound")
            };
            assert_eq!(carried, entity);
            assert_eq!(what, entity.to_string());
        }
    }
}
