// The schema toolkit's model of a warehouse schema (docs/toolkit.md): tables with their columns, constraints
// and indexes, views, and ENUM types, as DuckDB's own catalog functions describe them. Every command compares,
// renders or checks this shape, whichever copy it came from (the live database, the migrations, a snapshot).

export interface ColumnModel {
  readonly name: string;
  /** DuckDB's type name as duckdb_columns() gives it: `INTEGER`, `DECIMAL(18,4)`, `STRUCT(a INTEGER)`, `ENUM('a', 'b')`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default's SQL text as DuckDB prints it (`'x'`, `now()`, `CAST('a' AS VARCHAR)`), or null. */
  readonly default: string | null;
  readonly comment: string | null;
}

export type ConstraintKind = 'PRIMARY KEY' | 'UNIQUE' | 'CHECK' | 'FOREIGN KEY';

export interface ConstraintModel {
  readonly kind: ConstraintKind;
  readonly columns: readonly string[];
  /** CHECK: the expression as DuckDB prints it, e.g. `(s IN ('x', 'y'))`; null otherwise. */
  readonly expression: string | null;
  /** FOREIGN KEY: the table and columns it references. */
  readonly references: { readonly table: string; readonly columns: readonly string[] } | null;
}

export interface IndexModel {
  readonly name: string;
  readonly unique: boolean;
  /** The index's CREATE statement as DuckDB stored it. */
  readonly sql: string;
}

export interface TableModel {
  readonly name: string;
  readonly comment: string | null;
  /** In table order. */
  readonly columns: readonly ColumnModel[];
  /** NOT NULL is a column's `nullable`, not a constraint here. */
  readonly constraints: readonly ConstraintModel[];
  readonly indexes: readonly IndexModel[];
}

export interface ViewModel {
  readonly name: string;
  readonly comment: string | null;
  /** The view's CREATE statement as DuckDB stored it. */
  readonly sql: string;
  readonly columns: readonly ColumnModel[];
}

export interface EnumModel {
  readonly name: string;
  readonly labels: readonly string[];
}

export interface SchemaModel {
  /** By name. */
  readonly tables: readonly TableModel[];
  readonly views: readonly ViewModel[];
  readonly enums: readonly EnumModel[];
}
