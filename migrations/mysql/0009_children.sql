-- Child workflows (ctx.child): a child names its parent and the key of the call that
-- started it; a detached child is left running when its parent is cancelled.
ALTER TABLE zart_executions
  ADD COLUMN parent_id VARCHAR(128),
  ADD COLUMN parent_key VARCHAR(160),
  ADD COLUMN detached TINYINT NOT NULL DEFAULT 0,
  ADD KEY zart_executions_parent (parent_id, seq);
-- A child's end reaches its parent's inbox under '#child:' and the call's key (a step key, up to 160).
ALTER TABLE zart_events MODIFY name VARCHAR(200) NOT NULL;
