import { escapeHtml } from './html';
import { newKernelDisplay, type Display } from './kernel';
import { ProgressState } from './progress-state';
import { makeRedactor } from './redact';

export interface Progress {
  /** Adds `n` (default 1) to the count. */
  tick(n?: number, note?: string): void;
  /** Sets the count. */
  update(current: number, note?: string): void;
  /** Marks the work finished (the bar shows the final count and elapsed time). */
  done(note?: string): void;
  /** Marks the work failed; the message is shown next to the bar. */
  fail(note?: string): void;
  readonly current: number;
}

export interface ProgressOptions {
  /** Where the terminal bar goes outside a notebook (default process.stderr). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Minimum milliseconds between redraws (default 200 in notebooks, 100 on a terminal). */
  intervalMs?: number;
}

type View = (state: ProgressState, final: 'done' | 'failed' | undefined) => void;

/**
 * Shows progress of long work: an updating bar in a notebook output (one output, replaced in
 * place), a terminal bar on stderr elsewhere (one line per 10% when stderr is not a terminal).
 * `total` undefined or 0 shows a running count.
 */
export function progress(label: string, total?: number, options: ProgressOptions = {}): Progress {
  const state = new ProgressState(makeRedactor()(label), total);
  const display = newKernelDisplay();
  const view = display ? notebookView(display) : terminalView(options.stream ?? process.stderr);
  const interval = options.intervalMs ?? (display ? 200 : 100);
  let last = 0;
  let finished = false;
  const draw = (force: boolean, final?: 'done' | 'failed'): void => {
    const now = Date.now();
    if (!force && now - last < interval) return;
    last = now;
    view(state, final);
  };
  draw(true);
  const set = (current: number, note: string | undefined): void => {
    if (finished) return;
    if (!Number.isFinite(current)) throw new RangeError(`progress value must be a number, got ${String(current)}.`);
    state.current = current;
    if (note !== undefined) state.note = note;
    draw(false);
  };
  const finish = (final: 'done' | 'failed', note: string | undefined): void => {
    if (finished) return;
    finished = true;
    if (final === 'done' && state.known) state.current = Math.max(state.current, state.total!);
    if (note !== undefined) state.note = note;
    draw(true, final);
  };
  return {
    tick: (n = 1, note) => set(state.current + n, note),
    update: (current, note) => set(current, note),
    done: (note) => finish('done', note),
    fail: (note) => finish('failed', note),
    get current() {
      return state.current;
    },
  };
}

function notebookView(display: Display): View {
  const redact = makeRedactor();
  return (state, final) => {
    const f = state.fraction;
    const bar =
      final === 'done'
        ? '<progress value="1" max="1"></progress>'
        : f === undefined
          ? '<progress></progress>'
          : `<progress value="${f.toFixed(4)}" max="1"></progress>`;
    const mark = final === 'done' ? ' ✓' : final === 'failed' ? ' ✗ failed' : '';
    const text = escapeHtml(redact(`${state.label}${mark}`));
    display.html(
      `<div data-kit="progress" style="font-family:monospace"><b>${text}</b> ${bar} <span>${escapeHtml(redact(state.summary()))}</span></div>`,
    );
  };
}

const BAR_WIDTH = 28;

// Not cli-progress: this view is 20 lines behind the one Progress API lib and scripts share with the notebook display; measured with
// cli-progress 3.12.0 off a terminal (CI logs): 0 bytes by default, and with noTTYOutput a 5 s job printed 4 lines (0/37/76/100%),
// a 1 s job 2, on its 2 s timer; this one prints a line per 10%.

function terminalView(stream: NodeJS.WritableStream & { isTTY?: boolean }): View {
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  return (state, final) => {
    const f = state.fraction;
    const mark = final === 'done' ? ' done' : final === 'failed' ? ' FAILED' : '';
    const bar = f === undefined ? '' : `[${'#'.repeat(Math.round(f * BAR_WIDTH)).padEnd(BAR_WIDTH, '-')}] `;
    const line = `${state.label}${mark} ${bar}${state.summary()}`;
    if (tty) {
      stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
      return;
    }
    const decile = f === undefined ? -1 : Math.floor(f * 10);
    if (final || lastDecile === -1 || decile > lastDecile) {
      stream.write(`${line}\n`);
      lastDecile = Math.max(decile, 0);
    }
  };
}
