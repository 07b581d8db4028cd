-- Ingestion needs to tell the rows of one load apart (to supersede older versions without touching the
-- new ones) and to make "same bucket/key/eTag" a no-op even under concurrent delivery.

ALTER TABLE raw_documents ADD COLUMN load_id VARCHAR;
ALTER TABLE annotations ADD COLUMN load_id VARCHAR;
ALTER TABLE structured_data ADD COLUMN load_id VARCHAR;

-- One ingest_log row per object version; a second delivery of the same event finds it (or conflicts).
CREATE UNIQUE INDEX ingest_log_object ON ingest_log (bucket, key, etag);
