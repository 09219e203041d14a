-- 007_queue_overdue_index.sql: the queue's overdue count, index-only.
--
-- Every queue page counts the agency's overdue requests (up to 1000,
-- QUEUE_OVERDUE_COUNT in fcgi/pages/staff.stmts): running clocks past
-- their due date, or stopped after it. Through requests_queue_idx that
-- read one heap page per overdue request; this partial index holds the
-- running states only and carries clock_stopped_since, so the count is an
-- index-only range scan. Measured with make bench at 1,000,000 requests
-- (docs/bench.md): 0.84 ms → 0.05 ms for a department with ~190 overdue.

CREATE INDEX requests_overdue_idx
	ON requests (agency_id, due_on) INCLUDE (clock_stopped_since)
	WHERE status IN ('in_progress', 'awaiting_supplement', 'consulting', 'awaiting_fee');
