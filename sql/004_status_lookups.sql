-- 004_status_lookups.sql: failed status look-ups per client address.
--
-- The status page (and its API) opens a request with its tracking number
-- and query code. Wrong guesses are counted per address in 15-minute
-- windows, in the database so that the count holds across worker threads
-- and app instances: after a few failures each further try must wait
-- longer, and after more the address is refused until the window ends
-- (the thresholds are in fcgi/pages/status.c). A right code does not
-- reset the count: one valid request must not buy unlimited guesses at
-- others. Rows of past windows are swept as new failures are recorded.

CREATE TABLE status_lookup_failures (
	addr		inet NOT NULL,
	-- The start of the 15-minute window (date_bin over the epoch).
	window_start	timestamptz NOT NULL,
	failures	integer NOT NULL DEFAULT 0
			CONSTRAINT status_lookup_failures_count CHECK (failures >= 0),
	last_failed_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (addr, window_start)
);

CREATE INDEX status_lookup_failures_window_idx
	ON status_lookup_failures (window_start);
