-- Core tables: facts loaded from R2, append-only. Every row remembers the batch and object it came from.
-- A row is current while valid_to IS NULL; a newer version of the same source closes the old rows
-- (valid_to) instead of deleting them, so any past state can still be queried.

-- OCR output, one row per document page.
CREATE TABLE raw_documents (
    document_id     VARCHAR NOT NULL,
    page            INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    ocr_confidence  DOUBLE,
    source_uri      VARCHAR,
    -- Every source column that is not one of the above, kept as JSON.
    metadata        JSON,
    batch_id        VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    schema_version  VARCHAR,
    ingested_at     TIMESTAMPTZ NOT NULL,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ
);

-- One row per annotated span (Argilla responses). Offsets are Python code points, end exclusive.
CREATE TABLE annotations (
    record_id       VARCHAR NOT NULL,
    document_id     VARCHAR NOT NULL,
    entity_type     VARCHAR NOT NULL,
    "start"         INTEGER NOT NULL,
    "end"           INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    annotator       VARCHAR,
    status          VARCHAR NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'draft', 'discarded')),
    annotated_at    TIMESTAMPTZ NOT NULL,
    dataset         VARCHAR,
    metadata        JSON,
    batch_id        VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    schema_version  VARCHAR,
    ingested_at     TIMESTAMPTZ NOT NULL,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ
);

-- One row per source row of any structured file; the row itself is JSON because columns come and go.
CREATE TABLE structured_data (
    source          VARCHAR NOT NULL,
    source_file     VARCHAR NOT NULL,
    row_number      BIGINT NOT NULL,
    data            JSON NOT NULL,
    batch_id        VARCHAR NOT NULL,
    source_key      VARCHAR NOT NULL,
    schema_version  VARCHAR,
    ingested_at     TIMESTAMPTZ NOT NULL,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ
);
