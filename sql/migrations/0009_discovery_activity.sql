-- The newest activity of each annotation dataset and each structured source: what discovery measures a
-- name's staleness against (docs/discovery.md "Lifecycle"), so a backfill of old data does not look
-- abandoned. Runs move it on from the loads they take in; what was loaded before this migration is
-- counted here once.
CREATE TABLE discovery_activity (
    -- dataset: annotations (the latest annotated_at of a submitted row); source: load_fields (the latest
    -- ingested_at of a load that profiled a field of it).
    kind        VARCHAR NOT NULL CHECK (kind IN ('dataset', 'source')),
    -- The dataset ('' for annotations without one) or the source.
    scope       VARCHAR NOT NULL,
    newest_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, scope)
);

INSERT INTO discovery_activity (kind, scope, newest_at)
SELECT 'dataset', coalesce(dataset, ''), max(annotated_at) FROM annotations WHERE status = 'submitted'
GROUP BY coalesce(dataset, '')
UNION ALL
SELECT 'source', source, max(ingested_at) FROM load_fields GROUP BY source;
