-- CIDR collections (Route 53 IP-based routing): named sets of locations, each location a set
-- of CIDR blocks. `version` starts at 1 and grows by one with every change of the blocks.
-- Written like every other change: one transaction with one change-log row.
CREATE TABLE cidr_collections (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    caller_reference TEXT NOT NULL UNIQUE,
    version          BIGINT NOT NULL CHECK (version >= 1),
    created_at       TEXT NOT NULL,
    created_serial   BIGINT NOT NULL
);
CREATE INDEX cidr_collections_by_creation ON cidr_collections (created_serial);

-- The blocks of a collection, in canonical text form (`192.0.2.0/24`, `2001:db8::/32`).
-- A block belongs to at most one location of its collection; a location exists while it
-- has blocks.
CREATE TABLE cidr_blocks (
    collection_id TEXT NOT NULL REFERENCES cidr_collections (id) ON DELETE CASCADE,
    location      TEXT NOT NULL,
    cidr          TEXT NOT NULL,
    PRIMARY KEY (collection_id, cidr)
);
CREATE INDEX cidr_blocks_by_location ON cidr_blocks (collection_id, location);

-- The collection a record's routing names (`CidrRoutingConfig.CollectionId`), filled by the
-- store from the routing JSON, so that a collection in use cannot be deleted and the record
-- sets that use a collection are found without reading every record.
ALTER TABLE records ADD COLUMN cidr_collection_id TEXT REFERENCES cidr_collections (id);
CREATE INDEX records_by_cidr_collection ON records (cidr_collection_id);
