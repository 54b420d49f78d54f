/** @file The one pass/fail table `npm run compose:verify` prints, with the image digests it ran. */
import type { ImageDigest } from './digests';

export type StepStatus = 'pass' | 'fail' | 'skipped';

export interface StepResult {
  label: string;
  status: StepStatus;
  seconds: number;
  /** One line: why it failed, or what it found. */
  detail: string;
}

const MARK: Record<StepStatus, string> = { pass: 'PASS', fail: 'FAIL', skipped: 'skip' };

function grid(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function renderTable(results: readonly StepResult[], images: readonly ImageDigest[]): string {
  const lines = grid(
    ['result', 'step', 'seconds', 'detail'],
    results.map((r) => [
      MARK[r.status],
      r.label,
      r.status === 'skipped' ? '' : r.seconds.toFixed(1),
      r.detail.replace(/\s+/g, ' ').slice(0, 160),
    ]),
  );
  if (images.length > 0) {
    lines.push(
      '',
      ...grid(
        ['container', 'image', 'digest (pin with image: <repo>@sha256:...)'],
        images.map((i) => [i.container, i.reference, i.digest ?? `local build ${i.id.slice(0, 19)}`]),
      ),
    );
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(
    '',
    failed === 0
      ? `compose:verify: all ${results.filter((r) => r.status === 'pass').length} steps passed`
      : `compose:verify: ${failed} step(s) FAILED`,
  );
  return lines.join('\n');
}
