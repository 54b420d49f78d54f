/**
 * The engine makes the events and orders columns from the generator's codes (materialize.ts);
 * the TypeScript generator's polars frames stay the reference. Both must give the same rows:
 * same count and sum(cityHash64(tuple(*))) per chunk, and per column.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, queryOne, quoteIdentifier } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import {
  codeBlocks,
  createTableSql,
  EVENTS,
  insertFrame,
  ORDERS,
  RetailGenerator,
  ScratchBatch,
  tableStats,
  tableTarget,
  type TableDef,
} from '../../lib/tabular';

const db = 'engine_load_test';
let client: ClickHouseClient;

beforeAll(async () => {
  const config = loadConfig({
    env: { ...process.env, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_PATH: mkdtempSync(join(tmpdir(), 'kit-engine-load-')) },
  });
  client = connect({ config, mode: 'embedded' });
  await command(client, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)}`);
});

afterAll(async () => {
  await command(client, `DROP DATABASE IF EXISTS ${quoteIdentifier(db)} SYNC`).catch(() => undefined);
  await client?.close();
});

describe('engine-side materialization', () => {
  it('gives exactly the rows of the polars reference, column by column', async () => {
    // Two seeds, several chunks: every vocabulary, NULL pattern and page path kind occurs.
    for (const seed of ['engine-a', 'engine-b']) {
      const gen = new RetailGenerator({ seed, events: 20_000, chunkRows: 10_000 });
      const make = (def: TableDef, name: string) =>
        tableTarget(db, def, 'local', { name: `${name}_${seed.replace('-', '_')}` });
      const t = {
        refEvents: make(EVENTS, 'ref_events'),
        refOrders: make(ORDERS, 'ref_orders'),
        events: make(EVENTS, 'events'),
        orders: make(ORDERS, 'orders'),
      };
      for (const x of Object.values(t)) await command(client, createTableSql(x));
      for (let k = 0; k < gen.plan.chunks.events; k++) {
        const frames = gen.activityChunk(k);
        await insertFrame(client, t.refEvents, frames.events);
        await insertFrame(client, t.refOrders, frames.orders);
        for (const block of codeBlocks(gen.activityCodesChunk(k))) {
          const scratch = new ScratchBatch(client, db, `scratch_${block.table}_${k}`, 'test');
          await scratch.append(block);
          await scratch.flush({
            mergeTree: { target: block.table === 'events' ? t.events : t.orders, token: `t:${k}` },
          });
          await scratch.drop();
        }
      }
      for (const [ref, engine, def] of [
        [t.refEvents, t.events, EVENTS],
        [t.refOrders, t.orders, ORDERS],
      ] as const) {
        const a = await tableStats(client, ref);
        expect(a.rows).toBeGreaterThan(0);
        expect(await tableStats(client, engine), `${engine.name} vs ${ref.name}`).toEqual(a);
        for (const c of def.columns) {
          const col = quoteIdentifier(c.name);
          const sum = async (name: string) =>
            (
              await queryOne<{ h: string }>(
                client,
                `SELECT toString(sum(cityHash64(tuple(${col})))) AS h FROM ${quoteIdentifier(db)}.${quoteIdentifier(name)}`,
              )
            )?.h;
          expect(await sum(engine.name), `${engine.name}.${c.name}`).toBe(await sum(ref.name));
        }
      }
      // The polars reference is not trivially empty: page paths of every kind are there.
      const kinds = await queryOne<{ n: string }>(
        client,
        `SELECT uniqExact(extract(page_path, '^/[a-z]*')) AS n FROM ${quoteIdentifier(db)}.${quoteIdentifier(t.events.name)}`,
      );
      expect(Number(kinds?.n)).toBe(6);
    }
  }, 240_000);
});
