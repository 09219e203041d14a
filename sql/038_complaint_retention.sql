-- 038_complaint_retention.sql: a complainant's personal data leaves with
-- the rest (个人信息保护法 Art. 19, 47): `ysqgk retention` removes the name,
-- phone and e-mail of a complaint replied to more than retention_years ago,
-- as it does an applicant's (cli/cmd_retention.c). The complaint itself —
-- whom it was about, its text, the reply, the dates — stays, as a request's
-- record does.

ALTER TABLE complaints
	ADD COLUMN pseudonymised_at timestamptz,
	ALTER COLUMN name_enc DROP NOT NULL,
	ADD CONSTRAINT complaints_name_until_pseudonymised
		CHECK (name_enc IS NOT NULL OR pseudonymised_at IS NOT NULL);
