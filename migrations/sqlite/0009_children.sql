-- Child workflows (ctx.child): a child names its parent and the key of the call that
-- started it; a detached child is left running when its parent is cancelled.
ALTER TABLE zart_executions ADD COLUMN parent_id TEXT;
ALTER TABLE zart_executions ADD COLUMN parent_key TEXT;
ALTER TABLE zart_executions ADD COLUMN detached INTEGER NOT NULL DEFAULT 0;
CREATE INDEX zart_executions_parent ON zart_executions (parent_id, seq) WHERE parent_id IS NOT NULL;
