/**
 * `npm run notebooks [-- name ...]`: executes notebooks/ (or the named ones) headlessly with the
 * tslab kernel; executed copies and HTML go to reports/. Exit code 1 when any notebook fails.
 * With CLICKHOUSE_URL set the kernels use that server; otherwise the local stack (S3 server and
 * ClickHouse endpoint) is started if needed, and stopped afterwards if this run started it.
 */
import { loadConfig } from '../lib/config';
import { runNotebooksOnStack } from './notebooks/on-stack';
import { formatFailure, formatSummary } from './notebooks/runner';

async function main(args: string[]): Promise<number> {
  const config = loadConfig();
  const summary = await runNotebooksOnStack(config, { notebooks: args });
  if (summary.results.length === 0) {
    console.log('notebooks: nothing to run (notebooks/ has no .ipynb files)');
    return 0;
  }
  for (const r of summary.results)
    if (!r.ok) console.error(`\n${formatFailure(r, { color: process.stderr.isTTY === true })}\n`);
  console.log(`\n${formatSummary(summary, config.root)}`);
  return summary.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`notebooks: ${err.message}`);
    process.exit(1);
  },
);
