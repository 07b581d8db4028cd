-- Operations: what the pipeline did, so it can be idempotent and explain itself.
-- (schema_migrations is created by the migration runner itself, before this file can be applied.)

-- One row per R2 object event handled by the ingest consumer.
CREATE TABLE ingest_log (
    id              VARCHAR PRIMARY KEY,
    bucket          VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    etag            VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,
    target          VARCHAR,
    strategy        VARCHAR CHECK (strategy IN ('push', 'remote')),
    batch_id        VARCHAR,
    schema_version  VARCHAR,
    rows            BIGINT,
    bytes           BIGINT,
    status          VARCHAR NOT NULL CHECK (status IN ('loaded', 'failed', 'deleted', 'ignored')),
    error           VARCHAR,
    error_code      VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 1,
    event_time      TIMESTAMPTZ,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    duration_ms     INTEGER
);

-- Outbound messages (Slack digests) waiting to be sent; delivery is retried from here, never lost.
CREATE TABLE notifications_outbox (
    id               VARCHAR PRIMARY KEY,
    channel          VARCHAR NOT NULL,
    -- One message per logical event (e.g. a discovery run): enforced, so nothing is queued twice.
    dedupe_key       VARCHAR NOT NULL UNIQUE,
    payload          JSON NOT NULL,
    status           VARCHAR NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR,
    next_attempt_at  TIMESTAMPTZ,
    run_id           VARCHAR,
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ
);
