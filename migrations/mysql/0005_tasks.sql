-- MCP tasks mapped to executions; see migrations/sqlite/0005_tasks.sql.
CREATE TABLE zart_tasks (
  seq           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id            VARCHAR(64)  NOT NULL UNIQUE,
  execution_id  VARCHAR(128) NOT NULL,
  owner         VARCHAR(64)  NOT NULL,
  ttl_ms        BIGINT       NULL,
  created_at    BIGINT       NOT NULL,
  INDEX zart_tasks_owner (owner, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
