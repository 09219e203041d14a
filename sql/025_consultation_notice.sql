-- 025_consultation_notice.sql: the 征求意见书 as a notice (issue 15).
--
-- * notices.kind gains `consultation`: the letter that consults a third
--   party (regulation Art. 32) or a co-authoring agency (Art. 34), issued
--   with the `consulted` event as a PDF like every notice, addressed to
--   the party and stored with visible_to_applicant false (never shown on
--   the status page nor downloadable by the applicant).
-- The receipt (受理回执) uses the existing kind `acknowledgement`.

DO $$
DECLARE
	def text;
BEGIN
	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	 WHERE conrelid = 'notices'::regclass AND conname = 'notices_kind_check';
	IF def IS NULL OR position('''other''::text' IN def) = 0 THEN
		RAISE EXCEPTION 'notices_kind_check: unexpected definition %', def;
	END IF;
	IF position('''consultation''' IN def) = 0 THEN
		ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
		EXECUTE 'ALTER TABLE notices ADD CONSTRAINT notices_kind_check '
			|| replace(def, '''other''::text', '''other''::text, ''consultation''::text');
	END IF;
END
$$;
