-- See migrations/sqlite/0006_worker_scope.sql.
ALTER TABLE zart_workers ADD COLUMN scope TEXT NOT NULL DEFAULT '';
