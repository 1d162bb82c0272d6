-- Tags of hosted zones and health checks (Route 53 ChangeTagsForResource), written like every
-- other change: one transaction with one change-log row. `resource_id` names a row of `zones`
-- or of `health_checks`, as `resource_type` says, so no foreign key can hold it: deleting a
-- zone or a health check deletes its tags in the same transaction. Keys are case-sensitive.
CREATE TABLE tags (
    resource_type TEXT NOT NULL CHECK (resource_type IN ('hostedzone', 'healthcheck')),
    resource_id   TEXT NOT NULL,
    tag_key       TEXT NOT NULL,
    tag_value     TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag_key)
);
