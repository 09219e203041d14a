-- Keyed event MACs (issue 12, item 15). The plain SHA-256 chain (hash,
-- prev_hash) stays; each event written from now on also carries mac, a
-- BLAKE2b MAC of its hash keyed with a key derived in the application
-- from the secret key file (never sent here, where log_statement would
-- show it), and mac_key, the number of that key (1 = the first; `ysqgk
-- keygen --rotate` adds the next). A superuser who rewrites an event and
-- recomputes its plain hash cannot recompute the MAC.
ALTER TABLE request_events
	ADD COLUMN mac_key smallint CONSTRAINT request_events_mac_key_positive
		CHECK (mac_key >= 1),
	ADD COLUMN mac bytea CONSTRAINT request_events_mac_size
		CHECK (octet_length(mac) = 32),
	ADD CONSTRAINT request_events_mac_versioned
		CHECK ((mac IS NULL) = (mac_key IS NULL));

-- The switch: the first event that must carry a MAC. Every event from it
-- on does: event_append() never writes one without, and `ysqgk audit
-- verify` names any that lacks it (a constraint would add nothing against
-- a superuser, who can drop it). verify also compares this row with the
-- anchors written to another machine, so the switch cannot be moved to
-- let unMACed events through.
CREATE TABLE audit_mac_switch (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	at		timestamptz NOT NULL DEFAULT now(),
	first_event_id	bigint NOT NULL
);
INSERT INTO audit_mac_switch (first_event_id)
	SELECT coalesce(max(id), 0) + 1 FROM request_events;
CREATE TRIGGER audit_mac_switch_append_only
	BEFORE UPDATE OR DELETE ON audit_mac_switch
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
