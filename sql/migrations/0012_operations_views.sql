-- Operations views: how fast the schema moves, how fast queries run, which entity types are going quiet.
-- GET /api/metrics serves them as JSON and GET /metrics as Prometheus text (docs/metrics.md). Plain DuckDB
-- SQL that MotherDuck runs too; days and weeks are UTC whatever the session's TimeZone (AT TIME ZONE 'UTC'),
-- and ISO weeks start on Monday.

-- One row per UTC day and per ISO week (grain 'day' or 'week'), from the first day anything happened to
-- today, days without activity included: snapshots published (by bump), entity types and fields that
-- entered the catalog (created_at: when discovery first recorded them), conflicts raised and decided, and
-- the review queue's depth at the period's end (for today and this week: now).
CREATE VIEW schema_churn AS
WITH
events AS (
    SELECT (published_at AT TIME ZONE 'UTC') AS at, 'version' AS what, bump FROM schema_snapshots
    UNION ALL
    SELECT (created_at AT TIME ZONE 'UTC'), 'entity_type', NULL FROM entity_types
    UNION ALL
    SELECT (created_at AT TIME ZONE 'UTC'), 'field', NULL FROM field_definitions
    UNION ALL
    SELECT (detected_at AT TIME ZONE 'UTC'), 'conflict_raised', NULL FROM entity_conflicts
    UNION ALL
    SELECT (decided_at AT TIME ZONE 'UTC'), 'conflict_decided', NULL FROM entity_conflicts WHERE decided_at IS NOT NULL
),
span AS (
    SELECT least(min(e.at)::DATE, t.today) AS first_day, t.today
    FROM (SELECT (now() AT TIME ZONE 'UTC')::DATE AS today) t
    LEFT JOIN events e ON true
    GROUP BY t.today
),
periods AS (
    SELECT 'day' AS grain, unnest(generate_series(first_day, today, INTERVAL 1 DAY))::DATE AS period_start,
           INTERVAL 1 DAY AS length
    FROM span
    UNION ALL
    SELECT 'week', unnest(generate_series(date_trunc('week', first_day), date_trunc('week', today), INTERVAL 7 DAY))::DATE,
           INTERVAL 7 DAY
    FROM span
),
bounded AS (
    SELECT grain, period_start, period_start + length AS period_end FROM periods
)
SELECT p.grain,
       p.period_start,
       count(*) FILTER (WHERE e.what = 'version') AS versions,
       count(*) FILTER (WHERE e.what = 'version' AND e.bump = 'major') AS major_versions,
       count(*) FILTER (WHERE e.what = 'version' AND e.bump = 'minor') AS minor_versions,
       count(*) FILTER (WHERE e.what = 'version' AND e.bump = 'patch') AS patch_versions,
       count(*) FILTER (WHERE e.what = 'entity_type') AS new_entity_types,
       count(*) FILTER (WHERE e.what = 'field') AS new_fields,
       count(*) FILTER (WHERE e.what = 'conflict_raised') AS conflicts_raised,
       count(*) FILTER (WHERE e.what = 'conflict_decided') AS conflicts_decided,
       -- Raised before the end and not decided before it (a decision records decided_at).
       (SELECT count(*) FROM entity_conflicts c
         WHERE (c.detected_at AT TIME ZONE 'UTC') < p.period_end
           AND (c.decided_at IS NULL OR (c.decided_at AT TIME ZONE 'UTC') >= p.period_end)) AS open_conflicts
FROM bounded p
LEFT JOIN events e ON e.at >= p.period_start AND e.at < p.period_end
GROUP BY p.grain, p.period_start, p.period_end;

-- Query durations per schema version (NULL: before the first snapshot) and mode, over every execution that
-- has a duration, refused and failed ones included (a timeout is the slowest query of all); quantiles are
-- continuous (linear interpolation between the two nearest durations).
CREATE VIEW slow_queries AS
SELECT snapshot_version AS schema_version,
       mode,
       count(*) AS executions,
       count(*) FILTER (WHERE status = 'error') AS errors,
       quantile_cont(duration_ms, 0.5) AS p50_ms,
       quantile_cont(duration_ms, 0.95) AS p95_ms,
       quantile_cont(duration_ms, 0.99) AS p99_ms,
       max(duration_ms) AS max_ms,
       sum(duration_ms)::BIGINT AS total_ms,
       max(executed_at) AS last_executed_at
FROM query_executions
WHERE duration_ms IS NOT NULL
GROUP BY snapshot_version, mode;

-- One row per entity type. stale is discovery's own verdict (its datasets went on without it, or they fell
-- silent: docs/discovery.md "Lifecycle"); days_behind_dataset is the gap it measures that by. share is the
-- type's part of the occurrences of every candidate, active and stale type; rare means a candidate or active
-- type with less than 1% of them.
CREATE VIEW entity_health AS
WITH
live AS (
    SELECT sum(occurrence_count)::DOUBLE AS occurrences
    FROM entity_types WHERE status IN ('candidate', 'active', 'stale')
),
-- Discovery measures a type against its datasets' newest activity ('' for annotations without a dataset).
activity AS (
    SELECT t.name, max(a.newest_at) AS newest_at
    FROM entity_types t
    JOIN discovery_activity a
      ON a.kind = 'dataset'
     AND CASE WHEN coalesce(json_array_length(t.datasets), 0) = 0 THEN a.scope = ''
              ELSE list_contains(from_json(t.datasets, '["VARCHAR"]'), a.scope) END
    GROUP BY t.name
),
aliases AS (
    SELECT merged_into AS name, count(*) AS aliases
    FROM entity_types WHERE status = 'merged' AND merged_into IS NOT NULL
    GROUP BY merged_into
),
open_conflicts AS (
    SELECT name, count(*) AS open_conflicts
    FROM (SELECT new_name AS name FROM entity_conflicts WHERE kind = 'entity_type' AND status = 'open'
          UNION ALL
          SELECT existing_name FROM entity_conflicts WHERE kind = 'entity_type' AND status = 'open')
    GROUP BY name
),
measured AS (
    SELECT t.*,
           CASE WHEN t.status IN ('candidate', 'active', 'stale') AND l.occurrences > 0
                THEN t.occurrence_count / l.occurrences END AS share
    FROM entity_types t CROSS JOIN live l
)
SELECT m.name,
       m.status,
       m.merged_into,
       m.occurrence_count AS occurrences,
       m.document_count AS documents,
       m.proposal_count AS proposals,
       coalesce(al.aliases, 0) AS aliases,
       coalesce(c.open_conflicts, 0) AS open_conflicts,
       m.share,
       m.first_seen,
       m.last_seen,
       a.newest_at AS dataset_newest_at,
       (epoch(a.newest_at) - epoch(m.last_seen)) / 86400 AS days_behind_dataset,
       (epoch(now()) - epoch(m.last_seen)) / 86400 AS days_since_seen,
       m.status = 'stale' AS stale,
       coalesce(m.status IN ('candidate', 'active') AND m.share < 0.01, false) AS rare
FROM measured m
LEFT JOIN activity a ON a.name = m.name
LEFT JOIN aliases al ON al.name = m.name
LEFT JOIN open_conflicts c ON c.name = m.name;
