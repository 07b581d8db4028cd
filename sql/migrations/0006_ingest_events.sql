-- An object's event, not just its version, is what a delivery repeats: the same bytes uploaded again
-- later (a revert to earlier content, an upload after a delete) have the same eTag but a new event and
-- must load again. Idempotency moves from (bucket, key, etag) to (bucket, key, etag, event_time), and
-- event_time orders versions: a late retry of an older event never replaces a newer version.

DROP INDEX ingest_log_object;
CREATE UNIQUE INDEX ingest_log_event ON ingest_log (bucket, key, etag, event_time);

-- The newest loaded event of each object. Every load upserts its object's row in its own transaction, so
-- two loads of the same key at once conflict (one commits, the other is retried and then sees it) rather
-- than both becoming current; and the consumer reads an object's newest version here in one lookup.
CREATE TABLE ingest_heads (
    bucket      VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    etag        VARCHAR NOT NULL,
    event_time  TIMESTAMPTZ NOT NULL,
    load_id     VARCHAR NOT NULL,
    PRIMARY KEY (bucket, key)
);

INSERT INTO ingest_heads (bucket, key, etag, event_time, load_id)
SELECT bucket, key, arg_max(etag, event_time), max(event_time), arg_max(id, event_time)
FROM ingest_log WHERE status = 'loaded' AND event_time IS NOT NULL
GROUP BY bucket, key;
