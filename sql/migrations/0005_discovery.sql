-- Discovery: what each load contained (so a run reads a few profile rows instead of re-parsing JSON),
-- which loads a run has already taken in, the runs themselves, and the lock that keeps runs apart.

-- The fields of one load, written by the loader in the load's own transaction. One row per field path
-- and type: a CSV column whose later values did not fit the sniffed type has a second, 'varchar' row.
CREATE TABLE load_fields (
    load_id         VARCHAR NOT NULL,
    -- raw_documents (metadata keys) or structured_data (data keys).
    target          VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    -- Dotted path: 'a', 'a.b' for a struct field, 'a[]' for list elements.
    path            VARCHAR NOT NULL,
    field_type      VARCHAR NOT NULL,
    -- Rows of the load that had the field with this type (NULLs count under the column's own type).
    rows            BIGINT NOT NULL,
    -- Of those, rows where it was NULL; NULL when not tracked (fields inside structs and lists).
    null_count      BIGINT,
    ingested_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (load_id, path, field_type)
);

-- Loads a discovery run has taken in; an incremental run reads the loads that are not here.
CREATE TABLE discovery_consumed (
    load_id         VARCHAR PRIMARY KEY,
    run_id          VARCHAR NOT NULL,
    consumed_at     TIMESTAMPTZ NOT NULL
);

-- Every discovery run: requested (API), started (cron, queue), what it found, or why it did not run.
CREATE TABLE discovery_runs (
    id                VARCHAR PRIMARY KEY,
    -- cron, queue, api, manual
    trigger           VARCHAR NOT NULL,
    full_scan         BOOLEAN NOT NULL DEFAULT false,
    status            VARCHAR NOT NULL
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped', 'coalesced')),
    requested_at      TIMESTAMPTZ NOT NULL,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    -- For status 'coalesced': the run that did this one's work.
    coalesced_into    VARCHAR,
    snapshot_version  INTEGER,
    report            JSON,
    error             VARCHAR
);

-- One row per lock name; a run holds it until expires_at (a crashed run cannot block the next forever).
CREATE TABLE discovery_lock (
    name         VARCHAR PRIMARY KEY,
    holder       VARCHAR NOT NULL,
    acquired_at  TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    -- A fresh value on every write: two transactions writing the row always conflict (DuckDB skips an
    -- update that writes the value already there, and so detects no conflict for it).
    fence        VARCHAR NOT NULL
);

-- Loaded files that had the field: a field counts as stable once it was seen in enough files.
ALTER TABLE field_definitions ADD COLUMN load_count BIGINT DEFAULT 0;
