/**
 * `npm run bootstrap -- --replace` killed with SIGKILL in the middle of loading (a real process,
 * against a real endpoint process): the old dataset stays live, whole and readable; running the
 * same command again completes the switch.
 */
import { spawn } from 'node:child_process';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, connect, queryRows } from '../../lib/clickhouse';
import { loadConfig } from '../../lib/config';
import { createS3Client, deleteByPrefix, type KitS3 } from '../../lib/s3';
import {
  bootstrapRetail,
  planDataset,
  readTableStates,
  RETAIL_TABLES,
  STORAGE_MODES,
  tableStats,
  tableTarget,
  type BootstrapReport,
} from '../../lib/tabular';
import { startS3Server } from '../../scripts/stack/s3-server';
import { startTestEndpoint, type TestEndpoint } from './endpoint-fixture';

const db = 'replace_kill';
const OLD = { seed: 'kill-test', events: 6_000, chunkRows: 2_000 };
const NEW = { seed: 'kill-test', events: 40_000, chunkRows: 5_000 };
let ep: TestEndpoint;
let client: ClickHouseClient;
let s3: KitS3;

const liveNames = RETAIL_TABLES.flatMap((d) => STORAGE_MODES.map((m) => tableTarget(db, d, m).name));
const plans = async () => new Set([...(await readTableStates(client, db, liveNames)).values()].map((s) => s.plan));
const summary = async () =>
  Promise.all(
    RETAIL_TABLES.flatMap((d) =>
      STORAGE_MODES.map(
        async (m) => `${d.name}/${m}: ${JSON.stringify(await tableStats(client, tableTarget(db, d, m)))}`,
      ),
    ),
  );

/** Runs the bootstrap script in its own process; `killWhen` is polled and SIGKILLs it once true. */
async function runScript(
  args: string[],
  killWhen?: () => Promise<boolean>,
  database = db,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bootstrap.ts', ...args], {
    cwd: ep.config.root,
    // The project's storage folder: the script starts (or reuses) the S3 server kept there; the endpoint is found through its data path.
    env: { ...process.env, ...ep.env, KIT_STORAGE_DIR: loadConfig().storageDir, CLICKHOUSE_DATABASE: database },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  if (killWhen) {
    while (!done) {
      if (await killWhen().catch(() => false)) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { ...(await exited), output };
}

beforeAll(async () => {
  await startS3Server(loadConfig());
  ep = await startTestEndpoint('replace-kill');
  client = connect({ config: ep.config });
  s3 = createS3Client(ep.config);
});

afterAll(async () => {
  await deleteByPrefix(s3, `lake/${db}/`).catch(() => undefined);
  s3?.client.destroy();
  await client?.close();
  await ep?.dispose();
});

describe('bootstrap --replace under SIGKILL', () => {
  it('leaves the old dataset live when killed mid-load, and completes when run again', async () => {
    const old: BootstrapReport = await bootstrapRetail(client, { database: db, spec: OLD, s3, progress: false });
    const before = await summary();
    const newPlan = planDataset(NEW);

    // Killed once the new events are being loaded (a scratch table of the load exists).
    const killed = await runScript(
      ['--events', String(NEW.events), '--seed', NEW.seed, '--chunk-rows', String(NEW.chunkRows), '--replace'],
      async () => {
        const rows = await queryRows<{ n: string }>(
          client,
          "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name LIKE '\\_kit\\_load\\_%events%'",
          { db },
        );
        return Number(rows[0]?.n) > 0;
      },
    );
    expect(killed.signal, killed.output).toBe('SIGKILL');
    expect(await plans()).toEqual(new Set([old.plan.id]));
    expect(await summary()).toEqual(before);

    const again = await runScript([
      '--events',
      String(NEW.events),
      '--seed',
      NEW.seed,
      '--chunk-rows',
      String(NEW.chunkRows),
      '--replace',
    ]);
    expect(again.code, again.output).toBe(0);
    expect(await plans()).toEqual(new Set([newPlan.id]));
    const after = await tableStats(client, tableTarget(db, RETAIL_TABLES[3]!, 'local'));
    expect(after.rows).toBe(NEW.events);
    // Every mode holds the same rows.
    for (const d of RETAIL_TABLES) {
      const sums = new Set(
        await Promise.all(STORAGE_MODES.map(async (m) => (await tableStats(client, tableTarget(db, d, m))).checksum)),
      );
      expect(sums.size, d.name).toBe(1);
    }
  }, 300_000);

  it('loads into a fresh, empty database through the endpoint', async () => {
    // The endpoint refuses every query whose session database is missing, CREATE DATABASE included: make it here.
    await command(client, 'CREATE DATABASE IF NOT EXISTS replace_kill_fresh');
    const fresh = await runScript(['--events', '2000', '--chunk-rows', '1000'], undefined, 'replace_kill_fresh');
    expect(fresh.code, fresh.output).toBe(0);
    expect((await tableStats(client, tableTarget('replace_kill_fresh', RETAIL_TABLES[3]!, 'local'))).rows).toBe(2_000);
    await deleteByPrefix(s3, 'lake/replace_kill_fresh/');
  }, 300_000);
});
