-- flowdns store, schema version 1.
--
-- Portable SQL: this file runs unchanged on SQLite (>= 3.35) and PostgreSQL (>= 12).
-- Rules: TEXT and BIGINT columns only (flags are BIGINT 0/1, so one Rust type, i64, decodes
-- every integer on both engines); no AUTOINCREMENT, SERIAL or identity columns (ids are
-- UUIDs generated in Rust, the change serial comes from the `meta` counter row); partial
-- and composite indexes only in forms both engines accept; no engine-specific functions.

-- Counters. `serial` is the change-log serial: every write transaction increments it
-- exactly once, as its first statement, and appends one `change_log` row with the new value.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('serial', 0);

-- Hosted zones. `name` is a lower-case absolute DNS name with its trailing dot.
-- `serial` is the change serial of the last write that changed what the zone serves
-- (its records or its policy records); `record_count` counts its rows in `records`.
CREATE TABLE zones (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    comment          TEXT NOT NULL,
    caller_reference TEXT UNIQUE,
    created_at       TEXT NOT NULL,
    serial           BIGINT NOT NULL,
    record_count     BIGINT NOT NULL
);

-- Ordinary records, one row per resource record, in file order (`ordinal`).
-- A record set is the rows with equal (zone_id, name, rtype, set_identifier).
-- `set_identifier` and `routing` (JSON) are reserved for record-level routing.
CREATE TABLE records (
    zone_id        TEXT NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
    ordinal        BIGINT NOT NULL,
    name           TEXT NOT NULL,
    rtype          TEXT NOT NULL,
    ttl            BIGINT NOT NULL CHECK (ttl >= 0 AND ttl <= 2147483647),
    rdata          TEXT NOT NULL,
    set_identifier TEXT,
    routing        TEXT,
    PRIMARY KEY (zone_id, ordinal)
);
CREATE INDEX records_by_name ON records (zone_id, name, rtype);

-- Traffic policies. Version numbers come from `next_version` and are never reused.
-- `deleted` = 1 once the last version is deleted (soft delete): the policy leaves
-- every list and its name may be taken by a new policy, but its versions can still be read.
CREATE TABLE policies (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    created_serial BIGINT NOT NULL,
    latest_version BIGINT NOT NULL,
    next_version   BIGINT NOT NULL,
    deleted        BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE UNIQUE INDEX policies_live_name ON policies (name) WHERE deleted = 0;
CREATE INDEX policies_by_creation ON policies (created_serial);

-- Immutable policy versions; the document text is stored byte-exact.
-- Only `comment` and `deleted` (soft delete) ever change.
CREATE TABLE policy_versions (
    policy_id   TEXT NOT NULL REFERENCES policies (id),
    version     BIGINT NOT NULL CHECK (version >= 1),
    document    TEXT NOT NULL,
    comment     TEXT NOT NULL,
    record_type TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    deleted     BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    PRIMARY KEY (policy_id, version)
);

-- Policy records (Route 53 traffic policy instances): a policy version bound to a name.
CREATE TABLE policy_records (
    id             TEXT PRIMARY KEY,
    zone_id        TEXT NOT NULL REFERENCES zones (id),
    name           TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    ttl            BIGINT NOT NULL CHECK (ttl >= 0 AND ttl <= 2147483647),
    policy_id      TEXT NOT NULL,
    policy_version BIGINT NOT NULL,
    state          TEXT NOT NULL
        CHECK (state IN ('Creating', 'Updating', 'Applied', 'Failed', 'Deleting')),
    message        TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    FOREIGN KEY (policy_id, policy_version) REFERENCES policy_versions (policy_id, version),
    UNIQUE (zone_id, name, record_type)
);
CREATE INDEX policy_records_by_version ON policy_records (policy_id, policy_version);

-- Health-check definitions; `config` is JSON text, `version` starts at 1.
CREATE TABLE health_checks (
    id               TEXT PRIMARY KEY,
    caller_reference TEXT NOT NULL UNIQUE,
    config           TEXT NOT NULL,
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    created_serial   BIGINT NOT NULL
);
CREATE INDEX health_checks_by_creation ON health_checks (created_serial);

-- One row per write transaction, committed atomically with the data it describes.
CREATE TABLE change_log (
    serial     BIGINT PRIMARY KEY,
    changed_at TEXT NOT NULL,
    kind       TEXT NOT NULL,
    zone_id    TEXT,
    detail     TEXT NOT NULL
);
