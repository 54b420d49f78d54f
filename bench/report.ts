/** What every benchmark shares: the statistics it reports and the result file (format: BENCH.md). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The q-quantile (0..1) of the samples, nearest rank. */
export function quantile(values: ReadonlyArray<number>, q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** The median; for an even count, the mean of the two middle samples. */
export function median(values: ReadonlyArray<number>): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** One entry of a result file's `results` (BENCH.md); benchmarks may add fields such as samples. */
export interface BenchResult {
  case: string;
  metric: string;
  value: number;
  unit: string;
  runs: number;
  median_of: number;
  [extra: string]: unknown;
}

/** Writes `bench/results/<name>.json` under the project root and returns its path. */
export function writeBenchReport(root: string, name: string, report: unknown): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
