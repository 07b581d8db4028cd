-- The query API (docs/query.md): each snapshot stores the definitions of its typed views (one per
-- structured_data source, and annotations_current), so any version's views can be rebuilt as they were;
-- snapshots published before this column have it NULL (their views are derived from their catalog).
ALTER TABLE schema_snapshots ADD COLUMN views JSON;

-- Why an execution failed: refused (the safety check), timeout (cancelled by the warehouse) or failed (the
-- warehouse's own error); NULL when it succeeded. And the row limit it ran under, and whether it hit it.
ALTER TABLE query_executions ADD COLUMN error_code VARCHAR;
ALTER TABLE query_executions ADD COLUMN row_limit INTEGER;
ALTER TABLE query_executions ADD COLUMN truncated BOOLEAN;
