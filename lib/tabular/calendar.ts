import { WeightedIndex } from './random';

const DAY_MS = 86_400_000;

/** The period the dataset covers: whole UTC days from `start` (inclusive), `days` long. */
export interface Period {
  /** Start, ms since epoch (UTC midnight). */
  startMs: number;
  days: number;
}

export const DEFAULT_PERIOD: Period = { startMs: Date.UTC(2025, 0, 1), days: 365 };

export function dayStartMs(period: Period, day: number): number {
  return period.startMs + day * DAY_MS;
}

/** Day index of a time inside the period (clamped). */
export function dayOf(period: Period, ms: number): number {
  return Math.min(period.days - 1, Math.max(0, Math.floor((ms - period.startMs) / DAY_MS)));
}

/**
 * Traffic per day: a growth trend, more on weekends, retail peaks (mid-July sale, Black Friday
 * to Cyber Monday, the December run-up) and the lull over Christmas.
 */
export function dayWeights(period: Period): Float64Array {
  const w = new Float64Array(period.days);
  for (let d = 0; d < period.days; d++) {
    const date = new Date(dayStartMs(period, d));
    const month = date.getUTCMonth();
    const dom = date.getUTCDate();
    const weekday = date.getUTCDay();
    let x = 1 + 0.45 * (d / Math.max(1, period.days - 1));
    x *= weekday === 0 ? 1.18 : weekday === 6 ? 1.1 : weekday === 1 ? 1.04 : 1;
    if (month === 6 && dom >= 14 && dom <= 16) x *= 1.7;
    if (month === 10 && dom >= 27) x *= isBlackFridayWeek(date) ? 2.6 : 1.2;
    if (month === 11 && dom === 1) x *= 2.2;
    if (month === 11 && dom >= 2 && dom <= 20) x *= 1.45;
    if (month === 11 && dom >= 24 && dom <= 26) x *= 0.6;
    if (month === 0 && dom <= 6) x *= 1.25;
    w[d] = x;
  }
  return w;
}

function isBlackFridayWeek(date: Date): boolean {
  // Black Friday: the day after the fourth Thursday of November; weight it and the weekend after.
  const year = date.getUTCFullYear();
  const firstWeekday = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const firstThursday = 1 + ((4 - firstWeekday + 7) % 7);
  const friday = firstThursday + 21 + 1;
  const dom = date.getUTCDate();
  return dom >= friday && dom <= friday + 2;
}

/** Share of activity per local hour: quiet at night, a lunch bump, the evening peak. */
export const HOUR_WEIGHTS = [
  0.35, 0.2, 0.12, 0.08, 0.07, 0.1, 0.25, 0.45, 0.6, 0.7, 0.75, 0.8, 0.9, 0.85, 0.8, 0.8, 0.85, 0.95, 1.05, 1.2, 1.3,
  1.2, 0.9, 0.6,
] as const;

export const hourPicker = (): WeightedIndex => new WeightedIndex(HOUR_WEIGHTS);

/**
 * UTC offsets (minutes) of each zone on each day of the period, taken at noon UTC (DST changes at
 * night, so the noon offset is the one of that day's waking hours). Computed once: Intl is slow.
 */
export function zoneOffsets(zones: ReadonlyArray<string>, period: Period): Int16Array[] {
  return zones.map((zone) => {
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const out = new Int16Array(period.days);
    for (let d = 0; d < period.days; d++) out[d] = parseOffset(fmt, dayStartMs(period, d) + DAY_MS / 2);
    return out;
  });
}

function parseOffset(fmt: Intl.DateTimeFormat, ms: number): number {
  const name = fmt.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

export { DAY_MS };
