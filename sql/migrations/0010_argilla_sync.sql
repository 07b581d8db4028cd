-- Argilla sync state: what each dataset looked like at its last complete sync, and every response synced
-- (Argilla cannot list "changed since", so each response's updated_at is compared with this one).

-- One row per synced dataset. last_activity_at is the dataset's own value at the last sync that read every
-- record; a dataset whose value did not move is skipped (responses created in bulk do not move it: the
-- full reconcile reads those).
CREATE TABLE argilla_datasets (
    dataset_id        VARCHAR PRIMARY KEY,
    name              VARCHAR NOT NULL,
    workspace_id      VARCHAR NOT NULL,
    last_activity_at  TIMESTAMPTZ NOT NULL,
    synced_at         TIMESTAMPTZ NOT NULL,
    -- The last file written for the dataset (NULL until one is).
    last_batch_id     VARCHAR,
    last_key          VARCHAR
);

-- One row per Argilla response seen (any status). record_key, document_id and annotator are the identity
-- its annotation rows were written under, so a deleted response can still be closed by a tombstone row.
CREATE TABLE argilla_responses (
    dataset_id        VARCHAR NOT NULL,
    response_id       VARCHAR NOT NULL,
    argilla_record_id VARCHAR NOT NULL,
    user_id           VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,
    -- Argilla's updated_at (naive UTC read as UTC), to the microsecond.
    updated_at        TIMESTAMPTZ NOT NULL,
    record_key        VARCHAR,
    document_id       VARCHAR,
    annotator         VARCHAR,
    -- Span rows of this response that are current in annotations (0: none written, or a tombstone closed them).
    current_rows      INTEGER NOT NULL,
    batch_id          VARCHAR,
    synced_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (dataset_id, response_id)
);
