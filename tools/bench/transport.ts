// `npm run bench -- transport`: the warehouse's side of one push batch column (32,768 values), as push sends it
// today (values joined by 0x1E, split with string_split) and as one typed array parameter per column would send
// it. NOTE: postgres.js sends parameters as text (prepare: false, which MotherDuck needs), so a typed array
// travels as a list literal the warehouse parses; this measures whether that would be cheaper (issue 20, item 3).
import { type Bench, startBench, table } from './harness.ts';

const VALUES = 32_768;
const ROUNDS = 15;

async function medianMs(bench: Bench, sql: string, param: string): Promise<{ ms: number; result: string }> {
  const { client, drop } = await bench.database(`transport_${Math.random().toString(36).slice(2, 8)}`);
  try {
    const times: number[] = [];
    let result = '';
    for (let r = 0; r < ROUNDS; r++) {
      const from = performance.now();
      const [row] = await client.query<{ s: string }>(sql, [param]);
      times.push(performance.now() - from);
      result = row?.s ?? '';
    }
    times.sort((a, b) => a - b);
    return { ms: times[Math.floor(ROUNDS / 2)] as number, result };
  } finally {
    await drop();
  }
}

export async function benchTransport(): Promise<void> {
  const bench = await startBench();
  try {
    const ints = Array.from({ length: VALUES }, (_, i) => (i * 7919) % 100_000);
    const strings = ints.map((i) => `value-${i}`);
    const cases = [
      {
        name: 'integers',
        today: ints.join('\x1e'),
        todaySql: `SELECT sum(CAST(v AS BIGINT))::VARCHAR AS s FROM (SELECT unnest(string_split($1::VARCHAR, chr(30))) AS v)`,
        typed: `[${ints.join(',')}]`,
        typedSql: 'SELECT sum(v)::VARCHAR AS s FROM (SELECT unnest($1::VARCHAR::BIGINT[]) AS v)',
      },
      {
        name: 'strings',
        today: strings.join('\x1e'),
        todaySql: `SELECT count(v)::VARCHAR AS s FROM (SELECT unnest(string_split($1::VARCHAR, chr(30))) AS v)`,
        typed: `[${strings.join(',')}]`,
        typedSql: 'SELECT count(v)::VARCHAR AS s FROM (SELECT unnest($1::VARCHAR::VARCHAR[]) AS v)',
      },
    ];
    const rows: string[][] = [['column', 'today: split text, ms', 'typed array literal, ms', 'typed / today']];
    for (const c of cases) {
      const today = await medianMs(bench, c.todaySql, c.today);
      const typed = await medianMs(bench, c.typedSql, c.typed);
      if (today.result !== typed.result) throw new Error(`${c.name}: ${today.result} != ${typed.result}`);
      rows.push([c.name, today.ms.toFixed(2), typed.ms.toFixed(2), `${(typed.ms / today.ms).toFixed(2)}x`]);
    }
    console.log(`median of ${ROUNDS} statements, each ${VALUES.toLocaleString()} values of one column:`);
    console.log(table(rows));
  } finally {
    await bench.close();
  }
}
