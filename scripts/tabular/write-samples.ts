/**
 * `npm run data:samples`: writes the small committed samples of the retail dataset to
 * assets/data/retail/ (<table>.parquet and <table>.csv, seed "retail", 2 000 events).
 * `--check` writes nothing and exits 1 when the committed files differ from what the generator makes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from '../../lib/config';
import { sampleFrames, sampleCsv, sampleParquet, SAMPLE_SPEC } from '../../lib/tabular';

function main(args: string[]): number {
  const check = args.includes('--check');
  const dir = join(findProjectRoot(), 'assets', 'data', 'retail');
  if (!check) mkdirSync(dir, { recursive: true });
  let stale = 0;
  for (const [table, frame] of Object.entries(sampleFrames())) {
    const files: Array<[string, Buffer]> = [
      [join(dir, `${table}.parquet`), sampleParquet(frame)],
      [join(dir, `${table}.csv`), Buffer.from(sampleCsv(frame), 'utf8')],
    ];
    for (const [file, bytes] of files) {
      if (check) {
        if (!existsSync(file) || !readFileSync(file).equals(bytes)) {
          console.log(`differs: ${file}`);
          stale++;
        }
      } else {
        writeFileSync(file, bytes);
        console.log(`wrote ${file} (${frame.height} rows, ${(bytes.byteLength / 1024).toFixed(1)} KiB)`);
      }
    }
  }
  console.log(
    check
      ? `${stale} sample file(s) differ from the generator (seed ${SAMPLE_SPEC.seed}, ${SAMPLE_SPEC.events} events)`
      : 'done',
  );
  return stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
