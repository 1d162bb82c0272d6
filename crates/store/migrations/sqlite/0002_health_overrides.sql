-- Manual overrides of health checks (a flowdns extension): force a check healthy or unhealthy
-- until cleared, with who set it, when and why. Written like every other change: one
-- transaction with one change-log row.
CREATE TABLE health_check_overrides (
    check_id TEXT PRIMARY KEY REFERENCES health_checks (id) ON DELETE CASCADE,
    healthy  BIGINT NOT NULL CHECK (healthy IN (0, 1)),
    set_by   TEXT NOT NULL,
    set_at   TEXT NOT NULL,
    reason   TEXT NOT NULL
);
