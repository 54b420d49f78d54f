import type { ClickHouseClient } from '@clickhouse/client';
import pl from 'nodejs-polars';
import { queryOne, queryRows } from '../clickhouse';
import { ObservabilityError } from './errors';
import { queryErrors } from './query-log-reader';
import { serverOverview } from './server';
import { observabilityTag } from './tags';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface HealthCheck {
  check: string;
  status: CheckStatus;
  /** One line: the figure and, when not ok, what to look at. */
  detail: string;
}

export interface HealthReport {
  /** No check failed (warnings allowed). */
  healthy: boolean;
  checks: HealthCheck[];
}

export interface HealthThresholds {
  /** Failed queries in the window above this fail the check (default 10); 1 or more warn. */
  maxFailedQueries?: number;
  /** Window for failed queries, in minutes (default 60). */
  failedQueriesWindowMinutes?: number;
  /** Active parts in one partition from which to warn (default 300); the engine's parts_to_delay_insert fails. */
  warnPartsPerPartition?: number;
  /** A mutation not done after this many seconds is stuck (default 600); one with a failure reason is stuck at once. */
  stuckMutationSeconds?: number;
  /** Free fraction of a local disk below which the check fails (default 0.1); below twice that it warns. */
  minFreeDiskFraction?: number;
}

const worst = (a: CheckStatus, b: CheckStatus): CheckStatus =>
  a === 'fail' || b === 'fail' ? 'fail' : a === 'warn' || b === 'warn' ? 'warn' : 'ok';

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/**
 * The warehouse's health in a few checks: reachable and version, uptime, failed queries in the
 * last hour, tables with too many parts, stuck mutations, free disk space, query log. Throws
 * (a WarehouseError) only when ClickHouse cannot be reached at all.
 */
export async function healthReport(client: ClickHouseClient, thresholds: HealthThresholds = {}): Promise<HealthReport> {
  const t = {
    maxFailedQueries: thresholds.maxFailedQueries ?? 10,
    windowMinutes: thresholds.failedQueriesWindowMinutes ?? 60,
    warnParts: thresholds.warnPartsPerPartition ?? 300,
    stuckSeconds: thresholds.stuckMutationSeconds ?? 600,
    minFree: thresholds.minFreeDiskFraction ?? 0.1,
  };
  const checks: HealthCheck[] = [];

  // Reachability first: this is the call that throws when the server is down.
  const overview = (await serverOverview(client)).toRecords()[0] ?? {};
  checks.push({
    check: 'reachable',
    status: 'ok',
    detail: `${String(overview.mode)} · ClickHouse ${String(overview.version)} on ${String(overview.host)}`,
  });
  const started: unknown = overview.started_at;
  const since = started instanceof Date ? started.toISOString().replace('.000Z', 'Z') : String(started);
  checks.push({
    check: 'uptime',
    status: 'ok',
    detail: `${formatDuration(Number(overview.uptime_seconds))} (since ${since})`,
  });
  if (overview.query_log === 'none') checks.push({ check: 'query log', status: 'warn', detail: String(overview.note) });

  checks.push(await failedQueriesCheck(client, t.windowMinutes, t.maxFailedQueries));
  checks.push(await partsCheck(client, t.warnParts));
  checks.push(await mutationsCheck(client, t.stuckSeconds));
  checks.push(await diskCheck(client, t.minFree));
  return { healthy: checks.every((c) => c.status !== 'fail'), checks };
}

async function failedQueriesCheck(client: ClickHouseClient, windowMinutes: number, max: number): Promise<HealthCheck> {
  const check = `failed queries (${windowMinutes} min)`;
  let errors;
  try {
    errors = await queryErrors(client, { since: Date.now() - windowMinutes * 60_000 }, { limit: 100_000 });
  } catch (e) {
    if (e instanceof ObservabilityError) return { check, status: 'warn', detail: e.message };
    throw e;
  }
  const n = errors.height;
  if (n === 0) return { check, status: 'ok', detail: 'none' };
  const byName = new Map<string, number>();
  for (const r of errors.toRecords()) byName.set(String(r.error_name), (byName.get(String(r.error_name)) ?? 0) + 1);
  const top = [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, c]) => `${name} ×${c}`)
    .join(', ');
  return { check, status: n > max ? 'fail' : 'warn', detail: `${n} (${top})${n > max ? `: more than ${max}` : ''}` };
}

async function partsCheck(client: ClickHouseClient, warnAt: number): Promise<HealthCheck> {
  const check = 'parts per partition';
  const limit = await queryOne<{ v: string }>(
    client,
    `SELECT value AS v FROM system.merge_tree_settings WHERE name = 'parts_to_delay_insert'`,
    undefined,
    {
      logComment: observabilityTag('health'),
    },
  );
  const delayAt = Number(limit?.v ?? 1000);
  const rows = await queryRows<{ db: string; tbl: string; n: string }>(
    client,
    `SELECT database AS db, table AS tbl, max(c) AS n FROM
       (SELECT database, table, partition_id, count() AS c FROM system.parts WHERE active GROUP BY database, table, partition_id)
     GROUP BY db, tbl HAVING n >= {warn:UInt64} ORDER BY n DESC`,
    { warn: Math.min(warnAt, delayAt) },
    { logComment: observabilityTag('health') },
  );
  if (rows.length === 0)
    return {
      check,
      status: 'ok',
      detail: `no table at ${Math.min(warnAt, delayAt)} or more (inserts slow down at ${delayAt})`,
    };
  const failing = rows.filter((r) => Number(r.n) >= delayAt);
  const list = rows
    .slice(0, 3)
    .map((r) => `${r.db}.${r.tbl}: ${r.n}`)
    .join(', ');
  return {
    check,
    status: failing.length > 0 ? 'fail' : 'warn',
    detail: `${rows.length} table(s) with many parts (${list}); inserts slow down at ${delayAt}: OPTIMIZE the table or batch inserts`,
  };
}

async function mutationsCheck(client: ClickHouseClient, stuckSeconds: number): Promise<HealthCheck> {
  const check = 'mutations';
  const rows = await queryRows<{ db: string; tbl: string; id: string; age: string; reason: string }>(
    client,
    `SELECT database AS db, table AS tbl, mutation_id AS id, dateDiff('second', create_time, now()) AS age, latest_fail_reason AS reason
     FROM system.mutations WHERE NOT is_done ORDER BY create_time`,
    undefined,
    { logComment: observabilityTag('health') },
  );
  if (rows.length === 0) return { check, status: 'ok', detail: 'none in flight' };
  const stuck = rows.filter((r) => r.reason !== '' || Number(r.age) >= stuckSeconds);
  if (stuck.length === 0) return { check, status: 'ok', detail: `${rows.length} in flight, none stuck` };
  const first = stuck[0]!;
  const why = first.reason
    ? `failing: ${first.reason.replace(/\s+/g, ' ').slice(0, 160)}`
    : `running for ${formatDuration(Number(first.age))}`;
  return {
    check,
    status: 'fail',
    detail: `${stuck.length} stuck (${first.db}.${first.tbl} ${first.id} ${why}); see system.mutations, KILL MUTATION if needed`,
  };
}

async function diskCheck(client: ClickHouseClient, minFree: number): Promise<HealthCheck> {
  const check = 'disk space';
  const rows = await queryRows<{ name: string; free: string; total: string }>(
    client,
    `SELECT name, free_space AS free, total_space AS total FROM system.disks WHERE NOT is_remote AND total_space > 0 ORDER BY name`,
    undefined,
    { logComment: observabilityTag('health') },
  );
  let status: CheckStatus = 'ok';
  const parts = rows.map((r) => {
    const free = Number(r.free);
    const fraction = free / Number(r.total);
    const s: CheckStatus = fraction < minFree ? 'fail' : fraction < 2 * minFree ? 'warn' : 'ok';
    status = worst(status, s);
    return `${r.name}: ${formatBytes(free)} free (${(fraction * 100).toFixed(0)}%)`;
  });
  return { check, status, detail: parts.length ? parts.join(', ') : 'no local disk' };
}

/** The report as a frame (check, status, detail), for a notebook table. */
export function healthFrame(report: HealthReport): pl.DataFrame {
  return pl.DataFrame({
    check: report.checks.map((c) => c.check),
    status: report.checks.map((c) => c.status),
    detail: report.checks.map((c) => c.detail),
  });
}

export { formatBytes, formatDuration };
