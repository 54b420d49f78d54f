import { readFileSync, writeFileSync } from 'node:fs';

/** A file that is not a notebook (not JSON, or no `cells` list). */
export class NotebookFormatError extends Error {
  override readonly name = 'NotebookFormatError';
}

interface Cell {
  cell_type: string;
  outputs?: unknown[];
  execution_count?: number | null;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Notebook {
  cells: Cell[];
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

// Per-cell metadata that records a run rather than the notebook's content.
const RUN_METADATA = ['execution', 'collapsed', 'scrolled', 'ExecuteTime'];

export function parseNotebook(text: string, file = 'notebook'): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new NotebookFormatError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof nb !== 'object' || nb === null || !Array.isArray((nb as Notebook).cells)) {
    throw new NotebookFormatError(`${file} is not a Jupyter notebook (no "cells" list).`);
  }
  return nb as Notebook;
}

/** Code cells that carry outputs or an execution count (what a committed notebook must not have). */
export function cellsWithRunState(nb: Notebook): number[] {
  return nb.cells.flatMap((c, i) =>
    c.cell_type === 'code' && ((c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null) ? [i] : [],
  );
}

/** The notebook without outputs, execution counts, run metadata and widget state. */
export function stripNotebook(nb: Notebook): Notebook {
  const cells = nb.cells.map((cell) => {
    const out: Cell = { ...cell };
    if (cell.cell_type === 'code') {
      out.outputs = [];
      out.execution_count = null;
    }
    if (cell.metadata) {
      const metadata = { ...cell.metadata };
      for (const key of RUN_METADATA) delete metadata[key];
      out.metadata = metadata;
    }
    return out;
  });
  const metadata = { ...(nb.metadata ?? {}) };
  delete metadata.widgets;
  return { ...nb, cells, metadata };
}

/** Serialises like nbformat (sorted keys, one-space indent, trailing newline) to keep diffs small. */
export function formatNotebook(nb: Notebook): string {
  return `${JSON.stringify(sortKeys(nb), null, 1)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Strips a notebook file in place; returns whether it changed. With `check`, only reports. */
export function stripNotebookFile(file: string, options: { check?: boolean } = {}): boolean {
  const text = readFileSync(file, 'utf8');
  const nb = parseNotebook(text, file);
  const changed = cellsWithRunState(nb).length > 0 || formatNotebook(stripNotebook(nb)) !== text;
  if (changed && !options.check) writeFileSync(file, formatNotebook(stripNotebook(nb)));
  return changed;
}
