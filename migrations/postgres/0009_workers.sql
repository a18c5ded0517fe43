-- Workers say they are alive; see migrations/sqlite/0004_workers.sql.
CREATE TABLE zart_workers (
  id              TEXT    PRIMARY KEY,
  host            TEXT    NOT NULL,
  pid             INTEGER NOT NULL,
  workflows_json  TEXT    NOT NULL,
  lease_ms        BIGINT  NOT NULL,
  started_at      BIGINT  NOT NULL,
  last_seen_at    BIGINT  NOT NULL
);
