-- The W3C traceparent of the call that scheduled the execution, so that every run of it
-- joins the caller's trace (null when it was scheduled outside any trace).
ALTER TABLE zart_executions ADD COLUMN trace_parent TEXT;
