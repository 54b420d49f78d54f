/**
 * `npm run compose:verify [-- --cluster] [--forget-data] [--keep-up] [--notebooks a.ipynb,b.ipynb]`
 *
 * On a machine with Docker: pulls and builds the Compose stack, starts it, waits until every service
 * is healthy, runs `npm run test:server` from the host against the published port and executes the
 * notebooks inside the Jupyter container (as a user would), prints one pass/fail table with the image
 * digests it ran, and tears the stack down (data stays in storage/docker/ unless --forget-data).
 * Exit 0 when every step passed, 1 when one failed, 2 when there is no Docker here.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, parseDotenv } from '../../lib/config';
import { ComposeOutputError, parseComposePs, readiness } from './compose-ps';
import { imageDigests, parseComposeImages, parseImageInspect, type ImageDigest } from './digests';
import {
  CLUSTER_ENTRY,
  composeEnvironment,
  ONE_SHOT_SERVICES,
  verifyPlan,
  type Step,
  type VerifyOptions,
} from './plan';
import { renderTable, type StepResult } from './table';

const EXIT_FAILED = 1;
const EXIT_NO_DOCKER = 2;

class UsageError extends Error {}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program; `show` streams its output to the terminal as well (long steps show their progress). */
function run(
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string>; show: boolean },
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (options.show) process.stderr.write(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (options.show) process.stderr.write(b);
    });
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function parseArgs(
  argv: string[],
  root: string,
): Omit<VerifyOptions, 'clickhouseHttpPort' | 'clusterHttpPort' | 'dockerStorageDir' | 'cleanupImage'> {
  const all = readdirSync(join(root, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
  const options = { cluster: false, forgetData: false, keepUp: false, notebooks: all, healthTimeoutSeconds: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--cluster') options.cluster = true;
    else if (arg === '--forget-data') options.forgetData = true;
    else if (arg === '--keep-up') options.keepUp = true;
    else if (arg === '--notebooks') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = list.filter((n) => !all.includes(n));
      if (list.length === 0 || unknown.length > 0)
        throw new UsageError(
          `--notebooks needs a comma-separated list of ${all.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}.`,
        );
      options.notebooks = list;
    } else
      throw new UsageError(
        `unknown option ${arg}. Options: --cluster, --forget-data, --keep-up, --notebooks a.ipynb,b.ipynb.`,
      );
  }
  if (options.keepUp && options.forgetData)
    throw new UsageError('--keep-up and --forget-data contradict each other: pick one.');
  return options;
}

async function waitHealthy(
  step: Step,
  compose: (args: readonly string[]) => Promise<Ran>,
  timeoutSeconds: number,
): Promise<{ ok: boolean; detail: string }> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const ps = await compose(step.argv);
    if (ps.code !== 0)
      return { ok: false, detail: `docker compose ps failed: ${ps.stderr.trim().split('\n').pop() ?? ''}` };
    const state = readiness(parseComposePs(ps.stdout), step.services ?? [], ONE_SHOT_SERVICES);
    if (state.status === 'ready') return { ok: true, detail: `${step.services?.length ?? 0} services ready` };
    if (state.status === 'failed') return { ok: false, detail: state.problems.join('; ') };
    const line = `waiting: ${state.pending.join(', ')}`;
    if (line !== last) process.stderr.write(`  ${line}\n`);
    last = line;
    if (Date.now() > deadline)
      return { ok: false, detail: `not ready after ${timeoutSeconds} s: ${state.pending.join(', ')}` };
    await new Promise((r) => setTimeout(r, 3000));
  }
}

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const root = config.root;
  const composeFile = join(root, 'compose', 'docker-compose.yml');
  // The ports compose publishes come from .env (or the environment), as compose reads them.
  const envFile = join(root, '.env');
  const dotenv = existsSync(envFile) ? parseDotenv(readFileSync(envFile, 'utf8')) : {};
  const cleanupImage =
    /image:\s*(clickhouse\/clickhouse-server:\S+)/.exec(readFileSync(composeFile, 'utf8'))?.[1] ??
    'clickhouse/clickhouse-server:26.8';
  const options: VerifyOptions = {
    ...parseArgs(argv, root),
    clickhouseHttpPort: Number(
      process.env.KIT_DOCKER_CLICKHOUSE_HTTP_PORT ?? dotenv.KIT_DOCKER_CLICKHOUSE_HTTP_PORT ?? 8123,
    ),
    clusterHttpPort: Number(
      process.env[CLUSTER_ENTRY.hostPortVariable] ??
        dotenv[CLUSTER_ENTRY.hostPortVariable] ??
        CLUSTER_ENTRY.defaultHostPort,
    ),
    dockerStorageDir: join(config.storageDir, 'docker'),
    cleanupImage,
  };
  const plan = verifyPlan(options);
  const composeEnv = composeEnvironment(options);
  const compose = (args: readonly string[], show = false): Promise<Ran> =>
    run(['docker', 'compose', '--env-file', join(root, '.env'), '-f', composeFile, ...args], {
      cwd: root,
      env: composeEnv,
      show,
    });

  // No Docker: say so in one line and stop before anything else.
  const docker = await run(plan[0]!.argv, { cwd: root, show: false });
  if (docker.code !== 0) {
    const why =
      docker.code === 127
        ? 'the docker command is not installed'
        : (docker.stderr.trim().split('\n').pop() ?? `exit code ${docker.code}`);
    console.error(
      `compose:verify: no Docker Engine here (${why}); run it on a machine with Docker Engine and Compose v2.24+.`,
    );
    return EXIT_NO_DOCKER;
  }

  const results: StepResult[] = [
    { label: plan[0]!.label, status: 'pass', seconds: 0, detail: `server ${docker.stdout.trim()}` },
  ];
  let images: ImageDigest[] = [];
  let failed = false;
  for (const [i, step] of plan.slice(1).entries()) {
    if (failed && !step.always) {
      results.push({ label: step.label, status: 'skipped', seconds: 0, detail: 'an earlier step failed' });
      continue;
    }
    process.stderr.write(`\n[${i + 2}/${plan.length}] ${step.label}\n`);
    const started = Date.now();
    let ok: boolean;
    let detail: string;
    try {
      if (step.kind === 'wait-healthy') {
        ({ ok, detail } = await waitHealthy(step, (a) => compose(a), options.healthTimeoutSeconds));
      } else if (step.kind === 'collect') {
        const listed = await compose(step.argv);
        const composeImages = parseComposeImages(listed.stdout);
        const inspect = composeImages.length
          ? await run(['docker', 'image', 'inspect', ...new Set(composeImages.map((c) => c.id))], {
              cwd: root,
              show: false,
            })
          : { code: 0, stdout: '[]', stderr: '' };
        images = imageDigests(composeImages, parseImageInspect(inspect.stdout));
        ok = listed.code === 0 && inspect.code === 0;
        detail = ok
          ? `${images.length} containers`
          : ((listed.stderr || inspect.stderr).trim().split('\n').pop() ?? '');
      } else {
        const show = step.kind !== 'check';
        const r =
          step.kind === 'host'
            ? await run(step.argv, { cwd: root, env: { ...step.env }, show })
            : step.kind === 'check'
              ? await run(step.argv, { cwd: root, show })
              : await compose(step.argv, show);
        ok = r.code === 0;
        detail = ok
          ? step.kind === 'check'
            ? r.stdout.trim()
            : ''
          : `exit code ${r.code}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? ''}`;
      }
    } catch (e) {
      ok = false;
      detail = e instanceof ComposeOutputError ? e.message : String(e);
    }
    results.push({ label: step.label, status: ok ? 'pass' : 'fail', seconds: (Date.now() - started) / 1000, detail });
    if (!ok) failed = true;
  }
  console.log(`\n${renderTable(results, images)}`);
  return failed ? EXIT_FAILED : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`compose:verify: ${err.message}`);
    process.exit(err instanceof UsageError ? 64 : EXIT_FAILED);
  },
);
