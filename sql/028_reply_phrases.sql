-- 028_reply_phrases.sql: reply phrase templates per agency (issue 16).
--
-- Administrators keep a list of named passages for each agency (the
-- standard reasons for a refusal, the usual wording of a 补正); on the
-- reply and 补正 forms a clerk picks one and inserts it into the text
-- (web/pages/staff/staff_phrases.c). A phrase is only a starting text:
-- what is issued is what the clerk sends, kept in the step's event.

CREATE TABLE reply_phrases (
	id		bigserial PRIMARY KEY,
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	name		text NOT NULL
			CONSTRAINT reply_phrases_name_length
			CHECK (length(btrim(name)) BETWEEN 1 AND 100),
	body		text NOT NULL
			CONSTRAINT reply_phrases_body_length
			CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
	created_by	bigint REFERENCES staff (id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT reply_phrases_name_unique UNIQUE (agency_id, name)
);
