// The contract columns of the core and catalog tables (sql/migrations 0001, 0002 and later ALTERs), as
// data the schema formats draw from (Mermaid entities, zod and JSON Schema row schemas). Read from the
// migrations by hand; test/node/schema-tables.test.ts checks it against a migrated warehouse.

export interface TableColumn {
  readonly name: string;
  /** DuckDB type name as information_schema.columns reports it. */
  readonly type: 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'JSON' | 'TIMESTAMP WITH TIME ZONE';
  readonly nullable: boolean;
  readonly key?: 'PK';
}

export interface TableDefinition {
  readonly name: string;
  /** `operations`: state of the pipeline itself (OPERATION_TABLES), not part of the schema the formats draw. */
  readonly group: 'core' | 'catalog' | 'operations';
  readonly columns: readonly TableColumn[];
}

const col = (name: string, type: TableColumn['type'], nullable: boolean, key?: 'PK'): TableColumn =>
  key ? { name, type, nullable, key } : { name, type, nullable };

const TZ = 'TIMESTAMP WITH TIME ZONE' as const;

const lineage = [
  col('batch_id', 'VARCHAR', false),
  col('source_key', 'VARCHAR', false),
  col('schema_version', 'VARCHAR', true),
  col('ingested_at', TZ, false),
  col('valid_from', TZ, false),
  col('valid_to', TZ, true),
  col('load_id', 'VARCHAR', true),
];

/** Core tables first, then the catalog, then operations; columns in table order. */
export const TABLES: readonly TableDefinition[] = [
  {
    name: 'raw_documents',
    group: 'core',
    columns: [
      col('document_id', 'VARCHAR', false),
      col('page', 'INTEGER', false),
      col('text', 'VARCHAR', false),
      col('ocr_confidence', 'DOUBLE', true),
      col('source_uri', 'VARCHAR', true),
      col('metadata', 'JSON', true),
      ...lineage,
    ],
  },
  {
    name: 'annotations',
    group: 'core',
    columns: [
      col('record_id', 'VARCHAR', false),
      col('document_id', 'VARCHAR', false),
      col('entity_type', 'VARCHAR', false),
      col('start', 'INTEGER', false),
      col('end', 'INTEGER', false),
      col('text', 'VARCHAR', false),
      col('annotator', 'VARCHAR', true),
      col('status', 'VARCHAR', false),
      col('annotated_at', TZ, false),
      col('dataset', 'VARCHAR', true),
      col('metadata', 'JSON', true),
      ...lineage,
    ],
  },
  {
    name: 'structured_data',
    group: 'core',
    columns: [
      col('source', 'VARCHAR', false),
      col('source_file', 'VARCHAR', false),
      col('row_number', 'BIGINT', false),
      col('data', 'JSON', false),
      ...lineage,
    ],
  },
  {
    name: 'entity_types',
    group: 'catalog',
    columns: [
      col('name', 'VARCHAR', false, 'PK'),
      col('status', 'VARCHAR', false),
      col('merged_into', 'VARCHAR', true),
      col('occurrence_count', 'BIGINT', false),
      col('document_count', 'BIGINT', false),
      col('proposal_count', 'BIGINT', false),
      col('first_seen', TZ, true),
      col('last_seen', TZ, true),
      col('annotators', 'JSON', true),
      col('datasets', 'JSON', true),
      col('examples', 'JSON', true),
      col('description', 'VARCHAR', true),
      col('description_source', 'VARCHAR', true),
      col('created_at', TZ, false),
      col('updated_at', TZ, false),
    ],
  },
  {
    name: 'field_definitions',
    group: 'catalog',
    columns: [
      col('source', 'VARCHAR', false, 'PK'),
      col('name', 'VARCHAR', false, 'PK'),
      col('kind', 'VARCHAR', false),
      col('inferred_type', 'VARCHAR', false),
      col('observed_types', 'JSON', true),
      col('occurrence_count', 'BIGINT', false),
      col('null_count', 'BIGINT', false),
      col('first_seen', TZ, true),
      col('last_seen', TZ, true),
      col('examples', 'JSON', true),
      col('status', 'VARCHAR', false),
      col('merged_into', 'VARCHAR', true),
      col('description', 'VARCHAR', true),
      col('description_source', 'VARCHAR', true),
      col('created_at', TZ, false),
      col('updated_at', TZ, false),
      col('load_count', 'BIGINT', true),
    ],
  },
  {
    name: 'entity_conflicts',
    group: 'catalog',
    columns: [
      col('id', 'VARCHAR', false, 'PK'),
      col('kind', 'VARCHAR', false),
      col('source', 'VARCHAR', false),
      col('pair', 'VARCHAR', false),
      col('new_name', 'VARCHAR', false),
      col('existing_name', 'VARCHAR', false),
      col('score', 'DOUBLE', false),
      col('reasons', 'JSON', false),
      col('status', 'VARCHAR', false),
      col('decision', 'VARCHAR', true),
      col('decided_by', 'VARCHAR', true),
      col('decided_at', TZ, true),
      col('note', 'VARCHAR', true),
      col('detected_at', TZ, false),
      col('run_id', 'VARCHAR', true),
    ],
  },
  {
    name: 'schema_snapshots',
    group: 'catalog',
    columns: [
      col('version', 'INTEGER', false, 'PK'),
      col('semver', 'VARCHAR', false),
      col('bump', 'VARCHAR', false),
      col('published_at', TZ, false),
      col('catalog', 'JSON', false),
      col('diff', 'JSON', false),
      col('content_hash', 'VARCHAR', false),
      col('previous_hash', 'VARCHAR', true),
      col('run_id', 'VARCHAR', true),
      // 0008: what the catalog knew of each name at publish.
      col('stats', 'JSON', true),
      // 0013: the definitions of the version's typed views (lib/query/views.ts).
      col('views', 'JSON', true),
    ],
  },
  {
    name: 'query_executions',
    group: 'catalog',
    columns: [
      col('id', 'VARCHAR', false, 'PK'),
      col('mode', 'VARCHAR', false),
      col('sql', 'VARCHAR', false),
      col('params', 'JSON', true),
      col('snapshot_version', 'INTEGER', true),
      col('as_of', TZ, true),
      col('saved_query_id', 'VARCHAR', true),
      col('status', 'VARCHAR', false),
      col('row_count', 'BIGINT', true),
      col('result_hash', 'VARCHAR', true),
      col('error', 'VARCHAR', true),
      col('duration_ms', 'INTEGER', true),
      col('executed_by', 'VARCHAR', true),
      col('executed_at', TZ, false),
      // 0013: refused / timeout / failed, the row limit, and whether the result was cut at it.
      col('error_code', 'VARCHAR', true),
      col('row_limit', 'INTEGER', true),
      col('truncated', 'BOOLEAN', true),
    ],
  },
  {
    name: 'saved_queries',
    group: 'catalog',
    columns: [
      col('id', 'VARCHAR', false, 'PK'),
      col('name', 'VARCHAR', false),
      col('sql', 'VARCHAR', false),
      col('mode', 'VARCHAR', false),
      col('params', 'JSON', true),
      col('created_by', 'VARCHAR', true),
      col('created_at', TZ, false),
      col('updated_at', TZ, false),
      col('last_run_at', TZ, true),
      col('last_result_hash', 'VARCHAR', true),
      col('last_row_count', 'BIGINT', true),
      col('last_changed_at', TZ, true),
      // 0014: what a saved report needs to run again as it was saved.
      col('key_columns', 'JSON', true),
      col('as_of', TZ, true),
      col('snapshot_version', 'INTEGER', true),
      col('row_limit', 'INTEGER', true),
    ],
  },
];

/**
 * Operational tables the pipeline keeps for itself, known here so the tables test checks them too; the
 * schema formats (Mermaid, zod, JSON Schema) draw only TABLES.
 */
export const OPERATION_TABLES: readonly TableDefinition[] = [
  // 0010: the Argilla sync's state per dataset and per response (lib/argilla/state.ts).
  {
    name: 'argilla_datasets',
    group: 'operations',
    columns: [
      col('dataset_id', 'VARCHAR', false, 'PK'),
      col('name', 'VARCHAR', false),
      col('workspace_id', 'VARCHAR', false),
      col('last_activity_at', TZ, false),
      col('synced_at', TZ, false),
      col('last_batch_id', 'VARCHAR', true),
      col('last_key', 'VARCHAR', true),
    ],
  },
  {
    name: 'argilla_responses',
    group: 'operations',
    columns: [
      col('dataset_id', 'VARCHAR', false, 'PK'),
      col('response_id', 'VARCHAR', false, 'PK'),
      col('argilla_record_id', 'VARCHAR', false),
      col('user_id', 'VARCHAR', false),
      col('status', 'VARCHAR', false),
      col('updated_at', TZ, false),
      col('record_key', 'VARCHAR', true),
      col('document_id', 'VARCHAR', true),
      col('annotator', 'VARCHAR', true),
      col('current_rows', 'INTEGER', false),
      col('batch_id', 'VARCHAR', true),
      col('synced_at', TZ, false),
    ],
  },
  {
    // 0011: Argilla webhook deliveries already acted on (the receiver's deduplication key).
    name: 'argilla_webhook_events',
    group: 'operations',
    columns: [
      col('event_type', 'VARCHAR', false, 'PK'),
      col('object_id', 'VARCHAR', false, 'PK'),
      col('updated_at', TZ, false, 'PK'),
      col('record_id', 'VARCHAR', false),
      col('dataset_id', 'VARCHAR', false),
      col('webhook_id', 'VARCHAR', false),
      col('event_time', TZ, true),
      col('received_at', TZ, false),
    ],
  },
  {
    // 0014: one row per run of a saved report (lib/reports/tables.ts); its result is a Parquet object in R2.
    name: 'report_runs',
    group: 'operations',
    columns: [
      col('id', 'VARCHAR', false, 'PK'),
      col('saved_query_id', 'VARCHAR', false),
      col('run_number', 'INTEGER', false),
      col('triggered_by', 'VARCHAR', false),
      col('status', 'VARCHAR', false),
      col('ran_at', TZ, false),
      col('duration_ms', 'INTEGER', true),
      col('execution_id', 'VARCHAR', true),
      col('mode', 'VARCHAR', false),
      col('schema_version', 'INTEGER', true),
      col('as_of', TZ, true),
      col('result_columns', 'JSON', true),
      col('row_count', 'BIGINT', true),
      col('truncated', 'BOOLEAN', true),
      col('result_hash', 'VARCHAR', true),
      col('changed', 'BOOLEAN', true),
      col('why', 'JSON', true),
      col('error', 'VARCHAR', true),
      col('error_code', 'VARCHAR', true),
      col('object_key', 'VARCHAR', true),
      col('object_etag', 'VARCHAR', true),
      col('object_bytes', 'BIGINT', true),
    ],
  },
];

/** Relationships between the tables, drawn by the Mermaid diagram (from, to, the joining column). */
export const TABLE_RELATIONS: readonly { readonly from: string; readonly to: string; readonly via: string }[] = [
  { from: 'annotations', to: 'raw_documents', via: 'document_id' },
  { from: 'annotations', to: 'entity_types', via: 'entity_type' },
  { from: 'structured_data', to: 'field_definitions', via: 'source' },
  { from: 'entity_conflicts', to: 'entity_types', via: 'new_name / existing_name' },
  { from: 'entity_conflicts', to: 'field_definitions', via: 'source, new_name / existing_name' },
  { from: 'query_executions', to: 'saved_queries', via: 'saved_query_id' },
  { from: 'query_executions', to: 'schema_snapshots', via: 'snapshot_version' },
];
