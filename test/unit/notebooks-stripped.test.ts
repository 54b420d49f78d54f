import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../lib/config';
import { listNotebooks } from '../../scripts/notebooks/runner';
import { cellsWithRunState, formatNotebook, parseNotebook, stripNotebook } from '../../scripts/notebooks/strip';

const root = findProjectRoot();

/** Notebooks in git plus the ones in the notebook folders (new files count before their first commit). */
function repositoryNotebooks(): string[] {
  const tracked = execFileSync('git', ['ls-files', '*.ipynb'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => join(root, f));
  const onDisk = [
    ...listNotebooks(join(root, 'notebooks')),
    ...listNotebooks(join(root, 'test', 'fixtures', 'notebooks')),
  ];
  return [...new Set([...tracked, ...onDisk])].filter((f) => existsSync(f)).sort();
}

describe('committed notebooks', () => {
  const files = repositoryNotebooks();

  it('include at least the runner fixture', () => {
    expect(files.map((f) => f.slice(root.length + 1))).toContain('test/fixtures/notebooks/smoke.ipynb');
  });

  it.each(files.map((f) => [f.slice(root.length + 1), f]))(
    '%s has no outputs and is normalised (npm run notebooks:strip)',
    (_rel, file) => {
      const text = readFileSync(file, 'utf8');
      const nb = parseNotebook(text, file);
      expect(cellsWithRunState(nb)).toEqual([]);
      expect(formatNotebook(stripNotebook(nb))).toBe(text);
      expect((nb.metadata?.kernelspec as { name?: string } | undefined)?.name).toBe('tslab');
    },
  );
});

describe('stripNotebook', () => {
  it('removes outputs, execution counts and run metadata, keeps sources and ids', () => {
    const nb = parseNotebook(
      JSON.stringify({
        cells: [
          {
            cell_type: 'code',
            id: 'a',
            source: 'x',
            metadata: { execution: { t: 1 }, tags: ['keep'] },
            outputs: [{ output_type: 'stream', name: 'stdout', text: 'hi' }],
            execution_count: 3,
          },
          { cell_type: 'markdown', id: 'b', source: '# t', metadata: {} },
        ],
        metadata: { widgets: {}, kernelspec: { name: 'tslab' } },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    expect(cellsWithRunState(nb)).toEqual([0]);
    const clean = stripNotebook(nb);
    expect(cellsWithRunState(clean)).toEqual([]);
    expect(clean.cells[0]).toEqual({
      cell_type: 'code',
      id: 'a',
      source: 'x',
      metadata: { tags: ['keep'] },
      outputs: [],
      execution_count: null,
    });
    expect(clean.cells[1]).toEqual(nb.cells[1]);
    expect(clean.metadata).toEqual({ kernelspec: { name: 'tslab' } });
    expect(() => parseNotebook('{"cells": 1}', 'x.ipynb')).toThrow(/x.ipynb is not a Jupyter notebook/);
  });
});
