-- Workers say they are alive: one row each, refreshed at every heartbeat, removed on a
-- clean stop. `status` uses it to say, as a fact, when no worker runs a workflow.
CREATE TABLE zart_workers (
  id              TEXT    PRIMARY KEY,
  host            TEXT    NOT NULL,
  pid             INTEGER NOT NULL,
  workflows_json  TEXT    NOT NULL,
  lease_ms        INTEGER NOT NULL,
  started_at      INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL
);
