-- MCP tasks: each task is one execution seen through MCP (`run_workflow` called as a
-- task). The row only maps an unguessable task id to its execution and to who may see it;
-- the task's state is the execution's, so any server process answers for any task.
CREATE TABLE zart_tasks (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT    NOT NULL UNIQUE,
  execution_id  TEXT    NOT NULL,
  owner         TEXT    NOT NULL,
  ttl_ms        INTEGER,
  created_at    INTEGER NOT NULL
);
CREATE INDEX zart_tasks_owner ON zart_tasks (owner, seq);
