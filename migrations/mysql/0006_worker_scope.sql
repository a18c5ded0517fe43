-- See migrations/sqlite/0006_worker_scope.sql.
ALTER TABLE zart_workers ADD COLUMN scope VARCHAR(512) NOT NULL DEFAULT '';
