-- Catalog: what discovery has learned about the data, and the published history of it.

-- Entity types SMEs annotate (or propose). Lifecycle: candidate -> active -> stale, or rejected / merged.
CREATE TABLE entity_types (
    name                VARCHAR PRIMARY KEY,
    status              VARCHAR NOT NULL DEFAULT 'candidate'
                        CHECK (status IN ('candidate', 'active', 'stale', 'rejected', 'merged')),
    -- For status 'merged': the name this one is an alias of.
    merged_into         VARCHAR,
    occurrence_count    BIGINT NOT NULL DEFAULT 0,
    document_count      BIGINT NOT NULL DEFAULT 0,
    proposal_count      BIGINT NOT NULL DEFAULT 0,
    first_seen          TIMESTAMPTZ,
    last_seen           TIMESTAMPTZ,
    annotators          JSON,
    datasets            JSON,
    examples            JSON,
    description         VARCHAR,
    description_source  VARCHAR,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- Fields of structured data per source (dotted JSON paths) and keys of raw_documents.metadata.
CREATE TABLE field_definitions (
    source              VARCHAR NOT NULL,
    name                VARCHAR NOT NULL,
    kind                VARCHAR NOT NULL DEFAULT 'structured' CHECK (kind IN ('structured', 'document_metadata')),
    inferred_type       VARCHAR NOT NULL,
    -- Count of values seen per JSON type; more than one key means mixed types.
    observed_types      JSON,
    occurrence_count    BIGINT NOT NULL DEFAULT 0,
    null_count          BIGINT NOT NULL DEFAULT 0,
    first_seen          TIMESTAMPTZ,
    last_seen           TIMESTAMPTZ,
    examples            JSON,
    status              VARCHAR NOT NULL DEFAULT 'candidate'
                        CHECK (status IN ('candidate', 'active', 'stale', 'rejected', 'merged')),
    merged_into         VARCHAR,
    description         VARCHAR,
    description_source  VARCHAR,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, name)
);

-- Near-duplicate names waiting for (or having had) a human decision.
CREATE TABLE entity_conflicts (
    id              VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL CHECK (kind IN ('entity_type', 'field')),
    -- Field source for kind 'field'; '' for entity types.
    source          VARCHAR NOT NULL DEFAULT '',
    -- Order-independent key of the two names, so a decided pair is never raised again either way round.
    pair            VARCHAR NOT NULL,
    new_name        VARCHAR NOT NULL,
    existing_name   VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    reasons         JSON NOT NULL,
    status          VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'merged')),
    decision        VARCHAR CHECK (decision IN ('approve', 'reject', 'merge')),
    decided_by      VARCHAR,
    decided_at      TIMESTAMPTZ,
    note            VARCHAR,
    detected_at     TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR,
    UNIQUE (kind, source, pair)
);

-- Published catalog versions: 1, 2, 3, ... each chained to the one before by content hash.
CREATE TABLE schema_snapshots (
    version         INTEGER PRIMARY KEY CHECK (version >= 1),
    -- Semantic version of the catalog (e.g. 1.4.0) after this change.
    semver          VARCHAR NOT NULL,
    -- Which part moved: major (removal, rename), minor (addition), patch (description, status).
    bump            VARCHAR NOT NULL CHECK (bump IN ('major', 'minor', 'patch')),
    published_at    TIMESTAMPTZ NOT NULL,
    catalog         JSON NOT NULL,
    diff            JSON NOT NULL,
    content_hash    VARCHAR NOT NULL,
    previous_hash   VARCHAR,
    run_id          VARCHAR
);

-- Every query run through the API, in whichever mode.
CREATE TABLE query_executions (
    id                VARCHAR PRIMARY KEY,
    mode              VARCHAR NOT NULL CHECK (mode IN ('live', 'snapshot', 'time_travel')),
    sql               VARCHAR NOT NULL,
    params            JSON,
    snapshot_version  INTEGER,
    as_of             TIMESTAMPTZ,
    saved_query_id    VARCHAR,
    status            VARCHAR NOT NULL CHECK (status IN ('ok', 'error')),
    row_count         BIGINT,
    result_hash       VARCHAR,
    error             VARCHAR,
    duration_ms       INTEGER,
    executed_by       VARCHAR,
    executed_at       TIMESTAMPTZ NOT NULL
);

-- Reports people keep; each run compares its result hash with the last one to notice changes.
CREATE TABLE saved_queries (
    id                VARCHAR PRIMARY KEY,
    name              VARCHAR NOT NULL UNIQUE,
    sql               VARCHAR NOT NULL,
    mode              VARCHAR NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'snapshot', 'time_travel')),
    params            JSON,
    created_by        VARCHAR,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    last_run_at       TIMESTAMPTZ,
    last_result_hash  VARCHAR,
    last_row_count    BIGINT,
    last_changed_at   TIMESTAMPTZ
);
