-- 006_staff_queue_speed.sql: the staff side at a million requests.
--
-- 003's trigger looked the applicant up with one OR over both keys, which
-- a cached plan may answer by walking the agency's requests newest first:
-- every insert then read the agency's whole history. Each key now has its
-- own query on its own partial index (requests_id_number_idx,
-- requests_credit_code_idx), fenced (OFFSET 0) so that the ORDER BY ...
-- LIMIT (the applicant's 50 latest requests) cannot pull the plan back onto
-- the agency's id index.

CREATE OR REPLACE FUNCTION requests_flag_repeat() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.repeat_of IS NOT NULL THEN
		RETURN NEW;
	END IF;
	IF NEW.id_number_hash IS NOT NULL THEN
		SELECT o.id INTO NEW.repeat_of FROM (
			SELECT * FROM (
				SELECT id, description, document_ref FROM requests
				 WHERE agency_id = NEW.agency_id
				   AND id_number_hash = NEW.id_number_hash
				OFFSET 0
			) mine ORDER BY id DESC LIMIT 50
		) o
		WHERE similarity(o.description, NEW.description) >= 0.5
		   OR (o.document_ref IS NOT NULL AND o.document_ref = NEW.document_ref)
		ORDER BY o.id DESC LIMIT 1;
	ELSIF NEW.credit_code IS NOT NULL THEN
		SELECT o.id INTO NEW.repeat_of FROM (
			SELECT * FROM (
				SELECT id, description, document_ref FROM requests
				 WHERE agency_id = NEW.agency_id
				   AND credit_code = NEW.credit_code
				OFFSET 0
			) mine ORDER BY id DESC LIMIT 50
		) o
		WHERE similarity(o.description, NEW.description) >= 0.5
		   OR (o.document_ref IS NOT NULL AND o.document_ref = NEW.document_ref)
		ORDER BY o.id DESC LIMIT 1;
	END IF;
	RETURN NEW;
END;
$$;

-- The queue filtered by applicant kind or by outcome, in the queue's order:
-- a rare kind or outcome no longer walks the agency's whole index.
CREATE INDEX requests_queue_kind_key_idx
	ON requests (agency_id, applicant_kind, queue_due_key(due_on), id);
CREATE INDEX requests_queue_outcome_key_idx
	ON requests (agency_id, outcome, queue_due_key(due_on), id)
	WHERE outcome IS NOT NULL;
