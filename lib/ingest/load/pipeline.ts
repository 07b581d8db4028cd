// What both push loaders send their batches through: one INSERT in flight while the next is built.
import type { WarehouseSession } from '../../warehouse/port.ts';
import type { TransportColumn } from '../transport.ts';

/** Characters of a batch's parameters. */
export function transportChars(columns: ReadonlyMap<string, TransportColumn>): number {
  let chars = 0;
  for (const c of columns.values()) chars += c.param.length;
  return chars;
}

/** Sends batches with one INSERT in flight while the next is prepared; returns the rows inserted. */
export class Pipeline {
  private inFlight: Promise<number> | null = null;
  private inFlightBytes = 0;
  rows = 0;
  peak = 0;
  /** Milliseconds the Worker waited for the warehouse to finish a batch before it could send the next. */
  waitedMs = 0;
  private readonly tx: WarehouseSession;

  constructor(tx: WarehouseSession) {
    this.tx = tx;
  }

  /**
   * `rows` is how many rows the batch holds: the warehouse must insert exactly that many (a list that
   * split into the wrong number of values would otherwise pad or add rows). `held` is what the caller
   * holds while building this batch (decoded data), beyond the payload.
   */
  async send(
    sql: string,
    params: Parameters<WarehouseSession['execute']>[1],
    rows: number,
    payloadChars: number,
    held: number,
  ): Promise<void> {
    const bytes = payloadChars * 2;
    this.peak = Math.max(this.peak, held + bytes + this.inFlightBytes);
    const previous = this.inFlight;
    this.inFlight = this.tx.execute(sql, params).then((inserted) => {
      if (inserted !== rows) throw new Error(`a push batch of ${rows} rows inserted ${inserted}`);
      return inserted;
    });
    // Keep the new one from being reported as unhandled while the previous one is awaited.
    this.inFlight.catch(() => {});
    this.inFlightBytes = bytes;
    if (previous) this.rows += await this.waited(previous);
  }

  private async waited(batch: Promise<number>): Promise<number> {
    const from = performance.now();
    try {
      return await batch;
    } finally {
      this.waitedMs += performance.now() - from;
    }
  }

  async finish(): Promise<number> {
    if (this.inFlight) this.rows += await this.waited(this.inFlight);
    this.inFlight = null;
    return this.rows;
  }
}
