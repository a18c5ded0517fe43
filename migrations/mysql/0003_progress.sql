-- The latest progress a workflow reported (ctx.progress): {fraction?, message?, data?, at}.
ALTER TABLE zart_executions ADD COLUMN progress_json LONGTEXT;
