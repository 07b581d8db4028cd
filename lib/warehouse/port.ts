// The warehouse port: the only way lib/ talks to DuckDB (MotherDuck in production, embedded locally).

/** Values a statement parameter may take. Always cast in SQL (`$1::VARCHAR`): MotherDuck needs typed parameters. */
export type SqlParam = string | number | bigint | boolean | null | Date | Uint8Array;

export type Row = Record<string, unknown>;

/** Loads a file the warehouse reads itself, server side (`read_parquet`, or `read_csv` for CSV). */
export interface FileLoad {
  /** `r2://<bucket>/<key>`; MotherDuck reads it with its R2 secret, the embedded warehouse from a local directory. */
  readonly url: string;
  /** Target table. */
  readonly table: string;
  /** Target columns, in the order of `select`. */
  readonly columns: readonly string[];
  /** One SQL expression per target column, over the file's columns (and `file_row_number`, 0-based). */
  readonly select: readonly string[];
  /** Values for `$n` placeholders in `select`. */
  readonly params?: readonly SqlParam[];
  /** Default 'parquet'. */
  readonly format?: 'parquet' | 'csv';
  /** Whether `select` uses file_row_number (it costs a little on large files). */
  readonly rowNumbers?: boolean;
  /**
   * The name `select` uses for the 0-based row number instead of file_row_number, when the file has a
   * column of that name (DuckDB then refuses its own): the rows are numbered in file order by a window.
   */
  readonly rowNumberAlias?: string;
}

/** Options of one statement. */
export interface StatementOptions {
  /**
   * The statement's own time limit: past it the warehouse is asked to cancel it (a Postgres CancelRequest,
   * which interrupts DuckDB) and the call fails with `query_timeout` once the warehouse has stopped it.
   */
  readonly timeoutMs?: number;
}

export interface WarehouseSession {
  /** Runs one statement with `$n` parameters and returns its rows. */
  query<T extends object = Row>(sql: string, params?: readonly SqlParam[], options?: StatementOptions): Promise<T[]>;
  /** Runs one statement with `$n` parameters and returns how many rows it inserted, updated or deleted. */
  execute(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Runs one or more statements without parameters (simple protocol), e.g. a migration file. */
  exec(sql: string): Promise<void>;
  /**
   * `INSERT INTO table SELECT ... FROM read_parquet(url)` (`read_csv` for CSV), read by the warehouse itself;
   * returns the number of rows inserted.
   */
  loadFile(load: FileLoad): Promise<number>;
}

export interface Warehouse extends WarehouseSession {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: WarehouseSession) => Promise<T>): Promise<T>;
  /** Releases connections. */
  close(): Promise<void>;
}
