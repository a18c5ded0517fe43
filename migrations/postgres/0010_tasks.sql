-- MCP tasks mapped to executions; see migrations/sqlite/0005_tasks.sql.
CREATE TABLE zart_tasks (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            TEXT      NOT NULL UNIQUE,
  execution_id  TEXT      NOT NULL,
  owner         TEXT      NOT NULL,
  ttl_ms        BIGINT,
  created_at    BIGINT    NOT NULL
);
CREATE INDEX zart_tasks_owner ON zart_tasks (owner, seq);
