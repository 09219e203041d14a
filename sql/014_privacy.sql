-- 014_privacy.sql: personal information (个人信息保护法, issue 12 item 17).
--
-- * requests.privacy_notice_version, requests.privacy_consent_at: which
--   privacy notice (templates/apply.mustache, PRIVACY_NOTICE_VERSION in
--   fcgi/requests.h) an online applicant read and when they consented
--   (PIPL Art. 14, 17). NULL for requests staff register from paper or
--   import: there the basis is the agency's statutory duty (PIPL Art.
--   13(3)), not consent.
-- * requests.pseudonymised_at: when `ysqgk retention` removed the
--   applicant's personal data (PIPL Art. 19, 47) from a request concluded
--   more than retention_years ago. Such a row keeps what the yearly report
--   and the event chain need (applicant_kind, channel, dates, status,
--   outcome, description); the identity and contact checks no longer
--   apply to it.

ALTER TABLE requests
	ADD COLUMN privacy_notice_version text
		CONSTRAINT requests_privacy_notice_version_format
		CHECK (privacy_notice_version ~ '^[0-9a-z.-]{1,32}$'),
	ADD COLUMN privacy_consent_at timestamptz,
	ADD COLUMN pseudonymised_at timestamptz,
	ADD CONSTRAINT requests_consent_complete CHECK (
		(privacy_notice_version IS NULL) = (privacy_consent_at IS NULL));

ALTER TABLE requests DROP CONSTRAINT requests_person_identity;
ALTER TABLE requests ADD CONSTRAINT requests_person_identity CHECK (
	CASE WHEN applicant_kind = 'person' THEN
		credit_code IS NULL AND legal_representative IS NULL
		AND (imported OR pseudonymised_at IS NOT NULL OR id_type IS NOT NULL)
	ELSE
		id_type IS NULL
	END);

ALTER TABLE requests DROP CONSTRAINT requests_has_contact;
ALTER TABLE requests ADD CONSTRAINT requests_has_contact CHECK (
	imported OR pseudonymised_at IS NOT NULL OR phone_enc IS NOT NULL
	OR email IS NOT NULL OR address IS NOT NULL);

