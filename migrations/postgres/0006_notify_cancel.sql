-- Wake-ups across processes also when an execution is cancelled: the worker running it
-- checks its leases on the notification and stops the run within a wake-up, instead of at
-- its next heartbeat (a third of the lease, 10 s by default). Same channel and payload as
-- the notifications of 0001, so listeners need nothing new.
CREATE TRIGGER zart_executions_became_cancelled AFTER UPDATE OF status ON zart_executions
  FOR EACH ROW WHEN (NEW.status = 'cancelled' AND OLD.status <> 'cancelled') EXECUTE FUNCTION zart_notify_due();
