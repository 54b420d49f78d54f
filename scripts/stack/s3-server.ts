/**
 * The kit's local S3 server: a single-node Ceph cluster (one monitor, one BlueStore OSD on a
 * sparse file, no manager) with the RADOS Gateway on 127.0.0.1, all under `<storageDir>/s3/`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KitConfig } from '../../lib/config';
import { createS3Client, ensureBucket, S3Error } from '../../lib/s3';
import { bootstrapCluster } from './s3/bootstrap';
import { renderCephConf } from './s3/ceph-conf';
import type { ClusterState } from './s3/ceph-conf';
import { S3ServerError } from './s3/errors';
import { s3ServerLayout, MON_ID, OSD_ID, RGW_NAME } from './s3/layout';
import type { S3ServerLayout } from './s3/layout';
import { withLock } from './s3/lock';
import { missingCephPrograms } from './s3/packages';
import { isPortListening } from './ports';
import { sleep } from './process';
import { findDaemons, startDaemon, stopProcess, tailOfFile, waitFor } from './s3/processes';
import type { DaemonKind } from './s3/processes';
import { ensureRgwUser } from './s3/rgw-user';

export { installS3ServerPackages, CEPH_PACKAGES } from './s3/packages';
export { S3ServerError } from './s3/errors';
export { s3ServerLayout } from './s3/layout';

export interface S3ServerOptions {
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** How long to wait for the server to become healthy (default 180 s). */
  timeoutMs?: number;
}

export interface S3ServerHandle {
  endpoint: string;
  /** True when a running, healthy server was found and used as is. */
  reused: boolean;
}

export interface S3ServerStatus {
  endpoint: string;
  dataDir: string;
  /** Ceph programs present. */
  installed: boolean;
  /** A cluster has been created under dataDir. */
  initialized: boolean;
  /** Pids of the running daemons. */
  daemons: Partial<Record<DaemonKind, number>>;
  /** All daemons run and the gateway answers S3 requests. */
  healthy: boolean;
}

const DAEMON_LOGS: Record<DaemonKind, string> = { mon: `mon.${MON_ID}`, osd: `osd.${OSD_ID}`, rgw: RGW_NAME };
const inFlight = new Map<string, Promise<S3ServerHandle>>();

/**
 * Starts the local S3 server, or re-uses it when it already runs (then it takes well under a
 * second). Creates the cluster on first use, the RGW user holding S3_ACCESS_KEY_ID /
 * S3_SECRET_ACCESS_KEY and the bucket S3_BUCKET, and waits until S3 requests succeed.
 */
export function startS3Server(config: KitConfig, options: S3ServerOptions = {}): Promise<S3ServerHandle> {
  const layout = s3ServerLayout(config.storageDir);
  const running = inFlight.get(layout.dir);
  if (running) return running;
  const started = doStart(config, layout, options).finally(() => inFlight.delete(layout.dir));
  inFlight.set(layout.dir, started);
  return started;
}

async function doStart(config: KitConfig, layout: S3ServerLayout, options: S3ServerOptions): Promise<S3ServerHandle> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 180_000;
  const port = localGatewayPort(config);
  if (!config.s3.accessKeyId || config.s3.secretAccessKey.isEmpty) {
    throw new S3ServerError(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are not set. Run `npm run setup` (it writes random ones into .env) or set them.',
    );
  }
  const missing = missingCephPrograms();
  if (missing.length > 0) {
    throw new S3ServerError(
      `Ceph is not installed (missing ${missing.join(', ')}). Run \`npm run s3:start\` as root, or call installS3ServerPackages().`,
    );
  }
  if (/\s/.test(layout.dir))
    throw new S3ServerError(
      `The storage folder ${layout.dir} contains white space, which ceph.conf cannot hold. Set KIT_STORAGE_DIR to a path without spaces.`,
    );
  mkdirSync(layout.dir, { recursive: true });
  const endpoint = config.s3.endpoint;

  return withLock(layout.lockDir, timeoutMs, async () => {
    const t0 = Date.now();
    let daemons = findDaemons(layout.confFile);
    let state = readState(layout);
    if (state && daemons.mon && daemons.osd && daemons.rgw && (await gatewayAnswers(port))) {
      await ensureAccess(config, layout, false);
      return { endpoint, reused: true };
    }

    if (!state) {
      // Leftovers of an interrupted first start: stop them, then start over.
      await stopDaemons(daemons);
      log(`creating a single-node Ceph cluster in ${layout.dir}`);
      state = await bootstrapCluster(layout, port, log);
      writeFileSync(layout.stateFile, JSON.stringify(state, null, 2) + '\n');
    }
    writeFileSync(layout.confFile, renderCephConf(layout, state, port));
    for (const d of [layout.logDir, layout.runDir, layout.crashDir, layout.rgwData]) mkdirSync(d, { recursive: true });

    daemons = findDaemons(layout.confFile);
    if (!daemons.mon) {
      if (await isPortListening(state.monPort)) {
        throw new S3ServerError(
          `Port ${state.monPort} (the Ceph monitor of the local S3 server) is used by another program. Stop it, or remove ${layout.dir} to create a new cluster on a free port.`,
        );
      }
      log('starting the monitor');
      await startDaemon('ceph-mon', ['-c', layout.confFile, '-i', MON_ID], join(layout.logDir, 'mon.start.log'));
    }
    if (daemons.rgw && !(await waitFor(() => gatewayAnswers(port), 10_000, 250))) {
      log('restarting the gateway (it did not answer on the configured port)');
      await stopProcess(daemons.rgw);
      daemons.rgw = undefined;
    }
    if (!daemons.rgw && (await isPortListening(port))) {
      throw new S3ServerError(
        `Port ${port} of S3_ENDPOINT (${endpoint}) is used by another program. Stop it or choose another port in S3_ENDPOINT.`,
      );
    }
    const starting: Promise<void>[] = [];
    if (!daemons.osd) {
      log('starting the OSD');
      starting.push(
        startDaemon('ceph-osd', ['-c', layout.confFile, '-i', OSD_ID], join(layout.logDir, 'osd.start.log')),
      );
    }
    if (!daemons.rgw) {
      log(`starting the S3 gateway on 127.0.0.1:${port}`);
      starting.push(
        startDaemon('radosgw', ['-c', layout.confFile, '-n', RGW_NAME], join(layout.logDir, 'rgw.start.log')),
      );
    }
    await Promise.all(starting);
    await waitUntilHealthy(layout, port, timeoutMs - (Date.now() - t0));
    log('setting up the S3 user and bucket');
    await ensureAccess(config, layout, true);
    log(`S3 server ready at ${endpoint} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return { endpoint, reused: false };
  });
}

/** Stops the gateway, the OSD, then the monitor. */
export async function stopS3Server(
  config: KitConfig,
  options: Pick<S3ServerOptions, 'log'> = {},
): Promise<{ stopped: DaemonKind[] }> {
  const layout = s3ServerLayout(config.storageDir);
  if (!existsSync(layout.dir)) return { stopped: [] };
  return withLock(layout.lockDir, 120_000, async () => {
    const daemons = findDaemons(layout.confFile);
    const stopped = Object.keys(daemons) as DaemonKind[];
    if (stopped.length > 0) options.log?.(`stopping ${stopped.join(', ')}`);
    await stopDaemons(daemons);
    return { stopped };
  });
}

export async function s3ServerStatus(config: KitConfig): Promise<S3ServerStatus> {
  const layout = s3ServerLayout(config.storageDir);
  const daemons = existsSync(layout.confFile) ? findDaemons(layout.confFile) : {};
  let healthy = false;
  if (daemons.mon && daemons.osd && daemons.rgw) {
    try {
      healthy = await gatewayAnswers(localGatewayPort(config));
    } catch {
      healthy = false;
    }
  }
  return {
    endpoint: config.s3.endpoint,
    dataDir: layout.dir,
    installed: missingCephPrograms().length === 0,
    initialized: readState(layout) !== undefined,
    daemons,
    healthy,
  };
}

/** The gateway binds 127.0.0.1 only, so S3_ENDPOINT must point there for the local server. */
function localGatewayPort(config: KitConfig): number {
  const url = new URL(config.s3.endpoint);
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(url.hostname)) {
    throw new S3ServerError(
      `S3_ENDPOINT is ${config.s3.endpoint}, but the local S3 server listens on http://127.0.0.1:<port> only. Set S3_ENDPOINT=http://127.0.0.1:7480 to use it, or do not start it when using another S3 service.`,
    );
  }
  return config.s3.port;
}

function readState(layout: S3ServerLayout): ClusterState | undefined {
  try {
    const s = JSON.parse(readFileSync(layout.stateFile, 'utf8')) as Partial<ClusterState>;
    return typeof s.fsid === 'string' && typeof s.monPort === 'number'
      ? { fsid: s.fsid, monPort: s.monPort }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One after another: a gateway whose OSD goes away while it shuts down hangs for minutes, and
 * an OSD waits for the monitor to acknowledge its shutdown.
 */
async function stopDaemons(daemons: Partial<Record<DaemonKind, number>>): Promise<void> {
  for (const kind of ['rgw', 'osd', 'mon'] as const) {
    const pid = daemons[kind];
    if (pid !== undefined) await stopProcess(pid);
  }
}

/** Anonymous `GET /` answers with an empty bucket list once RGW serves requests. */
async function gatewayAnswers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    return res.status === 200 && body.includes('ListAllMyBucketsResult');
  } catch {
    return false;
  }
}

async function waitUntilHealthy(layout: S3ServerLayout, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + Math.max(timeoutMs, 10_000);
  for (;;) {
    if (await gatewayAnswers(port)) return;
    const running = findDaemons(layout.confFile);
    for (const kind of ['mon', 'osd', 'rgw'] as const) {
      if (!running[kind]) {
        const logFile = join(layout.logDir, `${DAEMON_LOGS[kind]}.log`);
        throw new S3ServerError(
          `The Ceph ${kind} daemon of the local S3 server stopped while starting. Last lines of ${logFile}:\n${tailOfFile(logFile, 15)}`,
        );
      }
    }
    if (Date.now() > deadline) {
      throw new S3ServerError(
        `The local S3 server did not answer on 127.0.0.1:${port} in time. See the logs in ${layout.logDir}.`,
      );
    }
    await sleep(250);
  }
}

/**
 * The bucket exists and the kit's keys work. On a fresh start (or when the keys were rejected,
 * e.g. after .env changed) the RGW user is brought in line with the keys first.
 */
async function ensureAccess(config: KitConfig, layout: S3ServerLayout, syncUser: boolean): Promise<void> {
  if (syncUser) await ensureRgwUser(layout.confFile, config.s3.accessKeyId, config.s3.secretAccessKey);
  const s3 = createS3Client(config, { maxAttempts: 1, requestTimeoutMs: 30_000 });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await ensureBucket(s3);
        return;
      } catch (e) {
        if (!(e instanceof S3Error) || e.reason !== 'bad-credentials') throw e;
        if (!syncUser) {
          await ensureRgwUser(layout.confFile, config.s3.accessKeyId, config.s3.secretAccessKey);
          syncUser = true;
        } else if (Date.now() > deadline) {
          throw e;
        }
        // The gateway caches users; a changed key reaches it within moments.
        await sleep(250);
      }
    }
  } finally {
    s3.client.destroy();
  }
}
