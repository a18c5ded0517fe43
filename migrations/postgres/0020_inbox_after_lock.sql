-- A commit read the inbox in the statement that locked its rows (0007, 0018), so under READ
-- COMMITTED it read from that statement's snapshot, taken before it waited for the locks.
-- A delivery holds the execution's row lock while it puts an event into the inbox of a
-- running execution and leaves it there ('buffered'). A suspension whose lock waited for
-- that delivery then did not see the event, suspended, and the event stayed unread: the
-- run waited for good with its event delivered. The rows are now locked first, and read
-- with the inbox in the next statement, whose snapshot includes every delivery that held
-- the locks before. Every writer into an inbox locks the execution's row first, so a
-- later one sees the suspension.
CREATE OR REPLACE FUNCTION zart_lock_for_commit(ids jsonb, inbox_ids jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  id_list text[] := ARRAY(SELECT jsonb_array_elements_text(ids));
  inbox_list text[] := ARRAY(SELECT jsonb_array_elements_text(inbox_ids));
  locked jsonb;
BEGIN
  PERFORM 1 FROM zart_executions WHERE id = ANY (id_list) ORDER BY id FOR UPDATE;
  WITH r AS (
    SELECT * FROM zart_executions WHERE id = ANY (id_list) ORDER BY id
  ), i AS (
    SELECT seq, execution_id, name, payload_json FROM zart_events
    WHERE execution_id = ANY (inbox_list) AND consumed_by IS NULL
    ORDER BY seq FOR UPDATE
  )
  SELECT jsonb_build_object(
           'rows', (SELECT COALESCE(jsonb_agg(to_jsonb(r)), '[]'::jsonb) FROM r),
           'inbox', (SELECT COALESCE(jsonb_agg(to_jsonb(i) ORDER BY i.seq), '[]'::jsonb) FROM i))
    INTO locked;
  RETURN locked;
END
$$;
