-- 010_accounts.sql: staff sign-in after the penetration test (issue 12).
--
-- * sign_in_failures: wrong passwords (and wrong second factors) counted
--   per typed username and client address (IPv6: its /64), so that five
--   wrong passwords from one address lock that address out of the account
--   and nobody else. The username is kept only as a keyed hash (the app's
--   key), so that a password typed into the username field is never
--   stored, and unknown usernames are counted exactly as known ones: their
--   answers and lock-outs give away nothing. staff_id names the account
--   when there is one (the admin page shows the lock, a reset clears it).
--   staff.failed_logins and staff.locked_until are no longer used.
-- * sign_in_delay(): the wait after N failures — none for 2, then 2 s and
--   4 s, then a lock of 15 minutes that doubles with every further failure
--   (at most 24 hours). A row untouched for 24 hours counts from zero.
-- * staff.totp_*: the TOTP secret (RFC 6238), encrypted with the app's
--   secretbox key; a pending secret while enrolment awaits its first code;
--   the last time step used, so that a code is never accepted twice.
-- * staff_recovery_codes: ten one-time codes per enrolment, only their
--   keyed hashes.

CREATE TABLE sign_in_failures (
	username_hash	bytea NOT NULL
			CONSTRAINT sign_in_failures_hash_size
			CHECK (octet_length(username_hash) = 32),
	addr		inet NOT NULL,
	staff_id	bigint REFERENCES staff (id) ON DELETE CASCADE,
	failures	integer NOT NULL CHECK (failures > 0),
	last_failed_at	timestamptz NOT NULL DEFAULT now(),
	locked_until	timestamptz,
	PRIMARY KEY (username_hash, addr)
);

CREATE INDEX sign_in_failures_staff_idx ON sign_in_failures (staff_id)
	WHERE staff_id IS NOT NULL;
CREATE INDEX sign_in_failures_last_idx ON sign_in_failures (last_failed_at);

CREATE FUNCTION sign_in_delay(failures integer) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE
		WHEN failures < 3 THEN interval '0'
		WHEN failures < 5 THEN make_interval(secs => 2 ^ (failures - 2))
		ELSE least(make_interval(mins => (15 * 2 ^ least(failures - 5, 7))::int),
			   interval '24 hours')
	END
$$;

ALTER TABLE staff
	ADD COLUMN totp_secret_enc bytea,
	ADD COLUMN totp_pending_enc bytea,
	ADD COLUMN totp_enabled_at timestamptz,
	ADD COLUMN totp_last_step bigint,
	ADD CONSTRAINT staff_totp_enabled_with_secret
		CHECK ((totp_enabled_at IS NULL) = (totp_secret_enc IS NULL));

CREATE TABLE staff_recovery_codes (
	id		bigserial PRIMARY KEY,
	staff_id	bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	code_hash	bytea NOT NULL
			CONSTRAINT staff_recovery_codes_hash_size
			CHECK (octet_length(code_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	used_at		timestamptz,
	UNIQUE (staff_id, code_hash)
);
