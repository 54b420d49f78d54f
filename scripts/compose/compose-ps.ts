/**
 * @file Reads `docker compose ps --all --format json` and says whether the stack is ready.
 * Compose 2.21+ prints one JSON object per line; older v2 releases print one JSON array. Both are read.
 */

export interface ServiceState {
  service: string;
  name: string;
  /** created, running, restarting, exited, paused, dead, removing. */
  state: string;
  /** healthy, unhealthy, starting, or "" without a healthcheck. */
  health: string;
  exitCode: number;
}

interface RawPs {
  Service?: unknown;
  Name?: unknown;
  State?: unknown;
  Health?: unknown;
  ExitCode?: unknown;
}

export class ComposeOutputError extends Error {
  override readonly name = 'ComposeOutputError';
}

export function parseComposePs(text: string): ServiceState[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let raws: unknown[];
  try {
    raws = trimmed.startsWith('[')
      ? (JSON.parse(trimmed) as unknown[])
      : trimmed
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as unknown);
  } catch (e) {
    throw new ComposeOutputError(
      `docker compose ps printed something that is not JSON (${(e as Error).message}): ${trimmed.slice(0, 200)}`,
    );
  }
  return raws.map((r, i) => {
    const raw = (r ?? {}) as RawPs;
    if (typeof raw.Service !== 'string' || typeof raw.State !== 'string') {
      throw new ComposeOutputError(
        `docker compose ps entry ${i} has no Service/State: ${JSON.stringify(r).slice(0, 200)}`,
      );
    }
    return {
      service: raw.Service,
      name: typeof raw.Name === 'string' ? raw.Name : raw.Service,
      state: raw.State.toLowerCase(),
      health: typeof raw.Health === 'string' ? raw.Health.toLowerCase() : '',
      exitCode: typeof raw.ExitCode === 'number' ? raw.ExitCode : Number(raw.ExitCode ?? 0),
    };
  });
}

export type Readiness =
  { status: 'ready' } | { status: 'waiting'; pending: string[] } | { status: 'failed'; problems: string[] };

/**
 * Ready when every expected service is healthy (or running, without a healthcheck) and every
 * one-shot exited 0. A one-shot that exited non-zero, an unhealthy or dead service fails at once.
 */
export function readiness(
  states: readonly ServiceState[],
  expected: readonly string[],
  oneShots: ReadonlySet<string>,
): Readiness {
  const problems: string[] = [];
  const pending: string[] = [];
  for (const service of expected) {
    const s = states.find((x) => x.service === service);
    if (!s) {
      pending.push(`${service}: not created yet`);
      continue;
    }
    if (oneShots.has(service)) {
      if (s.state === 'exited' && s.exitCode === 0) continue;
      if (s.state === 'exited' || s.state === 'dead')
        problems.push(`${service} exited with code ${s.exitCode} (see: npm run compose -- logs ${service})`);
      else pending.push(`${service}: ${s.state}`);
      continue;
    }
    if (s.state === 'exited' || s.state === 'dead')
      problems.push(`${service} is ${s.state} (exit code ${s.exitCode}; see: npm run compose -- logs ${service})`);
    else if (s.health === 'unhealthy')
      problems.push(`${service} is unhealthy (see: npm run compose -- logs ${service})`);
    else if (s.state !== 'running' || (s.health !== '' && s.health !== 'healthy'))
      pending.push(`${service}: ${s.state}${s.health ? `, ${s.health}` : ''}`);
  }
  if (problems.length > 0) return { status: 'failed', problems };
  if (pending.length > 0) return { status: 'waiting', pending };
  return { status: 'ready' };
}
