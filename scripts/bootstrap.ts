/**
 * `npm run bootstrap`: creates the retail tables in every storage mode and loads the generated
 * dataset (idempotent: run it again and nothing changes).
 *   --events N        web events to generate (default 100000; up to 10000000 and beyond)
 *   --seed TEXT       dataset seed (default "retail")
 *   --chunk-rows N    rows per generated chunk / insert batch (default 100000)
 *   --modes a,b       storage modes: local,s3_disk,s3_engine (default all)
 *   --replace         the warehouse holds another dataset: load this one beside it, swap it in when complete
 *   --reset           drop the tables and their lake objects first
 */
import { parseArgs } from 'node:util';
import { connect } from '../lib/clickhouse';
import { loadConfig } from '../lib/config';
import { showTable } from '../lib/notebook';
import { createS3Client } from '../lib/s3';
import { bootstrapRetail, STORAGE_MODES, type StorageMode } from '../lib/tabular';
import { numberArg } from './cli-args';
import { startWarehouseNeeds } from './stack/stack';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      seed: { type: 'string' },
      'chunk-rows': { type: 'string' },
      modes: { type: 'string' },
      replace: { type: 'boolean', default: false },
      reset: { type: 'boolean', default: false },
    },
  });
  const modes = values.modes ? (values.modes.split(',').map((m) => m.trim()) as StorageMode[]) : [...STORAGE_MODES];
  const bad = modes.filter((m) => !STORAGE_MODES.includes(m));
  if (bad.length > 0) throw new Error(`unknown storage mode ${bad.join(', ')}; use ${STORAGE_MODES.join(', ')}.`);
  const config = loadConfig();
  const stopWarehouseNeeds = await startWarehouseNeeds(config);
  const client = connect({ config });
  try {
    const report = await bootstrapRetail(client, {
      database: config.clickhouse.database,
      spec: {
        events: numberArg(values.events, '--events'),
        seed: values.seed,
        chunkRows: numberArg(values['chunk-rows'], '--chunk-rows'),
      },
      modes,
      s3: modes.includes('s3_engine') ? createS3Client(config) : undefined,
      replace: values.replace,
      reset: values.reset,
      log: (line) => process.stderr.write(`bootstrap: ${line}\n`),
    });
    showTable(
      report.tables.map((t) => ({
        table: t.table,
        mode: t.mode,
        name: `${report.database}.${t.name}`,
        rows: t.rows,
        expected: t.expectedRows,
        checksum: t.checksum,
      })),
      { title: `dataset ${report.plan.id}`, maxRows: 100 },
    );
    const s = report.seconds;
    if (report.swapped.length === 0)
      console.log(
        `the warehouse already holds ${report.plan.id}: nothing written (verified in ${s.total.toFixed(1)} s)`,
      );
    else
      console.log(
        `loaded in ${s.total.toFixed(1)} s (generate ${s.generate.toFixed(1)} s, load ${s.load.toFixed(1)} s incl. copies, verify ${s.verify.toFixed(1)} s, swap ${s.swap.toFixed(1)} s); ` +
          `${(report.parquetBytes / 1e6).toFixed(1)} MB Parquet; lake objects: ${report.objects.uploaded} uploaded, ${report.objects.unchanged} unchanged, ${report.objects.pruned} removed`,
      );
  } finally {
    await client.close();
    await stopWarehouseNeeds();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.exitCode = 1;
});
