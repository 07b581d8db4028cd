// Structured data of two months: port call lists (CSV, one per port agent) and the vessel register (Parquet).
// Month 2's columns move the way real feeds do: a new column, a near-duplicate of an old one, a dropped one.
import { type ParquetColumn, writeParquetFile } from '../../lib/parquet/write.ts';
import { PORTS } from './ocr.ts';
import { int, pick, type Rand } from './prng.ts';
import type { Vessel } from './vessels.ts';

export type Cell = string | number;

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** RFC 4180 CSV with a header row, `\n` line ends. */
export function toCsv(table: Table): string {
  const cell = (v: Cell) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[table.columns, ...table.rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

/** The agents that send port call lists, and which month-2 one spells the vessel column its own way. */
export const AGENTS = ['north-sea-agency', 'med-port-services', 'hanse-shipping'] as const;

/** One agent's port calls of a month (1 or 2). */
export function portCalls(
  rand: Rand,
  vessels: readonly Vessel[],
  month: number,
  agent: (typeof AGENTS)[number],
): Table {
  const columns =
    month === 1
      ? ['vessel_name', 'imo_number', 'flag', 'call_sign', 'port', 'arrival', 'gross_tonnage']
      : // Month 2: flag becomes flag_state, a berth column arrives, call_sign and gross_tonnage are dropped, and
        // one agent's system writes vessel_nme.
        [
          agent === 'hanse-shipping' ? 'vessel_nme' : 'vessel_name',
          'imo_number',
          'flag_state',
          'port',
          'arrival',
          'berth',
        ];
  const count = month === 1 ? int(rand, 14, 20) : int(rand, 22, 30);
  const rows: Cell[][] = [];
  for (let i = 0; i < count; i++) {
    const v = pick(rand, vessels);
    const arrival = `2026-${month === 1 ? '10' : '11'}-${String(int(rand, 1, 28)).padStart(2, '0')}`;
    const port = pick(rand, PORTS);
    rows.push(
      month === 1
        ? [v.name, v.imo, v.flag, v.callSign, port, arrival, v.grossTonnage]
        : [v.name, v.imo, v.flag, port, arrival, `${pick(rand, ['A', 'B', 'C', 'K', 'Q'])}${int(rand, 1, 40)}`],
    );
  }
  return { columns, rows };
}

/** The vessel register of a month as Parquet columns: month 2 adds ism_manager and drops build_year. */
export function registerColumns(vessels: readonly Vessel[], month: number): ParquetColumn[] {
  const text = (name: string, f: (v: Vessel) => string): ParquetColumn => ({
    name,
    type: 'utf8',
    values: vessels.map(f),
  });
  const num = (name: string, f: (v: Vessel) => number): ParquetColumn => ({
    name,
    type: 'int32',
    values: vessels.map(f),
  });
  return [
    text('vessel_name', (v) => v.name),
    text('imo_number', (v) => v.imo),
    text('mmsi', (v) => v.mmsi),
    text('call_sign', (v) => v.callSign),
    text('flag_state', (v) => v.flag),
    num('gross_tonnage', (v) => v.grossTonnage),
    num('deadweight', (v) => v.deadweight),
    ...(month === 1 ? [num('build_year', (v) => v.buildYear)] : []),
    text('owner', (v) => v.owner),
    ...(month === 2 ? [text('ism_manager', (v) => v.manager)] : []),
  ];
}

/** Parquet bytes of the columns; parquet-wasm must be initialised (initParquetWasmInNode). */
export function parquetBytes(columns: readonly ParquetColumn[], batchId: string): Uint8Array {
  // NOTE: one key-value pair only: parquet-wasm writes two or more in a random (hash map) order, and the
  // same seed must give the same bytes.
  return writeParquetFile(columns, { batch_id: batchId });
}
