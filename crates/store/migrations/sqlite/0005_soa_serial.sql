-- The SOA serial DNS serves for each zone (see the store's crate docs, "SOA serials"). Every
-- write that changes what a zone answers moves it on; NULL until the first such write after
-- this migration, and until then DNS serves the serial of the zone's SOA record as stored.
ALTER TABLE zones ADD COLUMN soa_serial BIGINT;
