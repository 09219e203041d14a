-- 041_similar_linked_on_arrival.sql: a new request is linked to the
-- listings of the disclosure log that are trigram-similar to its
-- description when it arrives (issue 18 §2: "new requests similar to a
-- listing are linked to it for staff"), by a trigger, whichever way it
-- arrives: the form, the API, staff registration, an import, a transfer;
-- and a listing, when it is published, to the requests still open.
-- Until now the link was made when staff opened the request, so every
-- view of the request page wrote (issue 17: the page is a read), and a
-- request nobody had opened yet did not count towards a listing's
-- proposal for 主动公开. The test is sql/034's: pg_trgm's `%` (similarity
-- at least pg_trgm.similarity_threshold, 0.3) over the listing's text,
-- served by its GIN index, any agency, any applicant, not withdrawn.

CREATE FUNCTION requests_link_similar() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO disclosure_similar (request_id, disclosure_id, similarity)
	SELECT NEW.id, d.id, similarity(NEW.description, disclosure_text(d.title, d.summary))
	FROM disclosures d
	WHERE d.withdrawn_at IS NULL AND d.request_id <> NEW.id
	  AND disclosure_text(d.title, d.summary) % NEW.description
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;

CREATE TRIGGER requests_link_similar
	AFTER INSERT ON requests
	FOR EACH ROW EXECUTE FUNCTION requests_link_similar();

-- A listing published (or published again) is linked to the requests
-- still open that are similar to it: a request that came in a day before
-- the listing is as much "asked for" as one a day after. The open states
-- are requests_queue_open_key_idx's (sql/003), so only the open requests
-- are compared, not the whole register. One function for the trigger and
-- for the listings there are now (below).
CREATE FUNCTION disclosure_link_open_requests(listing disclosures) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO disclosure_similar (request_id, disclosure_id, similarity)
	SELECT r.id, listing.id,
	       similarity(r.description, disclosure_text(listing.title, listing.summary))
	FROM requests r
	WHERE listing.withdrawn_at IS NULL
	  AND r.status IN ('submitted', 'in_progress', 'awaiting_supplement',
			   'consulting', 'awaiting_fee')
	  AND r.id <> listing.request_id
	  AND disclosure_text(listing.title, listing.summary) % r.description
	ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION disclosures_link_open_requests() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM disclosure_link_open_requests(NEW);
	RETURN NULL;
END;
$$;

CREATE TRIGGER disclosures_link_open_requests
	AFTER INSERT OR UPDATE OF title, summary, withdrawn_at ON disclosures
	FOR EACH ROW EXECUTE FUNCTION disclosures_link_open_requests();

SELECT disclosure_link_open_requests(d) FROM disclosures d WHERE d.withdrawn_at IS NULL;
