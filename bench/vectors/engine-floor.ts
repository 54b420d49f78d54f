/**
 * Where a kit search's time goes, measured on the same indexed table in the same minute: the
 * engine alone (a chDB Session of this process on the kit's data folder: no engine host, no client)
 * answering a trivial query and the kit's search SQL, against the kit answering the same two.
 * The difference between the two engine rows is the engine's cost of a vector search; the
 * difference between engine and kit rows is the kit's (engine host, client, JSON).
 */
import { Session } from 'chdb';
import type { ClickHouseClient } from '@clickhouse/client';
import { connectionInfo, queryRows } from '../../lib/clickhouse';
import { percentile, type VectorStore } from '../../lib/vectors';

export interface FloorCase {
  label: string;
  p50: number;
}

async function p50Of(n: number, run: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await run(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  return percentile(times, 50);
}

/** Undefined unless the client runs the embedded engine in this process. */
export async function searchFloor(
  client: ClickHouseClient,
  store: VectorStore,
  queries: readonly Float32Array[],
  k: number,
  efSearch: number,
): Promise<FloorCase[] | undefined> {
  const info = connectionInfo(client);
  if (info?.mode !== 'embedded' || !info.dataPath) return undefined;
  const session = new Session(info.dataPath);
  try {
    session.query(`USE ${info.database}`, 'TSV');
    const n = queries.length;
    const q = (i: number): Float32Array => queries[i % n]!;
    // The kit's own SQL and settings, with the vector inlined (the engine alone has no parameter binding here).
    const engineSql = (v: Float32Array): string => {
      const { sql, settings } = store.searchQuery(v, k, undefined, { efSearch }, false);
      const inline = sql.replace('{query_vector:Array(Float32)}', `[${Array.from(v).join(',')}]`);
      const list = Object.entries(settings).map(([name, value]) => `${name} = ${String(value)}`);
      return `${inline}\nSETTINGS ${list.join(', ')}`;
    };
    const trivial = 'SELECT number FROM numbers(10)';
    return [
      {
        label: 'engine alone: SELECT number FROM numbers(10)',
        p50: await p50Of(n, () => session.queryAsync(trivial, { format: 'JSONEachRow' })),
      },
      { label: 'kit: the same through queryRows', p50: await p50Of(n, () => queryRows(client, trivial)) },
      {
        label: `engine alone: the kit's search SQL, ef_search=${efSearch}`,
        p50: await p50Of(n, (i) => session.queryAsync(engineSql(q(i)), { format: 'JSONEachRow' })),
      },
      {
        label: `kit: VectorStore.search, ef_search=${efSearch}`,
        p50: await p50Of(n, (i) => store.search(q(i), k, undefined, { efSearch })),
      },
    ];
  } finally {
    session.close();
  }
}
