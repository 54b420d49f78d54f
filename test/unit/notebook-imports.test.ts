import { describe, expect, it } from 'vitest';
import { notebookImportProblems } from '../../scripts/notebooks/imports';

const notebook = (...sources: string[]) => ({
  cells: sources.map((source) => ({ cell_type: 'code', source: source.split(/(?<=\n)/) })),
});

describe('notebook import rule', () => {
  it('accepts ./lib/<module> doors and packages', () => {
    const nb = notebook(
      "import { connect } from './lib/clickhouse';\nimport pl from 'nodejs-polars';\n",
      "const m = await import('./lib/notebook');\n",
    );
    expect(notebookImportProblems(nb)).toEqual([]);
  });

  it('refuses ./scripts/, a file past a door, and a require of either', () => {
    const nb = notebook(
      "import { startS3Server } from './scripts/stack/s3-server';\n",
      "import { readGloveVectors } from './lib/embeddings/glove-source';\nconst x = require('./bench/report');\n",
    );
    const problems = notebookImportProblems(nb);
    expect(problems.map((p) => [p.cell, p.specifier])).toEqual([
      [1, './scripts/stack/s3-server'],
      [2, './lib/embeddings/glove-source'],
      [2, './bench/report'],
    ]);
    expect(problems[1]!.reason).toContain("'./lib/embeddings'");
  });

  it('ignores markdown cells', () => {
    expect(
      notebookImportProblems({ cells: [{ cell_type: 'markdown', source: "import x from './scripts/a';" }] }),
    ).toEqual([]);
  });
});
