-- The nodes of a deployment and their health-check observations. Neither table is part of
-- the change log: heartbeats and observations are written every second or so by every node,
-- outside the serial, and no answer is computed from a single row of them.

-- Every running `flowdns serve` registers itself here and beats every second. `dns` = 1 for
-- a node that answers DNS; `served_serial` is the change serial its snapshot answers from.
-- GetChange is INSYNC once every live DNS node serves the change. `heartbeat_ms` is the
-- node's clock (Unix milliseconds): nodes need synchronised clocks (NTP), as Route 53's
-- own health checkers do.
CREATE TABLE nodes (
    id            TEXT COLLATE "C" PRIMARY KEY,
    roles         TEXT COLLATE "C" NOT NULL,
    dns           BIGINT NOT NULL CHECK (dns IN (0, 1)),
    region        TEXT COLLATE "C" NOT NULL,
    dns_address   TEXT COLLATE "C" NOT NULL,
    api_address   TEXT COLLATE "C" NOT NULL,
    version       TEXT COLLATE "C" NOT NULL,
    started_at    TEXT COLLATE "C" NOT NULL,
    heartbeat_ms  BIGINT NOT NULL,
    served_serial BIGINT NOT NULL
);

-- One row per (health check, checker node): what that checker currently reports for the
-- check (its own view, after the failure threshold, before Inverted), when it last said so,
-- and its last observation. A check's status is computed from the fresh rows of every
-- checker (more than 18% healthy, by default).
CREATE TABLE health_observations (
    check_id         TEXT COLLATE "C" NOT NULL,
    node_id          TEXT COLLATE "C" NOT NULL,
    region           TEXT COLLATE "C" NOT NULL,
    healthy          BIGINT NOT NULL CHECK (healthy IN (0, 1)),
    reported_ms      BIGINT NOT NULL,
    observed_at      TEXT COLLATE "C" NOT NULL,
    observed_healthy BIGINT NOT NULL CHECK (observed_healthy IN (0, 1)),
    reason           TEXT COLLATE "C" NOT NULL,
    latency_us       BIGINT NOT NULL,
    failure_at       TEXT COLLATE "C",
    failure_reason   TEXT COLLATE "C",
    PRIMARY KEY (check_id, node_id)
);
