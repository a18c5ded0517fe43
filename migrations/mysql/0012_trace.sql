-- The W3C traceparent of the call that scheduled the execution, so that every run of it
-- joins the caller's trace (null when it was scheduled outside any trace). 55 characters
-- for version 00; later versions may append fields.
ALTER TABLE zart_executions ADD COLUMN trace_parent VARCHAR(256);
