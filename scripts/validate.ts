/**
 * `npm run validate`: runs the CRUD flow of every storage mode (insert, parameterised select,
 * lightweight UPDATE/DELETE, ALTER TABLE mutations; refusals on ENGINE = S3) against the
 * configured stack on scratch tables, prints a pass/fail table and exits non-zero on any failure.
 *   --modes a,b   storage modes (default local,s3_disk,s3_engine)
 *   --rows N      events in each scratch table (default 5000)
 */
import { parseArgs } from 'node:util';
import { connect } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import { showTable } from '../lib/notebook';
import { createS3Client } from '../lib/s3';
import { runCrudFlows, STORAGE_MODES, type StorageMode } from '../lib/tabular';
import { startWarehouseNeeds } from './stack/stack';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { modes: { type: 'string' }, rows: { type: 'string' } } });
  const modes = values.modes ? (values.modes.split(',').map((m) => m.trim()) as StorageMode[]) : [...STORAGE_MODES];
  const bad = modes.filter((m) => !STORAGE_MODES.includes(m));
  if (bad.length > 0) throw new Error(`unknown storage mode ${bad.join(', ')}; use ${STORAGE_MODES.join(', ')}.`);
  const rows = values.rows === undefined ? undefined : Number(values.rows);
  if (rows !== undefined && (!Number.isInteger(rows) || rows < 100))
    throw new Error(`--rows expects a whole number >= 100, got "${values.rows}".`);
  const config = loadConfig();
  const stopWarehouseNeeds = await startWarehouseNeeds(config);
  const client = connect({ config });
  try {
    const steps = await runCrudFlows(client, {
      database: config.clickhouse.database,
      modes,
      rows,
      s3: modes.includes('s3_engine') ? createS3Client(config) : undefined,
      onStep: (s) => process.stderr.write(`${s.ok ? 'pass' : 'FAIL'}  ${s.mode.padEnd(9)}  ${s.step}\n`),
    });
    showTable(
      steps.map((s) => ({
        mode: s.mode,
        step: s.step,
        result: s.ok ? 'pass' : 'FAIL',
        expected: s.expected,
        actual: s.actual,
        ms: s.ms,
      })),
      { title: 'CRUD validation', maxRows: 200 },
    );
    const failed = steps.filter((s) => !s.ok);
    console.log(
      failed.length === 0 ? `all ${steps.length} checks passed` : `${failed.length} of ${steps.length} checks FAILED`,
    );
    if (failed.length > 0) process.exitCode = 1;
  } finally {
    await client.close();
    await stopWarehouseNeeds();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exitCode = 1;
});
