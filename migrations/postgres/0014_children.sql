-- Child workflows (ctx.child): a child names its parent and the key of the call that
-- started it; a detached child is left running when its parent is cancelled.
ALTER TABLE zart_executions ADD COLUMN parent_id TEXT;
ALTER TABLE zart_executions ADD COLUMN parent_key TEXT;
ALTER TABLE zart_executions ADD COLUMN detached SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX zart_executions_parent ON zart_executions (parent_id, seq) WHERE parent_id IS NOT NULL;

-- The part of a group commit that concerns children, applied after zart_apply_commit in
-- the same transaction: children started by a parent's commit (an id already taken is
-- left alone: the commit plan saw it locked and decided), and the ends of children put
-- into their parents' inboxes. Each argument is a JSON array of column objects.
CREATE FUNCTION zart_apply_children(created jsonb, events jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO zart_executions
    (id, workflow, workflow_version, input_json, deadline_at, parent_id, parent_key, detached,
     status, due_at, created_at, updated_at)
  SELECT v.id, v.workflow, v.workflow_version, v.input_json, v.deadline_at, v.parent_id, v.parent_key, v.detached,
         'pending', v.created_at, v.created_at, v.created_at
  FROM jsonb_to_recordset(created) AS v(id text, workflow text, workflow_version text, input_json text,
       deadline_at bigint, parent_id text, parent_key text, detached smallint, created_at bigint)
  ON CONFLICT DO NOTHING;

  INSERT INTO zart_events (execution_id, name, payload_json, created_at, consumed_by)
  SELECT v.execution_id, v.name, v.payload_json, v.created_at, v.consumed_by
  FROM jsonb_to_recordset(events) AS v(execution_id text, name text, payload_json text, created_at bigint,
       consumed_by text);
END
$$;
