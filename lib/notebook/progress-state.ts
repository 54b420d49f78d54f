/** Counting and timing shared by the notebook and terminal progress views. */
export class ProgressState {
  current = 0;
  note = '';
  readonly startedAt = Date.now();

  constructor(
    readonly label: string,
    /** Undefined or 0: the total is unknown. */
    readonly total: number | undefined,
  ) {
    if (total !== undefined && (!Number.isFinite(total) || total < 0)) {
      throw new RangeError(`progress total must be a number >= 0, got ${String(total)}.`);
    }
  }

  get known(): boolean {
    return this.total !== undefined && this.total > 0;
  }

  /** 0..1, or undefined when the total is unknown. */
  get fraction(): number | undefined {
    return this.known ? Math.min(1, this.current / this.total!) : undefined;
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  get etaSeconds(): number | undefined {
    const f = this.fraction;
    if (f === undefined || f <= 0 || f >= 1) return undefined;
    return (this.elapsedSeconds / f) * (1 - f);
  }

  /** "42 / 100 (42%) · 3.1/s · 12s left" */
  summary(): string {
    const parts = [
      this.known
        ? `${fmt(this.current)} / ${fmt(this.total!)} (${Math.floor(this.fraction! * 100)}%)`
        : fmt(this.current),
    ];
    const secs = this.elapsedSeconds;
    if (secs >= 0.5 && this.current > 0) parts.push(`${rate(this.current / secs)}/s`);
    const eta = this.etaSeconds;
    parts.push(eta === undefined ? duration(secs) : `${duration(eta)} left`);
    if (this.note) parts.push(this.note);
    return parts.join(' · ');
  }
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
}

function rate(r: number): string {
  return r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1);
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
