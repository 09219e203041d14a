-- 026_export.sql: the register's export (issue 18 §3).
--
-- * fees (request_id): the register's 是否收费 looks up a request's paid
--   fee for every row it writes (web/pages/staff/staff_export.stmts); the
--   only index on fees.request_id was the partial one of pending fees, so
--   each row read the whole table.

CREATE INDEX fees_request_idx ON fees (request_id);
