-- Descriptions of the project's own tables and their main columns (docs/design data model), kept in the
-- database itself so every copy of the schema (npm run schema -- generate: zod, types, Markdown, Mermaid,
-- JSON Schema) carries them. Comments only: no table or column changes.

-- Core
COMMENT ON TABLE raw_documents IS 'OCR output, one row per document page; append-only, a newer version of the same source closes the old rows (valid_to).';
COMMENT ON COLUMN raw_documents.document_id IS 'The document the page belongs to.';
COMMENT ON COLUMN raw_documents.page IS 'Page number within the document.';
COMMENT ON COLUMN raw_documents.text IS 'The page text as OCR read it.';
COMMENT ON COLUMN raw_documents.ocr_confidence IS 'OCR confidence of the page, when the source gives one.';
COMMENT ON COLUMN raw_documents.source_uri IS 'Where the original document lives.';
COMMENT ON COLUMN raw_documents.metadata IS 'Every source column that is not one of the named ones, as JSON.';
COMMENT ON COLUMN raw_documents.batch_id IS 'The batch (file) the row was loaded from.';
COMMENT ON COLUMN raw_documents.source_key IS 'R2 key of the object the row came from.';
COMMENT ON COLUMN raw_documents.schema_version IS 'Schema version the producer declared for the file, if any.';
COMMENT ON COLUMN raw_documents.ingested_at IS 'When the row was loaded.';
COMMENT ON COLUMN raw_documents.valid_from IS 'When this version of the row became current.';
COMMENT ON COLUMN raw_documents.valid_to IS 'When a newer version replaced it; NULL while current.';
COMMENT ON COLUMN raw_documents.load_id IS 'The ingest_log row (one load) that wrote the row.';

COMMENT ON TABLE annotations IS 'One row per annotated span (Argilla responses); a changed response closes the old row (valid_to) and adds a new one (valid_from).';
COMMENT ON COLUMN annotations.record_id IS 'The Argilla record the span belongs to.';
COMMENT ON COLUMN annotations.document_id IS 'The document (raw_documents.document_id) the record is about.';
COMMENT ON COLUMN annotations.entity_type IS 'The label the annotator gave the span (entity_types.name).';
COMMENT ON COLUMN annotations."start" IS 'Span start, in Python code points.';
COMMENT ON COLUMN annotations."end" IS 'Span end (exclusive), in Python code points.';
COMMENT ON COLUMN annotations.text IS 'The covered span.';
COMMENT ON COLUMN annotations.annotator IS 'Who annotated it.';
COMMENT ON COLUMN annotations.status IS 'Argilla response status: submitted, draft or discarded.';
COMMENT ON COLUMN annotations.annotated_at IS 'When the response was last updated in Argilla.';
COMMENT ON COLUMN annotations.dataset IS 'The Argilla dataset.';
COMMENT ON COLUMN annotations.valid_from IS 'When this version of the span became current.';
COMMENT ON COLUMN annotations.valid_to IS 'When a changed or deleted response closed it; NULL while current.';
COMMENT ON COLUMN annotations.metadata IS 'Every other source column of the span, as JSON.';
COMMENT ON COLUMN annotations.batch_id IS 'The batch (file) the row was loaded from.';
COMMENT ON COLUMN annotations.source_key IS 'R2 key of the object the row came from.';
COMMENT ON COLUMN annotations.schema_version IS 'Schema version the producer declared for the file, if any.';
COMMENT ON COLUMN annotations.ingested_at IS 'When the row was loaded.';
COMMENT ON COLUMN annotations.load_id IS 'The ingest_log row (one load) that wrote the row.';

COMMENT ON TABLE structured_data IS 'One row per source row of a structured (CSV/XLS manifest) file; the row itself is JSON because columns come and go.';
COMMENT ON COLUMN structured_data.source IS 'The dataset the file belongs to.';
COMMENT ON COLUMN structured_data.source_file IS 'The file the row came from.';
COMMENT ON COLUMN structured_data.row_number IS 'Row number within the file (0-based).';
COMMENT ON COLUMN structured_data.data IS 'The source row as a JSON object, column name to value.';
COMMENT ON COLUMN structured_data.valid_to IS 'When a newer version of the file replaced the row; NULL while current.';
COMMENT ON COLUMN structured_data.batch_id IS 'The batch (file) the row was loaded from.';
COMMENT ON COLUMN structured_data.source_key IS 'R2 key of the object the row came from.';
COMMENT ON COLUMN structured_data.schema_version IS 'Schema version the producer declared for the file, if any.';
COMMENT ON COLUMN structured_data.ingested_at IS 'When the row was loaded.';
COMMENT ON COLUMN structured_data.valid_from IS 'When this version of the row became current.';
COMMENT ON COLUMN structured_data.load_id IS 'The ingest_log row (one load) that wrote the row.';

-- Catalog
COMMENT ON TABLE entity_types IS 'Entity types SMEs annotate or propose; lifecycle candidate -> active -> stale, or rejected / merged.';
COMMENT ON COLUMN entity_types.name IS 'The entity type (label) name.';
COMMENT ON COLUMN entity_types.status IS 'candidate, active, stale, rejected or merged.';
COMMENT ON COLUMN entity_types.merged_into IS 'For status merged: the name this one is an alias of.';
COMMENT ON COLUMN entity_types.occurrence_count IS 'Spans annotated with it.';
COMMENT ON COLUMN entity_types.document_count IS 'Documents with at least one such span.';
COMMENT ON COLUMN entity_types.proposal_count IS 'Free-text proposals of the name.';
COMMENT ON COLUMN entity_types.first_seen IS 'First time discovery saw it.';
COMMENT ON COLUMN entity_types.last_seen IS 'Last time discovery saw it.';
COMMENT ON COLUMN entity_types.examples IS 'A few annotated spans (JSON list of strings).';
COMMENT ON COLUMN entity_types.description IS 'What the type means, for people and LLMs.';
COMMENT ON COLUMN entity_types.description_source IS 'Who wrote the description (a person, or generated).';

COMMENT ON TABLE field_definitions IS 'Fields of structured data per source (dotted JSON paths) and keys of raw_documents.metadata.';
COMMENT ON COLUMN field_definitions.source IS 'The structured_data source (or metadata source) of the field.';
COMMENT ON COLUMN field_definitions.name IS 'Dotted path of the field (a, a.b, a[]).';
COMMENT ON COLUMN field_definitions.kind IS 'structured (structured_data.data) or document_metadata (raw_documents.metadata).';
COMMENT ON COLUMN field_definitions.inferred_type IS 'The DuckDB type discovery inferred.';
COMMENT ON COLUMN field_definitions.observed_types IS 'Count of values seen per JSON type; more than one key means mixed types.';
COMMENT ON COLUMN field_definitions.occurrence_count IS 'Rows that had the field.';
COMMENT ON COLUMN field_definitions.first_seen IS 'First time discovery saw it.';
COMMENT ON COLUMN field_definitions.last_seen IS 'Last time discovery saw it.';
COMMENT ON COLUMN field_definitions.examples IS 'A few values (JSON list).';
COMMENT ON COLUMN field_definitions.status IS 'candidate, active, stale, rejected or merged.';
COMMENT ON COLUMN field_definitions.description IS 'What the field means.';
COMMENT ON COLUMN field_definitions.load_count IS 'Loaded files that had the field (stability counts files).';

COMMENT ON TABLE entity_conflicts IS 'Near-duplicate names waiting for, or having had, a human decision; a decided pair is never raised again.';
COMMENT ON COLUMN entity_conflicts.kind IS 'entity_type or field.';
COMMENT ON COLUMN entity_conflicts.source IS 'Field source for kind field; empty for entity types.';
COMMENT ON COLUMN entity_conflicts.pair IS 'Order-independent key of the two names.';
COMMENT ON COLUMN entity_conflicts.score IS 'Similarity, 1 - Levenshtein distance / longer length.';
COMMENT ON COLUMN entity_conflicts.reasons IS 'Why the pair was flagged (JSON list).';
COMMENT ON COLUMN entity_conflicts.status IS 'open, approved, rejected or merged.';
COMMENT ON COLUMN entity_conflicts.decision IS 'approve, reject or merge; NULL until decided.';
COMMENT ON COLUMN entity_conflicts.decided_by IS 'Who decided.';
COMMENT ON COLUMN entity_conflicts.decided_at IS 'When it was decided.';

COMMENT ON TABLE schema_snapshots IS 'Published catalog versions 1, 2, 3, ..., each chained to the one before by content hash.';
COMMENT ON COLUMN schema_snapshots.version IS 'Version number, from 1.';
COMMENT ON COLUMN schema_snapshots.semver IS 'Semantic version label of the catalog after this change.';
COMMENT ON COLUMN schema_snapshots.bump IS 'major (removal, rename), minor (addition) or patch (description, status).';
COMMENT ON COLUMN schema_snapshots.published_at IS 'When it was published.';
COMMENT ON COLUMN schema_snapshots.catalog IS 'The whole catalog at this version (JSON).';
COMMENT ON COLUMN schema_snapshots.diff IS 'The changes from the previous version (JSON list).';
COMMENT ON COLUMN schema_snapshots.content_hash IS 'Hash of the catalog and the previous hash.';
COMMENT ON COLUMN schema_snapshots.previous_hash IS 'The previous version''s content_hash; NULL for version 1.';
COMMENT ON COLUMN schema_snapshots.stats IS 'Counts and examples per name at publication (not hashed).';
COMMENT ON COLUMN schema_snapshots.views IS 'Definitions of the typed views of this version (JSON).';

COMMENT ON TABLE query_executions IS 'Every query run through the API, in whichever mode.';
COMMENT ON COLUMN query_executions.mode IS 'live, snapshot or time_travel.';
COMMENT ON COLUMN query_executions.sql IS 'The SQL as submitted.';
COMMENT ON COLUMN query_executions.snapshot_version IS 'The schema version it ran against.';
COMMENT ON COLUMN query_executions.as_of IS 'For time_travel: the instant the data was seen as of.';
COMMENT ON COLUMN query_executions.status IS 'ok or error.';
COMMENT ON COLUMN query_executions.result_hash IS 'Hash of the result rows.';
COMMENT ON COLUMN query_executions.error_code IS 'refused, timeout or failed; NULL when it succeeded.';

COMMENT ON TABLE saved_queries IS 'Reports people keep; each run compares its result hash with the last one to notice changes.';
COMMENT ON COLUMN saved_queries.name IS 'The report''s unique name.';
COMMENT ON COLUMN saved_queries.sql IS 'The report''s SELECT.';
COMMENT ON COLUMN saved_queries.mode IS 'live, snapshot or time_travel.';
COMMENT ON COLUMN saved_queries.last_result_hash IS 'Result hash of the last successful run.';
COMMENT ON COLUMN saved_queries.key_columns IS 'Columns that identify a result row, for diffs by key (JSON list; NULL compares whole rows).';

COMMENT ON TABLE report_runs IS 'One row per run of a saved report; a successful run''s result is a Parquet object in R2 (vessel-reports).';
COMMENT ON COLUMN report_runs.saved_query_id IS 'The report (saved_queries.id).';
COMMENT ON COLUMN report_runs.run_number IS '1, 2, 3, ... per report.';
COMMENT ON COLUMN report_runs.changed IS 'Whether the result differs from the previous successful run''s.';
COMMENT ON COLUMN report_runs.why IS 'What moved since the previous successful run (JSON).';
COMMENT ON COLUMN report_runs.object_key IS 'R2 key of the stored result in vessel-reports.';

-- Operations
COMMENT ON TABLE ingest_log IS 'One row per R2 object event handled by the ingest consumer; makes the same event a no-op.';
COMMENT ON COLUMN ingest_log.bucket IS 'R2 bucket of the object.';
COMMENT ON COLUMN ingest_log.key IS 'R2 key of the object.';
COMMENT ON COLUMN ingest_log.etag IS 'The object version''s eTag.';
COMMENT ON COLUMN ingest_log.target IS 'The core table it was loaded into.';
COMMENT ON COLUMN ingest_log.rows IS 'Rows loaded.';
COMMENT ON COLUMN ingest_log.status IS 'loaded, failed, deleted, ignored or retrying.';
COMMENT ON COLUMN ingest_log.error IS 'A readable error for failed loads.';
COMMENT ON COLUMN ingest_log.event_time IS 'The R2 event''s time; orders versions of one object.';

COMMENT ON TABLE ingest_heads IS 'The newest loaded event of each object (bucket, key).';
COMMENT ON TABLE notifications_outbox IS 'Outbound messages (Slack digests) waiting to be sent; delivery is retried from here, never lost.';
COMMENT ON COLUMN notifications_outbox.dedupe_key IS 'One message per logical event (e.g. a discovery run).';
COMMENT ON COLUMN notifications_outbox.payload IS 'The message body (JSON).';
COMMENT ON COLUMN notifications_outbox.status IS 'pending, sent or failed.';
COMMENT ON TABLE schema_migrations IS 'Applied migrations: file name and SHA-256 checksum.';
COMMENT ON COLUMN schema_migrations.checksum IS 'SHA-256 of the file as applied (line endings normalised).';
COMMENT ON TABLE load_fields IS 'The fields of one load, written by the loader in the load''s own transaction.';
COMMENT ON TABLE discovery_consumed IS 'Loads a discovery run has taken in.';
COMMENT ON TABLE discovery_runs IS 'Every discovery run: requested, started, what it found, or why it did not run.';
COMMENT ON TABLE discovery_lock IS 'One row per lock name; a run holds it until expires_at.';
COMMENT ON TABLE discovery_activity IS 'The newest activity of each annotation dataset and structured source, for staleness.';
COMMENT ON TABLE argilla_datasets IS 'Argilla sync state: one row per synced dataset.';
COMMENT ON TABLE argilla_responses IS 'One row per Argilla response seen (any status), with the identity its annotation rows were written under.';
COMMENT ON TABLE argilla_webhook_events IS 'Argilla webhook deliveries already acted on, keyed by what they are about.';

-- Operations views
COMMENT ON VIEW schema_churn IS 'Per UTC day and ISO week: snapshots published, names added, conflicts raised and decided, review queue depth.';
COMMENT ON VIEW slow_queries IS 'Query duration quantiles per schema version and mode.';
COMMENT ON VIEW entity_health IS 'One row per entity type: counts, share, staleness and open conflicts.';
