import { columnNames, columnTypes, headRecords, rowCount, type TabularInput } from '../charts';
import { cellText, isNumericCell } from './cells';
import { escapeHtml } from './html';
import { kernelDisplay } from './kernel';
import { makeRedactor, type Redactor } from './redact';

export interface TableOptions {
  /** Caption above the table. */
  title?: string;
  /** Rows to show (default 50); the footer says how many there are in all. */
  maxRows?: number;
}

const DEFAULT_MAX_ROWS = 50;

interface TableModel {
  title: string | undefined;
  columns: string[];
  types: string[] | undefined;
  rows: Array<Record<string, unknown>>;
  total: number;
}

function model(input: TabularInput, options: TableOptions): TableModel {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new RangeError(`maxRows must be a whole number >= 0, got ${String(options.maxRows)}.`);
  }
  return {
    title: options.title,
    columns: columnNames(input),
    types: columnTypes(input),
    rows: headRecords(input, maxRows),
    total: rowCount(input),
  };
}

function footer(m: TableModel): string {
  const shown = m.rows.length < m.total ? ` (first ${m.rows.length} shown)` : '';
  return `${m.total.toLocaleString('en-US')} row${m.total === 1 ? '' : 's'} × ${m.columns.length} column${m.columns.length === 1 ? '' : 's'}${shown}`;
}

/** The table as HTML (escaped, secrets redacted). Pure: usable without a kernel. */
export function renderTableHtml(
  input: TabularInput,
  options: TableOptions = {},
  redact: Redactor = makeRedactor(),
): string {
  const m = model(input, options);
  const text = (s: string): string => escapeHtml(redact(s));
  const head = m.columns
    .map((c, i) => {
      const type = m.types?.[i];
      return `<th>${text(c)}${type ? `<br><small style="font-weight:normal;opacity:.7">${text(type)}</small>` : ''}</th>`;
    })
    .join('');
  const body = m.rows
    .map((row) => {
      const cells = m.columns.map((c) => {
        const v = row[c];
        const style = isNumericCell(v)
          ? ' style="text-align:right"'
          : v === null || v === undefined
            ? ' style="opacity:.5"'
            : '';
        return `<td${style}>${text(cellText(v))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const caption = m.title
    ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${text(m.title)}</caption>`
    : '';
  return [
    '<div data-kit="table">',
    `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    `<div style="font-size:smaller;opacity:.7">${escapeHtml(footer(m))}</div>`,
    '</div>',
  ].join('\n');
}

/** The table as aligned plain text, for terminals and logs. */
export function renderTableText(
  input: TabularInput,
  options: TableOptions = {},
  redact: Redactor = makeRedactor(),
): string {
  const m = model(input, options);
  const grid = [m.columns, ...m.rows.map((row) => m.columns.map((c) => cellText(row[c], 40)))].map((r) =>
    r.map((s) => redact(s).replace(/\s+/g, ' ')),
  );
  const widths = m.columns.map((_, i) => Math.max(...grid.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((s, i) => s.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(grid[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...grid.slice(1).map(line), footer(m)];
  return (m.title ? [redact(m.title), ...out] : out).join('\n');
}

/**
 * Shows rows or a DataFrame as a table: an HTML output in a notebook, aligned text on stdout
 * elsewhere. Values are escaped and the kit's secrets are never shown.
 */
export function showTable(input: TabularInput, options: TableOptions = {}): void {
  const display = kernelDisplay();
  if (display) display.html(renderTableHtml(input, options));
  else console.log(renderTableText(input, options));
}
