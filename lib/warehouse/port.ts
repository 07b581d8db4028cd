// The warehouse port: the only way lib/ talks to DuckDB (MotherDuck in production, embedded locally).

/** Values a statement parameter may take. Always cast in SQL (`$1::VARCHAR`): MotherDuck needs typed parameters. */
export type SqlParam = string | number | bigint | boolean | null | Date | Uint8Array;

export type Row = Record<string, unknown>;

/** Loads a Parquet file the warehouse reads itself (server side, `read_parquet`). */
export interface ParquetLoad {
  /** `r2://<bucket>/<key>`; MotherDuck reads it with its R2 secret, the embedded warehouse from a local directory. */
  readonly url: string;
  /** Target table. */
  readonly table: string;
  /** Target columns, in the order of `select`. */
  readonly columns: readonly string[];
  /** One SQL expression per target column, over the file's columns. */
  readonly select: readonly string[];
}

export interface WarehouseSession {
  /** Runs one statement with `$n` parameters and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** Runs one or more statements without parameters (simple protocol), e.g. a migration file. */
  exec(sql: string): Promise<void>;
  /** `INSERT INTO table SELECT ... FROM read_parquet(url)`; returns the number of rows inserted. */
  loadParquet(load: ParquetLoad): Promise<number>;
}

export interface Warehouse extends WarehouseSession {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: WarehouseSession) => Promise<T>): Promise<T>;
  /** Releases connections. */
  close(): Promise<void>;
}
