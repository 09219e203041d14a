-- 040_pending_deadline_index.sql: the proposed deadlines a head has to
-- decide (QUEUE_AWAITS_APPROVAL, web/pages/staff/staff.stmts) are found
-- from the proposals' side (issue 17). The test looked through every open
-- request of the agency and its events: 1–4 ms for a head's queue page on
-- the bench's dataset of 1,000,000 requests, 0.09 ms with this index,
-- which holds only the deadline_proposed events.

CREATE INDEX request_events_deadline_proposed_idx ON request_events (request_id, seq)
	WHERE action = 'deadline_proposed';
