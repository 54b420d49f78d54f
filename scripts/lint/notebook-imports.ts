/** `npm run lint` part: every notebook imports the kit only through `./lib/<module>` doors (see scripts/notebooks/imports.ts). */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findProjectRoot } from '../../lib/config';
import { notebookImportProblems } from '../notebooks/imports';
import { listNotebooks } from '../notebooks/runner';
import { parseNotebook } from '../notebooks/strip';

const root = findProjectRoot();
let failures = 0;
for (const file of listNotebooks(join(root, 'notebooks'))) {
  const name = relative(root, file);
  for (const p of notebookImportProblems(parseNotebook(readFileSync(file, 'utf8'), name))) {
    console.error(`${name} cell ${p.cell}: '${p.specifier}' ${p.reason}`);
    failures++;
  }
}
if (failures > 0) {
  console.error(`x ${failures} notebook import(s) against the layer rules.`);
  process.exit(1);
}
console.log('notebook imports: only ./lib/<module> doors.');
