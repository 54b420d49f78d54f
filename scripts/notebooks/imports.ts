/**
 * @file The notebooks' import rule (dependency-cruiser cannot read .ipynb): a notebook imports the kit only through
 * `./lib/<module>` doors, never `./scripts/`, `./test/`, `./bench/` or a file inside a lib module.
 */
import type { Notebook } from './strip';

export interface NotebookImportProblem {
  cell: number;
  specifier: string;
  reason: string;
}

// `import ... from 'x'`, `import 'x'`, `export ... from 'x'`, `import('x')`, `require('x')`.
const SPECIFIERS = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;
const DOOR = /^\.\/lib\/[a-z0-9-]+(?:\/index(?:\.ts)?)?$/;

function cellSource(source: unknown): string {
  if (typeof source === 'string') return source;
  return Array.isArray(source) ? source.filter((line): line is string => typeof line === 'string').join('') : '';
}

/** Relative imports in the notebook's code cells that are not a `./lib/<module>` door. */
export function notebookImportProblems(nb: Notebook): NotebookImportProblem[] {
  const problems: NotebookImportProblem[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    for (const m of cellSource(cell.source).matchAll(SPECIFIERS)) {
      const specifier = m[2]!;
      if (!specifier.startsWith('.')) continue;
      if (DOOR.test(specifier)) continue;
      const reason = /^\.\/lib\/[a-z0-9-]+\//.test(specifier)
        ? `goes past the module's door: import from '${specifier.split('/').slice(0, 3).join('/')}'`
        : 'notebooks import the kit only through ./lib/<module> (logic for scripts/ belongs in lib, tested there)';
      problems.push({ cell: index + 1, specifier, reason });
    }
  });
  return problems;
}
