-- An execution forked by `zart rerun` names the one it was forked from.
ALTER TABLE zart_executions ADD COLUMN rerun_of VARCHAR(128);
