// `npm run health`: is the warehouse healthy? A terminal summary; exit 0 when healthy, 1 when a
// check fails, 2 when ClickHouse cannot be reached (one line on stderr saying so).
//   npm run health [-- --json] [--max-failed-queries N] [--window-minutes N]
import type { ClickHouseClient } from '@clickhouse/client';
import { connect, connectionInfo, WarehouseError } from '../lib/clickhouse';
import { loadConfig, scrubCredentialsInText } from '../lib/config';
import { healthReport, type CheckStatus, type HealthReport, type HealthThresholds } from '../lib/observability';

const EXIT_HEALTHY = 0;
const EXIT_UNHEALTHY = 1;
const EXIT_UNREACHABLE = 2;

class UsageError extends Error {}

function parseArgs(argv: string[]): { json: boolean; thresholds: HealthThresholds } {
  const thresholds: HealthThresholds = {};
  let json = false;
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < 0)
      throw new UsageError(`${flag} needs a number >= 0, got ${String(value)}.`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--max-failed-queries') thresholds.maxFailedQueries = number(arg, argv[++i]);
    else if (arg === '--window-minutes') thresholds.failedQueriesWindowMinutes = number(arg, argv[++i]);
    else throw new UsageError(`unknown option ${arg}. Options: --json, --max-failed-queries N, --window-minutes N.`);
  }
  return { json, thresholds };
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

function printReport(report: HealthReport): void {
  const width = Math.max(...report.checks.map((c) => c.check.length));
  for (const c of report.checks) console.log(`${MARK[c.status]}  ${c.check.padEnd(width)}  ${c.detail}`);
  console.log(report.healthy ? 'healthy' : 'UNHEALTHY');
}

/**
 * The official client logs transport failures itself (a multi-line dump on stderr); the script
 * reports them in one line of its own, so the client's log lines are dropped here. connect()
 * has no log-level option yet.
 */
function muteClientLog(): void {
  const original = console.error.bind(console);
  console.error = (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && /^\[[^\]]*\]\[[A-Z]+\]\[@clickhouse\/client\]/.test(args[0])) return;
    original(...args);
  };
}

/** One line for an error, whatever it carries (no stack, no newlines, no credentials). */
function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return scrubCredentialsInText(text).replace(/\s+/g, ' ').trim();
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`health: ${oneLine(e)}`);
    return EXIT_UNHEALTHY;
  }
  muteClientLog();
  const config = loadConfig();
  let client: ClickHouseClient | undefined;
  let report: HealthReport;
  try {
    client = connect({ config, request_timeout: 15_000 });
    report = await healthReport(client, args.thresholds);
  } catch (e) {
    const message = oneLine(e);
    // The embedded engine refuses to start when tables need an S3 server that is down: name that part, not ClickHouse.
    const s3Down = e instanceof WarehouseError && e.type === 'S3_UNREACHABLE';
    const where = s3Down
      ? config.s3.endpoint
      : ((client && connectionInfo(client)?.url) ?? config.clickhouse.url ?? config.clickhouse.dataPath);
    const part = s3Down ? 'S3 server unreachable' : 'ClickHouse unreachable';
    console.error(`health: ${part}: ${message}${message.includes(where) ? '' : ` (${where})`}`);
    await client?.close().catch(() => undefined);
    return EXIT_UNREACHABLE;
  }
  await client.close().catch(() => undefined);
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report);
  return report.healthy ? EXIT_HEALTHY : EXIT_UNHEALTHY;
}

process.exitCode = await main();
