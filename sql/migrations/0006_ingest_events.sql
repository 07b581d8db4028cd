-- An object's event, not just its version, is what a delivery repeats: the same bytes uploaded again
-- later (a revert to earlier content, an upload after a delete) have the same eTag but a new event and
-- must load again. Idempotency moves from (bucket, key, etag) to (bucket, key, etag, event_time), and
-- event_time orders versions: a late retry of an older event never replaces a newer version.

DROP INDEX ingest_log_object;
CREATE UNIQUE INDEX ingest_log_event ON ingest_log (bucket, key, etag, event_time);
