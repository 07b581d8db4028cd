-- Argilla webhook deliveries already acted on. Argilla sends a new webhook-id (and webhook-timestamp) on
-- every retry, so a delivery is known by what it is about: the event type, the response's (or, for
-- record.completed, the record's) id and that object's updated_at. The type is part of the key because
-- response.deleted carries the response as it was, with the same id and updated_at as its last update.
CREATE TABLE argilla_webhook_events (
    event_type   VARCHAR NOT NULL,
    object_id    VARCHAR NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    record_id    VARCHAR NOT NULL,
    dataset_id   VARCHAR NOT NULL,
    -- The first delivery's webhook-id and the envelope's event time, for tracing.
    webhook_id   VARCHAR NOT NULL,
    event_time   TIMESTAMPTZ,
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_type, object_id, updated_at)
);
