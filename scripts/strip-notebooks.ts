/**
 * `npm run notebooks:strip [-- --check] [file ...]`: removes outputs and execution counts from
 * notebooks (default: notebooks/ and test/fixtures/notebooks/) so they are committed clean.
 * `--check` changes nothing and exits 1 when a notebook still has outputs.
 */
import { join } from 'node:path';
import { findProjectRoot } from '../lib/config';
import { listNotebooks } from './notebooks/runner';
import { stripNotebookFile } from './notebooks/strip';

function main(args: string[]): number {
  const check = args.includes('--check');
  const root = findProjectRoot();
  const given = args.filter((a) => a !== '--check');
  const files = given.length
    ? given
    : [...listNotebooks(join(root, 'notebooks')), ...listNotebooks(join(root, 'test', 'fixtures', 'notebooks'))];
  const changed = files.filter((f) => stripNotebookFile(f, { check }));
  for (const f of changed) console.log(`${check ? 'has outputs or is not normalised' : 'stripped'}: ${f}`);
  console.log(
    `notebooks:strip: ${files.length} notebook(s) checked, ${changed.length} ${check ? 'need stripping' : 'stripped'}`,
  );
  return check && changed.length > 0 ? 1 : 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (err) {
  console.error(`notebooks:strip: ${(err as Error).message}`);
  process.exit(1);
}
