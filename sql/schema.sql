-- The warehouse schema as one declarative DDL file, generated from the migrations up to 0016_name_embeddings.sql.
-- Do not edit: change sql/migrations and run `npm run schema -- generate --all`; `npm run schema -- check`
-- fails while this file is stale. Apply it to an empty database, or compare: `npm run schema -- diff migration sql/schema.sql`.

CREATE TABLE "annotations" (
  "record_id" VARCHAR NOT NULL,
  "document_id" VARCHAR NOT NULL,
  "entity_type" VARCHAR NOT NULL,
  "start" INTEGER NOT NULL,
  "end" INTEGER NOT NULL,
  "text" VARCHAR NOT NULL,
  "annotator" VARCHAR,
  "status" VARCHAR DEFAULT 'submitted' NOT NULL,
  "annotated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "dataset" VARCHAR,
  "metadata" JSON,
  "batch_id" VARCHAR NOT NULL,
  "source_key" VARCHAR NOT NULL,
  "schema_version" VARCHAR,
  "ingested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL,
  "valid_to" TIMESTAMP WITH TIME ZONE,
  "load_id" VARCHAR,
  CHECK ((status IN ('submitted', 'draft', 'discarded')))
);
COMMENT ON TABLE "annotations" IS 'One row per annotated span (Argilla responses); a changed response closes the old row (valid_to) and adds a new one (valid_from).';
COMMENT ON COLUMN "annotations"."record_id" IS 'The Argilla record the span belongs to.';
COMMENT ON COLUMN "annotations"."document_id" IS 'The document (raw_documents.document_id) the record is about.';
COMMENT ON COLUMN "annotations"."entity_type" IS 'The label the annotator gave the span (entity_types.name).';
COMMENT ON COLUMN "annotations"."start" IS 'Span start, in Python code points.';
COMMENT ON COLUMN "annotations"."end" IS 'Span end (exclusive), in Python code points.';
COMMENT ON COLUMN "annotations"."text" IS 'The covered span.';
COMMENT ON COLUMN "annotations"."annotator" IS 'Who annotated it.';
COMMENT ON COLUMN "annotations"."status" IS 'Argilla response status: submitted, draft or discarded.';
COMMENT ON COLUMN "annotations"."annotated_at" IS 'When the response was last updated in Argilla.';
COMMENT ON COLUMN "annotations"."dataset" IS 'The Argilla dataset.';
COMMENT ON COLUMN "annotations"."metadata" IS 'Every other source column of the span, as JSON.';
COMMENT ON COLUMN "annotations"."batch_id" IS 'The batch (file) the row was loaded from.';
COMMENT ON COLUMN "annotations"."source_key" IS 'R2 key of the object the row came from.';
COMMENT ON COLUMN "annotations"."schema_version" IS 'Schema version the producer declared for the file, if any.';
COMMENT ON COLUMN "annotations"."ingested_at" IS 'When the row was loaded.';
COMMENT ON COLUMN "annotations"."valid_from" IS 'When this version of the span became current.';
COMMENT ON COLUMN "annotations"."valid_to" IS 'When a changed or deleted response closed it; NULL while current.';
COMMENT ON COLUMN "annotations"."load_id" IS 'The ingest_log row (one load) that wrote the row.';

CREATE TABLE "argilla_datasets" (
  "dataset_id" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "workspace_id" VARCHAR NOT NULL,
  "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "synced_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "last_batch_id" VARCHAR,
  "last_key" VARCHAR,
  PRIMARY KEY ("dataset_id")
);
COMMENT ON TABLE "argilla_datasets" IS 'Argilla sync state: one row per synced dataset.';

CREATE TABLE "argilla_responses" (
  "dataset_id" VARCHAR NOT NULL,
  "response_id" VARCHAR NOT NULL,
  "argilla_record_id" VARCHAR NOT NULL,
  "user_id" VARCHAR NOT NULL,
  "status" VARCHAR NOT NULL,
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "record_key" VARCHAR,
  "document_id" VARCHAR,
  "annotator" VARCHAR,
  "current_rows" INTEGER NOT NULL,
  "batch_id" VARCHAR,
  "synced_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY ("dataset_id", "response_id")
);
COMMENT ON TABLE "argilla_responses" IS 'One row per Argilla response seen (any status), with the identity its annotation rows were written under.';

CREATE TABLE "argilla_webhook_events" (
  "event_type" VARCHAR NOT NULL,
  "object_id" VARCHAR NOT NULL,
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "record_id" VARCHAR NOT NULL,
  "dataset_id" VARCHAR NOT NULL,
  "webhook_id" VARCHAR NOT NULL,
  "event_time" TIMESTAMP WITH TIME ZONE,
  "received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY ("event_type", "object_id", "updated_at")
);
COMMENT ON TABLE "argilla_webhook_events" IS 'Argilla webhook deliveries already acted on, keyed by what they are about.';

CREATE TABLE "discovery_activity" (
  "kind" VARCHAR NOT NULL,
  "scope" VARCHAR NOT NULL,
  "newest_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  CHECK ((kind IN ('dataset', 'source'))),
  PRIMARY KEY ("kind", "scope")
);
COMMENT ON TABLE "discovery_activity" IS 'The newest activity of each annotation dataset and structured source, for staleness.';

CREATE TABLE "discovery_consumed" (
  "load_id" VARCHAR NOT NULL,
  "run_id" VARCHAR NOT NULL,
  "consumed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY ("load_id")
);
COMMENT ON TABLE "discovery_consumed" IS 'Loads a discovery run has taken in.';

CREATE TABLE "discovery_lock" (
  "name" VARCHAR NOT NULL,
  "holder" VARCHAR NOT NULL,
  "acquired_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "fence" VARCHAR NOT NULL,
  PRIMARY KEY ("name")
);
COMMENT ON TABLE "discovery_lock" IS 'One row per lock name; a run holds it until expires_at.';

CREATE TABLE "discovery_runs" (
  "id" VARCHAR NOT NULL,
  "trigger" VARCHAR NOT NULL,
  "full_scan" BOOLEAN DEFAULT CAST('f' AS BOOLEAN) NOT NULL,
  "status" VARCHAR NOT NULL,
  "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "started_at" TIMESTAMP WITH TIME ZONE,
  "finished_at" TIMESTAMP WITH TIME ZONE,
  "coalesced_into" VARCHAR,
  "snapshot_version" INTEGER,
  "report" JSON,
  "error" VARCHAR,
  PRIMARY KEY ("id"),
  CHECK ((status IN ('queued', 'running', 'succeeded', 'failed', 'skipped', 'coalesced')))
);
COMMENT ON TABLE "discovery_runs" IS 'Every discovery run: requested, started, what it found, or why it did not run.';

CREATE TABLE "entity_conflicts" (
  "id" VARCHAR NOT NULL,
  "kind" VARCHAR NOT NULL,
  "source" VARCHAR DEFAULT '' NOT NULL,
  "pair" VARCHAR NOT NULL,
  "new_name" VARCHAR NOT NULL,
  "existing_name" VARCHAR NOT NULL,
  "score" DOUBLE NOT NULL,
  "reasons" JSON NOT NULL,
  "status" VARCHAR DEFAULT 'open' NOT NULL,
  "decision" VARCHAR,
  "decided_by" VARCHAR,
  "decided_at" TIMESTAMP WITH TIME ZONE,
  "note" VARCHAR,
  "detected_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "run_id" VARCHAR,
  PRIMARY KEY ("id"),
  CHECK ((kind IN ('entity_type', 'field'))),
  CHECK ((status IN ('open', 'approved', 'rejected', 'merged'))),
  CHECK ((decision IN ('approve', 'reject', 'merge'))),
  UNIQUE ("kind", "source", "pair")
);
COMMENT ON TABLE "entity_conflicts" IS 'Near-duplicate names waiting for, or having had, a human decision; a decided pair is never raised again.';
COMMENT ON COLUMN "entity_conflicts"."kind" IS 'entity_type or field.';
COMMENT ON COLUMN "entity_conflicts"."source" IS 'Field source for kind field; empty for entity types.';
COMMENT ON COLUMN "entity_conflicts"."pair" IS 'Order-independent key of the two names.';
COMMENT ON COLUMN "entity_conflicts"."score" IS 'Similarity, 1 - Levenshtein distance / longer length.';
COMMENT ON COLUMN "entity_conflicts"."reasons" IS 'Why the pair was flagged (JSON list).';
COMMENT ON COLUMN "entity_conflicts"."status" IS 'open, approved, rejected or merged.';
COMMENT ON COLUMN "entity_conflicts"."decision" IS 'approve, reject or merge; NULL until decided.';
COMMENT ON COLUMN "entity_conflicts"."decided_by" IS 'Who decided.';
COMMENT ON COLUMN "entity_conflicts"."decided_at" IS 'When it was decided.';

CREATE TABLE "entity_types" (
  "name" VARCHAR NOT NULL,
  "status" VARCHAR DEFAULT 'candidate' NOT NULL,
  "merged_into" VARCHAR,
  "occurrence_count" BIGINT DEFAULT 0 NOT NULL,
  "document_count" BIGINT DEFAULT 0 NOT NULL,
  "proposal_count" BIGINT DEFAULT 0 NOT NULL,
  "first_seen" TIMESTAMP WITH TIME ZONE,
  "last_seen" TIMESTAMP WITH TIME ZONE,
  "annotators" JSON,
  "datasets" JSON,
  "examples" JSON,
  "description" VARCHAR,
  "description_source" VARCHAR,
  "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY ("name"),
  CHECK ((status IN ('candidate', 'active', 'stale', 'rejected', 'merged')))
);
COMMENT ON TABLE "entity_types" IS 'Entity types SMEs annotate or propose; lifecycle candidate -> active -> stale, or rejected / merged.';
COMMENT ON COLUMN "entity_types"."name" IS 'The entity type (label) name.';
COMMENT ON COLUMN "entity_types"."status" IS 'candidate, active, stale, rejected or merged.';
COMMENT ON COLUMN "entity_types"."merged_into" IS 'For status merged: the name this one is an alias of.';
COMMENT ON COLUMN "entity_types"."occurrence_count" IS 'Spans annotated with it.';
COMMENT ON COLUMN "entity_types"."document_count" IS 'Documents with at least one such span.';
COMMENT ON COLUMN "entity_types"."proposal_count" IS 'Free-text proposals of the name.';
COMMENT ON COLUMN "entity_types"."first_seen" IS 'First time discovery saw it.';
COMMENT ON COLUMN "entity_types"."last_seen" IS 'Last time discovery saw it.';
COMMENT ON COLUMN "entity_types"."examples" IS 'A few annotated spans (JSON list of strings).';
COMMENT ON COLUMN "entity_types"."description" IS 'What the type means, for people and LLMs.';
COMMENT ON COLUMN "entity_types"."description_source" IS 'Who wrote the description (a person, or generated).';

CREATE TABLE "field_definitions" (
  "source" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "kind" VARCHAR DEFAULT 'structured' NOT NULL,
  "inferred_type" VARCHAR NOT NULL,
  "observed_types" JSON,
  "occurrence_count" BIGINT DEFAULT 0 NOT NULL,
  "null_count" BIGINT DEFAULT 0 NOT NULL,
  "first_seen" TIMESTAMP WITH TIME ZONE,
  "last_seen" TIMESTAMP WITH TIME ZONE,
  "examples" JSON,
  "status" VARCHAR DEFAULT 'candidate' NOT NULL,
  "merged_into" VARCHAR,
  "description" VARCHAR,
  "description_source" VARCHAR,
  "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "load_count" BIGINT DEFAULT 0,
  CHECK ((kind IN ('structured', 'document_metadata'))),
  CHECK ((status IN ('candidate', 'active', 'stale', 'rejected', 'merged'))),
  PRIMARY KEY ("source", "name")
);
COMMENT ON TABLE "field_definitions" IS 'Fields of structured data per source (dotted JSON paths) and keys of raw_documents.metadata.';
COMMENT ON COLUMN "field_definitions"."source" IS 'The structured_data source (or metadata source) of the field.';
COMMENT ON COLUMN "field_definitions"."name" IS 'Dotted path of the field (a, a.b, a[]).';
COMMENT ON COLUMN "field_definitions"."kind" IS 'structured (structured_data.data) or document_metadata (raw_documents.metadata).';
COMMENT ON COLUMN "field_definitions"."inferred_type" IS 'The DuckDB type discovery inferred.';
COMMENT ON COLUMN "field_definitions"."observed_types" IS 'Count of values seen per JSON type; more than one key means mixed types.';
COMMENT ON COLUMN "field_definitions"."occurrence_count" IS 'Rows that had the field.';
COMMENT ON COLUMN "field_definitions"."first_seen" IS 'First time discovery saw it.';
COMMENT ON COLUMN "field_definitions"."last_seen" IS 'Last time discovery saw it.';
COMMENT ON COLUMN "field_definitions"."examples" IS 'A few values (JSON list).';
COMMENT ON COLUMN "field_definitions"."status" IS 'candidate, active, stale, rejected or merged.';
COMMENT ON COLUMN "field_definitions"."description" IS 'What the field means.';
COMMENT ON COLUMN "field_definitions"."load_count" IS 'Loaded files that had the field (stability counts files).';

CREATE TABLE "ingest_heads" (
  "bucket" VARCHAR NOT NULL,
  "key" VARCHAR NOT NULL,
  "etag" VARCHAR NOT NULL,
  "event_time" TIMESTAMP WITH TIME ZONE NOT NULL,
  "load_id" VARCHAR NOT NULL,
  PRIMARY KEY ("bucket", "key")
);
COMMENT ON TABLE "ingest_heads" IS 'The newest loaded event of each object (bucket, key).';

CREATE TABLE "ingest_log" (
  "id" VARCHAR NOT NULL,
  "bucket" VARCHAR NOT NULL,
  "key" VARCHAR NOT NULL,
  "etag" VARCHAR NOT NULL,
  "action" VARCHAR NOT NULL,
  "target" VARCHAR,
  "strategy" VARCHAR,
  "batch_id" VARCHAR,
  "schema_version" VARCHAR,
  "rows" BIGINT,
  "bytes" BIGINT,
  "status" VARCHAR NOT NULL,
  "error" VARCHAR,
  "error_code" VARCHAR,
  "attempts" INTEGER DEFAULT 1 NOT NULL,
  "event_time" TIMESTAMP WITH TIME ZONE,
  "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "finished_at" TIMESTAMP WITH TIME ZONE,
  "duration_ms" INTEGER,
  PRIMARY KEY ("id"),
  CHECK ((strategy IN ('push', 'remote'))),
  CHECK ((status IN ('loaded', 'failed', 'deleted', 'ignored', 'retrying')))
);
CREATE UNIQUE INDEX ingest_log_event ON ingest_log(bucket, "key", etag, event_time);
COMMENT ON TABLE "ingest_log" IS 'One row per R2 object event handled by the ingest consumer; makes the same event a no-op.';
COMMENT ON COLUMN "ingest_log"."bucket" IS 'R2 bucket of the object.';
COMMENT ON COLUMN "ingest_log"."key" IS 'R2 key of the object.';
COMMENT ON COLUMN "ingest_log"."etag" IS 'The object version''s eTag.';
COMMENT ON COLUMN "ingest_log"."target" IS 'The core table it was loaded into.';
COMMENT ON COLUMN "ingest_log"."rows" IS 'Rows loaded.';
COMMENT ON COLUMN "ingest_log"."status" IS 'loaded, failed, deleted, ignored or retrying.';
COMMENT ON COLUMN "ingest_log"."error" IS 'A readable error for failed loads.';
COMMENT ON COLUMN "ingest_log"."event_time" IS 'The R2 event''s time; orders versions of one object.';

CREATE TABLE "load_fields" (
  "load_id" VARCHAR NOT NULL,
  "target" VARCHAR NOT NULL,
  "source" VARCHAR NOT NULL,
  "path" VARCHAR NOT NULL,
  "field_type" VARCHAR NOT NULL,
  "rows" BIGINT NOT NULL,
  "null_count" BIGINT,
  "ingested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY ("load_id", "path", "field_type")
);
COMMENT ON TABLE "load_fields" IS 'The fields of one load, written by the loader in the load''s own transaction.';

CREATE TABLE "name_embeddings" (
  "kind" VARCHAR NOT NULL,
  "source" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "model" VARCHAR NOT NULL,
  "text_hash" VARCHAR NOT NULL,
  "dims" INTEGER NOT NULL,
  "vector" BLOB NOT NULL,
  "embedded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  CHECK ((kind IN ('entity_type', 'field'))),
  CHECK ((dims > 0)),
  PRIMARY KEY ("kind", "source", "name", "model")
);
COMMENT ON TABLE "name_embeddings" IS 'Embeddings of catalog names per model, cached so a name is embedded again only when its text changes.';
COMMENT ON COLUMN "name_embeddings"."kind" IS 'entity_type or field.';
COMMENT ON COLUMN "name_embeddings"."source" IS 'Field source for kind field; empty for entity types.';
COMMENT ON COLUMN "name_embeddings"."name" IS 'The entity type or field name.';
COMMENT ON COLUMN "name_embeddings"."model" IS 'The embedding model (Workers AI model id).';
COMMENT ON COLUMN "name_embeddings"."text_hash" IS 'SHA-256 of the embedded text (name, description, examples).';
COMMENT ON COLUMN "name_embeddings"."dims" IS 'Dimensions of the vector.';
COMMENT ON COLUMN "name_embeddings"."vector" IS 'The vector: dims float32 values, little-endian, L2-normalised.';
COMMENT ON COLUMN "name_embeddings"."embedded_at" IS 'When it was embedded.';

CREATE TABLE "notifications_outbox" (
  "id" VARCHAR NOT NULL,
  "channel" VARCHAR NOT NULL,
  "dedupe_key" VARCHAR NOT NULL,
  "payload" JSON NOT NULL,
  "status" VARCHAR DEFAULT 'pending' NOT NULL,
  "attempts" INTEGER DEFAULT 0 NOT NULL,
  "last_error" VARCHAR,
  "next_attempt_at" TIMESTAMP WITH TIME ZONE,
  "run_id" VARCHAR,
  "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "sent_at" TIMESTAMP WITH TIME ZONE,
  PRIMARY KEY ("id"),
  UNIQUE ("dedupe_key"),
  CHECK ((status IN ('pending', 'sent', 'failed')))
);
COMMENT ON TABLE "notifications_outbox" IS 'Outbound messages (Slack digests) waiting to be sent; delivery is retried from here, never lost.';
COMMENT ON COLUMN "notifications_outbox"."dedupe_key" IS 'One message per logical event (e.g. a discovery run).';
COMMENT ON COLUMN "notifications_outbox"."payload" IS 'The message body (JSON).';
COMMENT ON COLUMN "notifications_outbox"."status" IS 'pending, sent or failed.';

CREATE TABLE "query_executions" (
  "id" VARCHAR NOT NULL,
  "mode" VARCHAR NOT NULL,
  "sql" VARCHAR NOT NULL,
  "params" JSON,
  "snapshot_version" INTEGER,
  "as_of" TIMESTAMP WITH TIME ZONE,
  "saved_query_id" VARCHAR,
  "status" VARCHAR NOT NULL,
  "row_count" BIGINT,
  "result_hash" VARCHAR,
  "error" VARCHAR,
  "duration_ms" INTEGER,
  "executed_by" VARCHAR,
  "executed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "error_code" VARCHAR,
  "row_limit" INTEGER,
  "truncated" BOOLEAN,
  PRIMARY KEY ("id"),
  CHECK (("mode" IN ('live', 'snapshot', 'time_travel'))),
  CHECK ((status IN ('ok', 'error')))
);
COMMENT ON TABLE "query_executions" IS 'Every query run through the API, in whichever mode.';
COMMENT ON COLUMN "query_executions"."mode" IS 'live, snapshot or time_travel.';
COMMENT ON COLUMN "query_executions"."sql" IS 'The SQL as submitted.';
COMMENT ON COLUMN "query_executions"."snapshot_version" IS 'The schema version it ran against.';
COMMENT ON COLUMN "query_executions"."as_of" IS 'For time_travel: the instant the data was seen as of.';
COMMENT ON COLUMN "query_executions"."status" IS 'ok or error.';
COMMENT ON COLUMN "query_executions"."result_hash" IS 'Hash of the result rows.';
COMMENT ON COLUMN "query_executions"."error_code" IS 'refused, timeout or failed; NULL when it succeeded.';

CREATE TABLE "raw_documents" (
  "document_id" VARCHAR NOT NULL,
  "page" INTEGER NOT NULL,
  "text" VARCHAR NOT NULL,
  "ocr_confidence" DOUBLE,
  "source_uri" VARCHAR,
  "metadata" JSON,
  "batch_id" VARCHAR NOT NULL,
  "source_key" VARCHAR NOT NULL,
  "schema_version" VARCHAR,
  "ingested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL,
  "valid_to" TIMESTAMP WITH TIME ZONE,
  "load_id" VARCHAR
);
COMMENT ON TABLE "raw_documents" IS 'OCR output, one row per document page; append-only, a newer version of the same source closes the old rows (valid_to).';
COMMENT ON COLUMN "raw_documents"."document_id" IS 'The document the page belongs to.';
COMMENT ON COLUMN "raw_documents"."page" IS 'Page number within the document.';
COMMENT ON COLUMN "raw_documents"."text" IS 'The page text as OCR read it.';
COMMENT ON COLUMN "raw_documents"."ocr_confidence" IS 'OCR confidence of the page, when the source gives one.';
COMMENT ON COLUMN "raw_documents"."source_uri" IS 'Where the original document lives.';
COMMENT ON COLUMN "raw_documents"."metadata" IS 'Every source column that is not one of the named ones, as JSON.';
COMMENT ON COLUMN "raw_documents"."batch_id" IS 'The batch (file) the row was loaded from.';
COMMENT ON COLUMN "raw_documents"."source_key" IS 'R2 key of the object the row came from.';
COMMENT ON COLUMN "raw_documents"."schema_version" IS 'Schema version the producer declared for the file, if any.';
COMMENT ON COLUMN "raw_documents"."ingested_at" IS 'When the row was loaded.';
COMMENT ON COLUMN "raw_documents"."valid_from" IS 'When this version of the row became current.';
COMMENT ON COLUMN "raw_documents"."valid_to" IS 'When a newer version replaced it; NULL while current.';
COMMENT ON COLUMN "raw_documents"."load_id" IS 'The ingest_log row (one load) that wrote the row.';

CREATE TABLE "report_runs" (
  "id" VARCHAR NOT NULL,
  "saved_query_id" VARCHAR NOT NULL,
  "run_number" INTEGER NOT NULL,
  "triggered_by" VARCHAR NOT NULL,
  "status" VARCHAR NOT NULL,
  "ran_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "duration_ms" INTEGER,
  "execution_id" VARCHAR,
  "mode" VARCHAR NOT NULL,
  "schema_version" INTEGER,
  "as_of" TIMESTAMP WITH TIME ZONE,
  "result_columns" JSON,
  "row_count" BIGINT,
  "truncated" BOOLEAN,
  "result_hash" VARCHAR,
  "changed" BOOLEAN,
  "why" JSON,
  "error" VARCHAR,
  "error_code" VARCHAR,
  "object_key" VARCHAR,
  "object_etag" VARCHAR,
  "object_bytes" BIGINT,
  PRIMARY KEY ("id"),
  CHECK ((run_number >= 1)),
  CHECK ((triggered_by IN ('create', 'api', 'cron'))),
  CHECK ((status IN ('ok', 'error'))),
  CHECK (("mode" IN ('live', 'snapshot', 'time_travel'))),
  UNIQUE ("saved_query_id", "run_number")
);
COMMENT ON TABLE "report_runs" IS 'One row per run of a saved report; a successful run''s result is a Parquet object in R2 (vessel-reports).';
COMMENT ON COLUMN "report_runs"."saved_query_id" IS 'The report (saved_queries.id).';
COMMENT ON COLUMN "report_runs"."run_number" IS '1, 2, 3, ... per report.';
COMMENT ON COLUMN "report_runs"."changed" IS 'Whether the result differs from the previous successful run''s.';
COMMENT ON COLUMN "report_runs"."why" IS 'What moved since the previous successful run (JSON).';
COMMENT ON COLUMN "report_runs"."object_key" IS 'R2 key of the stored result in vessel-reports.';

CREATE TABLE "saved_queries" (
  "id" VARCHAR NOT NULL,
  "name" VARCHAR NOT NULL,
  "sql" VARCHAR NOT NULL,
  "mode" VARCHAR DEFAULT 'live' NOT NULL,
  "params" JSON,
  "created_by" VARCHAR,
  "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "last_run_at" TIMESTAMP WITH TIME ZONE,
  "last_result_hash" VARCHAR,
  "last_row_count" BIGINT,
  "last_changed_at" TIMESTAMP WITH TIME ZONE,
  "key_columns" JSON,
  "as_of" TIMESTAMP WITH TIME ZONE,
  "snapshot_version" INTEGER,
  "row_limit" INTEGER,
  PRIMARY KEY ("id"),
  UNIQUE ("name"),
  CHECK (("mode" IN ('live', 'snapshot', 'time_travel')))
);
COMMENT ON TABLE "saved_queries" IS 'Reports people keep; each run compares its result hash with the last one to notice changes.';
COMMENT ON COLUMN "saved_queries"."name" IS 'The report''s unique name.';
COMMENT ON COLUMN "saved_queries"."sql" IS 'The report''s SELECT.';
COMMENT ON COLUMN "saved_queries"."mode" IS 'live, snapshot or time_travel.';
COMMENT ON COLUMN "saved_queries"."last_result_hash" IS 'Result hash of the last successful run.';
COMMENT ON COLUMN "saved_queries"."key_columns" IS 'Columns that identify a result row, for diffs by key (JSON list; NULL compares whole rows).';

CREATE TABLE "schema_migrations" (
  "name" VARCHAR NOT NULL,
  "checksum" VARCHAR NOT NULL,
  "applied_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY ("name")
);
COMMENT ON TABLE "schema_migrations" IS 'Applied migrations: file name and SHA-256 checksum.';
COMMENT ON COLUMN "schema_migrations"."checksum" IS 'SHA-256 of the file as applied (line endings normalised).';

CREATE TABLE "schema_snapshots" (
  "version" INTEGER NOT NULL,
  "semver" VARCHAR NOT NULL,
  "bump" VARCHAR NOT NULL,
  "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "catalog" JSON NOT NULL,
  "diff" JSON NOT NULL,
  "content_hash" VARCHAR NOT NULL,
  "previous_hash" VARCHAR,
  "run_id" VARCHAR,
  "stats" JSON,
  "views" JSON,
  PRIMARY KEY ("version"),
  CHECK (("version" >= 1)),
  CHECK ((bump IN ('major', 'minor', 'patch')))
);
COMMENT ON TABLE "schema_snapshots" IS 'Published catalog versions 1, 2, 3, ..., each chained to the one before by content hash.';
COMMENT ON COLUMN "schema_snapshots"."version" IS 'Version number, from 1.';
COMMENT ON COLUMN "schema_snapshots"."semver" IS 'Semantic version label of the catalog after this change.';
COMMENT ON COLUMN "schema_snapshots"."bump" IS 'major (removal, rename), minor (addition) or patch (description, status).';
COMMENT ON COLUMN "schema_snapshots"."published_at" IS 'When it was published.';
COMMENT ON COLUMN "schema_snapshots"."catalog" IS 'The whole catalog at this version (JSON).';
COMMENT ON COLUMN "schema_snapshots"."diff" IS 'The changes from the previous version (JSON list).';
COMMENT ON COLUMN "schema_snapshots"."content_hash" IS 'Hash of the catalog and the previous hash.';
COMMENT ON COLUMN "schema_snapshots"."previous_hash" IS 'The previous version''s content_hash; NULL for version 1.';
COMMENT ON COLUMN "schema_snapshots"."stats" IS 'Counts and examples per name at publication (not hashed).';
COMMENT ON COLUMN "schema_snapshots"."views" IS 'Definitions of the typed views of this version (JSON).';

CREATE TABLE "structured_data" (
  "source" VARCHAR NOT NULL,
  "source_file" VARCHAR NOT NULL,
  "row_number" BIGINT NOT NULL,
  "data" JSON NOT NULL,
  "batch_id" VARCHAR NOT NULL,
  "source_key" VARCHAR NOT NULL,
  "schema_version" VARCHAR,
  "ingested_at" TIMESTAMP WITH TIME ZONE NOT NULL,
  "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL,
  "valid_to" TIMESTAMP WITH TIME ZONE,
  "load_id" VARCHAR
);
COMMENT ON TABLE "structured_data" IS 'One row per source row of a structured (CSV/XLS manifest) file; the row itself is JSON because columns come and go.';
COMMENT ON COLUMN "structured_data"."source" IS 'The dataset the file belongs to.';
COMMENT ON COLUMN "structured_data"."source_file" IS 'The file the row came from.';
COMMENT ON COLUMN "structured_data"."row_number" IS 'Row number within the file (0-based).';
COMMENT ON COLUMN "structured_data"."data" IS 'The source row as a JSON object, column name to value.';
COMMENT ON COLUMN "structured_data"."batch_id" IS 'The batch (file) the row was loaded from.';
COMMENT ON COLUMN "structured_data"."source_key" IS 'R2 key of the object the row came from.';
COMMENT ON COLUMN "structured_data"."schema_version" IS 'Schema version the producer declared for the file, if any.';
COMMENT ON COLUMN "structured_data"."ingested_at" IS 'When the row was loaded.';
COMMENT ON COLUMN "structured_data"."valid_from" IS 'When this version of the row became current.';
COMMENT ON COLUMN "structured_data"."valid_to" IS 'When a newer version of the file replaced the row; NULL while current.';
COMMENT ON COLUMN "structured_data"."load_id" IS 'The ingest_log row (one load) that wrote the row.';

CREATE VIEW entity_health AS WITH live AS (SELECT CAST(sum(occurrence_count) AS "DOUBLE") AS occurrences FROM entity_types WHERE (status IN ('candidate', 'active', 'stale'))), activity AS (SELECT t."name", max(a.newest_at) AS newest_at FROM entity_types AS t INNER JOIN discovery_activity AS a ON (((a.kind = 'dataset') AND CASE  WHEN ((COALESCE(json_array_length(t.datasets), 0) = 0)) THEN ((a."scope" = '')) ELSE list_contains(from_json(t.datasets, '["VARCHAR"]'), a."scope") END)) GROUP BY t."name"), aliases AS (SELECT merged_into AS "name", count_star() AS aliases FROM entity_types WHERE ((status = 'merged') AND (merged_into IS NOT NULL)) GROUP BY merged_into), open_conflicts AS (SELECT "name", count_star() AS open_conflicts FROM ((SELECT new_name AS "name" FROM entity_conflicts WHERE ((kind = 'entity_type') AND (status = 'open'))) UNION ALL (SELECT existing_name FROM entity_conflicts WHERE ((kind = 'entity_type') AND (status = 'open')))) GROUP BY "name"), measured AS (SELECT t.*, CASE  WHEN (((t.status IN ('candidate', 'active', 'stale')) AND (l.occurrences > 0))) THEN ((t.occurrence_count / l.occurrences)) ELSE NULL END AS "share" FROM entity_types AS t CROSS JOIN live AS l)SELECT m."name", m.status, m.merged_into, m.occurrence_count AS occurrences, m.document_count AS documents, m.proposal_count AS proposals, COALESCE(al.aliases, 0) AS aliases, COALESCE(c.open_conflicts, 0) AS open_conflicts, m."share", m.first_seen, m.last_seen, a.newest_at AS dataset_newest_at, ((epoch(a.newest_at) - epoch(m.last_seen)) / 86400) AS days_behind_dataset, ((epoch(now()) - epoch(m.last_seen)) / 86400) AS days_since_seen, (m.status = 'stale') AS stale, COALESCE(((m.status IN ('candidate', 'active')) AND (m."share" < 0.01)), CAST('f' AS BOOLEAN)) AS rare FROM measured AS m LEFT JOIN activity AS a ON ((a."name" = m."name")) LEFT JOIN aliases AS al ON ((al."name" = m."name")) LEFT JOIN open_conflicts AS c ON ((c."name" = m."name"));
COMMENT ON VIEW "entity_health" IS 'One row per entity type: counts, share, staleness and open conflicts.';

CREATE VIEW schema_churn AS WITH events AS ((SELECT main.timezone('UTC', published_at) AS "at", 'version' AS what, bump FROM schema_snapshots) UNION ALL (SELECT main.timezone('UTC', created_at), 'entity_type', NULL FROM entity_types)UNION ALL (SELECT main.timezone('UTC', created_at), 'field', NULL FROM field_definitions)UNION ALL (SELECT main.timezone('UTC', detected_at), 'conflict_raised', NULL FROM entity_conflicts)UNION ALL (SELECT main.timezone('UTC', decided_at), 'conflict_decided', NULL FROM entity_conflicts WHERE (decided_at IS NOT NULL))), span AS (SELECT least(CAST(min(e."at") AS "DATE"), t.today) AS first_day, t.today FROM (SELECT CAST(main.timezone('UTC', now()) AS "DATE") AS today) AS t LEFT JOIN events AS e ON (CAST('t' AS BOOLEAN)) GROUP BY t.today), periods AS ((SELECT 'day' AS grain, CAST(unnest(generate_series(first_day, today, to_days(CAST(trunc(CAST(1 AS DOUBLE)) AS INTEGER)))) AS "DATE") AS period_start, to_days(CAST(trunc(CAST(1 AS DOUBLE)) AS INTEGER)) AS length FROM span) UNION ALL (SELECT 'week', CAST(unnest(generate_series(date_trunc('week', first_day), date_trunc('week', today), to_days(CAST(trunc(CAST(7 AS DOUBLE)) AS INTEGER)))) AS "DATE"), to_days(CAST(trunc(CAST(7 AS DOUBLE)) AS INTEGER)) FROM span)), bounded AS (SELECT grain, period_start, (period_start + length) AS period_end FROM periods)SELECT p.grain, p.period_start, count_star() FILTER (WHERE (e.what = 'version')) AS versions, count_star() FILTER (WHERE ((e.what = 'version') AND (e.bump = 'major'))) AS major_versions, count_star() FILTER (WHERE ((e.what = 'version') AND (e.bump = 'minor'))) AS minor_versions, count_star() FILTER (WHERE ((e.what = 'version') AND (e.bump = 'patch'))) AS patch_versions, count_star() FILTER (WHERE (e.what = 'entity_type')) AS new_entity_types, count_star() FILTER (WHERE (e.what = 'field')) AS new_fields, count_star() FILTER (WHERE (e.what = 'conflict_raised')) AS conflicts_raised, count_star() FILTER (WHERE (e.what = 'conflict_decided')) AS conflicts_decided, (SELECT count_star() FROM entity_conflicts AS c WHERE ((main.timezone('UTC', c.detected_at) < p.period_end) AND ((c.decided_at IS NULL) OR (main.timezone('UTC', c.decided_at) >= p.period_end)))) AS open_conflicts FROM bounded AS p LEFT JOIN events AS e ON (((e."at" >= p.period_start) AND (e."at" < p.period_end))) GROUP BY p.grain, p.period_start, p.period_end;
COMMENT ON VIEW "schema_churn" IS 'Per UTC day and ISO week: snapshots published, names added, conflicts raised and decided, review queue depth.';

CREATE VIEW slow_queries AS SELECT snapshot_version AS schema_version, "mode", count_star() AS executions, count_star() FILTER (WHERE (status = 'error')) AS errors, quantile_cont(duration_ms, 0.5) AS p50_ms, quantile_cont(duration_ms, 0.95) AS p95_ms, quantile_cont(duration_ms, 0.99) AS p99_ms, max(duration_ms) AS max_ms, CAST(sum(duration_ms) AS BIGINT) AS total_ms, max(executed_at) AS last_executed_at FROM query_executions WHERE (duration_ms IS NOT NULL) GROUP BY snapshot_version, "mode";
COMMENT ON VIEW "slow_queries" IS 'Query duration quantiles per schema version and mode.';
