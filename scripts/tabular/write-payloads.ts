/**
 * `npm run data:payloads`: writes the raw event payloads of the retail dataset to the lake, one gzip
 * NDJSON object per day under `lake/<database>/raw_events/day=YYYY-MM-DD/events.ndjson.gz`
 * (replacing the objects of the same days, so a re-run writes the same bytes).
 *   --days N            days from --start (default 3)
 *   --start YYYY-MM-DD  first day (default 2025-01-01)
 *   --events-per-day N  events per day (default 2000)
 *   --seed TEXT         seed (default "retail")
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../lib/config';
import { rawEventsPrefix, writeJsonLines } from '../../lib/lake';
import { progress, showTable } from '../../lib/notebook';
import { createS3Client, ensureBucket } from '../../lib/s3';
import { generatePayloads } from '../../lib/tabular';
import { numberArg } from '../cli-args';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      days: { type: 'string' },
      start: { type: 'string' },
      'events-per-day': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const spec = {
    days: numberArg(values.days, '--days'),
    start: values.start,
    eventsPerDay: numberArg(values['events-per-day'], '--events-per-day'),
    seed: values.seed,
  };
  const config = loadConfig();
  const s3 = createS3Client(config);
  try {
    await ensureBucket(s3);
    const prefix = rawEventsPrefix(config.clickhouse.database);
    const days = [...generatePayloads(spec)];
    const bar = progress('payloads: writing one object per day', days.length);
    const written = await writeJsonLines(s3, days, { prefix }, (o) => bar.tick(1, o.day));
    bar.done();
    showTable(
      written.map((o, i) => ({
        object: o.key,
        lines: o.lines,
        bytes: o.bytes,
        broken: days[i]!.malformed.length,
        drifted: days[i]!.drifted.length,
      })),
      { title: `raw event payloads in s3://${config.s3.bucket}/${prefix}`, maxRows: 1000 },
    );
  } finally {
    s3.client.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(`payloads: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
