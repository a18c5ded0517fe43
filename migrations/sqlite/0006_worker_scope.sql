-- Which processes can see each other's pids (same machine boot, same pid namespace): a
-- worker whose pid is gone there is dead, and its leases can be taken over at once.
ALTER TABLE zart_workers ADD COLUMN scope TEXT NOT NULL DEFAULT '';
