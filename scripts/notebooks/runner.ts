import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig, scrubSecrets, secretsOf, type KitConfig } from '../../lib/config';
import { progress } from '../../lib/notebook';
import { isJupyterInstalled } from '../stack/jupyter-install';
import { KERNEL_NAME } from '../stack/jupyter-kernelspec';
import { jupyterEnvironment, jupyterPaths } from '../stack/jupyter-paths';

/** The runner could not run at all (no Jupyter stack, unknown notebook, output over a source). */
export class NotebookRunnerError extends Error {
  override readonly name = 'NotebookRunnerError';
}

export interface CellOutputText {
  type: string;
  name?: string;
  text?: string;
  ename?: string;
  evalue?: string;
  traceback?: string;
}

export interface NotebookFailure {
  /** Index in the notebook's cells (markdown included). */
  index: number;
  /** 1-based number among code cells. */
  number: number | null;
  source: string;
  /** The cell's outputs: tslab puts the real error message on stderr, not in the error output. */
  outputs: CellOutputText[];
}

export interface NotebookResult {
  name: string;
  source: string;
  ok: boolean;
  seconds: number;
  kernelReadySeconds: number | null;
  cells: number;
  executedNotebook: string;
  html: string;
  executedBytes: number;
  failure: NotebookFailure | null;
  /** Not a cell error: kernel died, cell timeout, kernel could not start, secret in output. */
  fatal: string | null;
}

export interface RunNotebooksOptions {
  /** Notebook paths or names in notebooks/ (with or without .ipynb). Default: every notebook in notebooks/, by name. */
  notebooks?: string[];
  /** Extra environment for the kernels (e.g. CLICKHOUSE_URL of the local stack); added to process.env. */
  env?: Record<string, string | undefined>;
  /** Where executed copies and HTML go (default `<root>/reports`). */
  outDir?: string;
  /** Seconds a single cell may run (default 600). */
  cellTimeoutSeconds?: number;
  config?: KitConfig;
  /** Show terminal progress bars (default true). */
  showProgress?: boolean;
}

export interface RunNotebooksSummary {
  ok: boolean;
  results: NotebookResult[];
  seconds: number;
}

/** Notebooks in a folder, in name order. */
export function listNotebooks(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
    .sort((a, b) => a.localeCompare(b))
    .map((f) => join(dir, f));
}

function resolveNotebook(root: string, spec: string): string {
  const candidates = [resolve(spec), resolve(root, spec), join(root, 'notebooks', spec), join(root, 'notebooks', `${spec}.ipynb`)];
  const found = candidates.find((c) => c.endsWith('.ipynb') && existsSync(c) && statSync(c).isFile());
  if (!found) {
    const known = listNotebooks(join(root, 'notebooks')).map((n) => basename(n, '.ipynb'));
    throw new NotebookRunnerError(`notebook "${spec}" not found; give a path or one of: ${known.join(', ') || '(notebooks/ is empty)'}.`);
  }
  return found;
}

/**
 * Executes notebooks headlessly with nbclient and the project's tslab kernel, one after
 * another, and writes `<outDir>/<name>.ipynb` and `<outDir>/<name>.html`. Kernels get
 * process.env plus `options.env`. A notebook whose outputs contain one of the kit's secrets
 * fails, and the secret is removed from the written files.
 */
export async function runNotebooks(options: RunNotebooksOptions = {}): Promise<RunNotebooksSummary> {
  const started = Date.now();
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...definedOnly(options.env ?? {}) };
  const config = options.config ?? loadConfig({ env: baseEnv });
  if (!isJupyterInstalled(config)) {
    throw new NotebookRunnerError('the Jupyter stack is not installed in this checkout; run installJupyter(config) (`npm run setup` or `npm run jupyter -- install`) first.');
  }
  const notebooks = options.notebooks?.length
    ? options.notebooks.map((n) => resolveNotebook(config.root, n))
    : listNotebooks(join(config.root, 'notebooks'));
  const outDir = resolve(options.outDir ?? join(config.root, 'reports'));
  mkdirSync(outDir, { recursive: true });
  const names = new Set<string>();
  for (const nb of notebooks) {
    const name = basename(nb, '.ipynb');
    if (names.has(name)) throw new NotebookRunnerError(`two notebooks are named ${name}.ipynb; their reports would overwrite each other.`);
    names.add(name);
    if (resolve(nb) === join(outDir, `${name}.ipynb`)) {
      throw new NotebookRunnerError(`the output folder ${outDir} holds the source ${nb}; choose another outDir so sources are never overwritten.`);
    }
  }

  const env = jupyterEnvironment(config, baseEnv);
  const secrets = [...secretsOf(config), ...secretsOf(loadConfig({ root: config.root }))];
  const results: NotebookResult[] = [];
  for (const nb of notebooks) {
    results.push(await runOne(config, nb, outDir, env, secrets, options));
  }
  return { ok: results.every((r) => r.ok), results, seconds: (Date.now() - started) / 1000 };
}

interface ExecuteEvent {
  event: 'kernel_ready' | 'cell' | 'result';
  seconds?: number;
  done?: number;
  total?: number;
  ok?: boolean;
  kernel_ready_seconds?: number | null;
  cells?: number;
  fatal?: string | null;
  failure?: NotebookFailure | null;
}

async function runOne(
  config: KitConfig,
  notebook: string,
  outDir: string,
  env: NodeJS.ProcessEnv,
  secrets: string[],
  options: RunNotebooksOptions,
): Promise<NotebookResult> {
  const name = basename(notebook, '.ipynb');
  const executedNotebook = join(outDir, `${name}.ipynb`);
  const html = join(outDir, `${name}.html`);
  const cellCount = (JSON.parse(readFileSync(notebook, 'utf8')) as { cells: Array<{ cell_type: string }> }).cells.filter((c) => c.cell_type === 'code').length;
  const bar = options.showProgress === false ? undefined : progress(`notebook ${name}`, cellCount);
  const args = [
    join(config.root, 'scripts', 'notebooks', 'execute.py'),
    '--input', notebook,
    '--output-ipynb', executedNotebook,
    '--output-html', html,
    '--kernel', KERNEL_NAME,
    '--timeout', String(options.cellTimeoutSeconds ?? 600),
    '--cwd', config.root,
  ];
  const child = spawn(jupyterPaths(config).python, args, { cwd: config.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-20_000)));
  let result: ExecuteEvent | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    let ev: ExecuteEvent;
    try {
      ev = JSON.parse(line) as ExecuteEvent;
    } catch {
      continue; // kernels may print to the runner's stdout; only JSON events matter
    }
    if (ev.event === 'kernel_ready') bar?.update(0, `kernel ready in ${ev.seconds?.toFixed(1)}s`);
    if (ev.event === 'cell') bar?.update(ev.done ?? 0, `cell ${ev.done} took ${ev.seconds?.toFixed(1)}s`);
    if (ev.event === 'result') result = ev;
  }
  const exitCode = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('close', r)));

  let fatal = result?.fatal ?? null;
  if (!result) fatal = `the notebook executor stopped without a result (exit code ${exitCode}):\n${scrubSecrets(stderr, secrets).trim()}`;
  if (result && existsSync(executedNotebook)) {
    const leaked = removeSecrets([executedNotebook, html], secrets);
    if (leaked) fatal = `${fatal ? `${fatal}; ` : ''}an output contained one of the kit's secrets (removed from the reports); do not print credentials in notebooks.`;
  }
  const ok = !!result?.ok && fatal === null;
  if (ok) bar?.done();
  else bar?.fail();
  const failure = result?.failure ? scrubFailure(result.failure, secrets) : null;
  return {
    name,
    source: notebook,
    ok,
    seconds: result?.seconds ?? 0,
    kernelReadySeconds: result?.kernel_ready_seconds ?? null,
    cells: result?.cells ?? cellCount,
    executedNotebook,
    html,
    executedBytes: existsSync(executedNotebook) ? statSync(executedNotebook).size : 0,
    failure,
    fatal,
  };
}

/** Replaces secrets in the written files; true when any was found. */
function removeSecrets(files: string[], secrets: string[]): boolean {
  let leaked = false;
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const clean = scrubSecrets(text, secrets);
    if (clean !== text) {
      leaked = true;
      writeFileSync(file, clean);
    }
  }
  return leaked;
}

function scrubFailure(f: NotebookFailure, secrets: string[]): NotebookFailure {
  const s = (t: string | undefined): string | undefined => (t === undefined ? undefined : scrubSecrets(t, secrets));
  return {
    ...f,
    source: scrubSecrets(f.source, secrets),
    outputs: f.outputs.map((o) => ({ ...o, text: s(o.text), evalue: s(o.evalue), traceback: s(o.traceback) })),
  };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

// eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes stripped here
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** A plain-text table: notebook, status, cells, time, kernel start, report size. */
export function formatSummary(summary: RunNotebooksSummary, root: string): string {
  const rows = [
    ['notebook', 'status', 'cells', 'seconds', 'kernel start', 'report'],
    ...summary.results.map((r) => [
      r.name,
      r.ok ? 'ok' : 'FAILED',
      String(r.cells),
      r.seconds.toFixed(1),
      r.kernelReadySeconds === null ? '-' : `${r.kernelReadySeconds.toFixed(1)}s`,
      `${relative(root, r.html)} (${(r.executedBytes / 1e6).toFixed(1)} MB ipynb)`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const failed = summary.results.filter((r) => !r.ok).length;
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    `${summary.results.length} notebook(s), ${failed} failed, ${summary.seconds.toFixed(1)}s`,
  ].join('\n');
}

/** The failing cell's source and everything it printed, error text first-class. */
export function formatFailure(result: NotebookResult, options: { color?: boolean } = {}): string {
  const strip = (t: string): string => (options.color ? t : t.replace(ANSI, ''));
  const parts = [`=== ${result.name}: FAILED${result.fatal ? ` (${result.fatal})` : ''}`];
  const f = result.failure;
  if (f) {
    parts.push(`--- cell ${f.number ?? '?'} (index ${f.index}) source:`, f.source.replace(/^/gm, '  | '), '--- its output:');
    const out = f.outputs
      .map((o) => {
        if (o.type === 'stream') return `[${o.name}] ${strip(o.text ?? '')}`.trimEnd();
        if (o.type === 'error') {
          const head = `${o.ename || '(error)'}${o.evalue ? `: ${o.evalue}` : ''}`;
          return [head, strip(o.traceback ?? '')].filter(Boolean).join('\n').trimEnd();
        }
        return o.text ? `[${o.type}] ${strip(o.text)}` : '';
      })
      .filter(Boolean);
    parts.push(out.length ? out.join('\n') : '(the cell printed nothing)');
  }
  parts.push(`executed copy: ${result.executedNotebook}`);
  return parts.join('\n');
}
