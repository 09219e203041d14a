-- 008_review_body.sql: the government above an agency, for the review
-- body its notices name.
--
-- Since 2024 (行政复议法 as revised in 2023, Art. 24) a local department's
-- decisions are reviewed by its own level's people's government (本级人民
-- 政府), a township government's by the county government: in the
-- hierarchy of agencies, the nearest ancestor of kind 'government'. An
-- agency's setting `review_body` (agencies.settings) overrides it —
-- vertically managed agencies (customs, tax… Art. 27) must set it. The
-- choice between setting, this name and the generic words of the law is
-- fcgi/domain/remedies.c; this function only walks up the tree.
--
-- NULL when no ancestor is a government (a top-level agency, or one
-- whose chain holds only departments).

CREATE FUNCTION agency_government_above(agency bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, depth) AS (
		SELECT parent_id, 1 FROM agencies WHERE id = agency AND parent_id IS NOT NULL
		UNION ALL
		SELECT a.parent_id, up.depth + 1 FROM agencies a JOIN up ON a.id = up.id
		WHERE a.parent_id IS NOT NULL AND up.depth < 64
	)
	SELECT a.name FROM up JOIN agencies a ON a.id = up.id
	WHERE a.kind = 'government'
	ORDER BY up.depth LIMIT 1
$$;
