-- Workers say they are alive; see migrations/sqlite/0004_workers.sql.
CREATE TABLE zart_workers (
  id              VARCHAR(128) NOT NULL PRIMARY KEY,
  host            VARCHAR(255) NOT NULL,
  pid             INT          NOT NULL,
  workflows_json  LONGTEXT     NOT NULL,
  lease_ms        BIGINT       NOT NULL,
  started_at      BIGINT       NOT NULL,
  last_seen_at    BIGINT       NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
