import { randomUUID } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCephConf, OSD_BLOCK_BYTES } from './ceph-conf';
import type { ClusterState } from './ceph-conf';
import type { S3ServerLayout } from './layout';
import { MON_ID, OSD_ID, RGW_NAME } from './layout';
import { S3ServerError } from './errors';
import { freePort, isPortListening } from '../ports';
import { runTool, startDaemon } from './processes';

const PREFERRED_MON_PORT = 3300;

/**
 * Creates a fresh one-node cluster: keys, monitor map, monitor store and a BlueStore OSD on
 * a sparse file. Leaves the monitor running. Whatever a failed earlier attempt left is removed
 * first (logs are kept). Returns the state to persist.
 */
export async function bootstrapCluster(
  layout: S3ServerLayout,
  rgwPort: number,
  log: (line: string) => void,
): Promise<ClusterState> {
  const l = layout;
  for (const p of [
    l.monData,
    l.osdData,
    l.osdBlock,
    l.rgwData,
    l.runDir,
    l.keyring,
    l.monmap,
    l.stateFile,
    l.confFile,
  ]) {
    rmSync(p, { recursive: true, force: true });
  }
  for (const d of [l.monData, l.osdData, l.rgwData, l.logDir, l.runDir, l.crashDir]) mkdirSync(d, { recursive: true });

  const state: ClusterState = { fsid: randomUUID(), monPort: await chooseMonPort() };
  writeFileSync(l.confFile, renderCephConf(l, state, rgwPort));

  log('creating keys');
  const keyring = ['--keyring', l.keyring];
  await runTool('ceph-authtool', ['--create-keyring', l.keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  await runTool('ceph-authtool', [
    l.keyring,
    '--gen-key',
    '-n',
    'client.admin',
    '--cap',
    'mon',
    'allow *',
    '--cap',
    'osd',
    'allow *',
    '--cap',
    'mgr',
    'allow *',
  ]);
  await runTool('ceph-authtool', [
    l.keyring,
    '--gen-key',
    '-n',
    `osd.${OSD_ID}`,
    '--cap',
    'mon',
    'allow profile osd',
    '--cap',
    'osd',
    'allow *',
    '--cap',
    'mgr',
    'allow profile osd',
  ]);
  await runTool('ceph-authtool', [
    l.keyring,
    '--gen-key',
    '-n',
    RGW_NAME,
    '--cap',
    'mon',
    'allow rw',
    '--cap',
    'osd',
    'allow rwx',
  ]);

  log('creating the monitor');
  await runTool('monmaptool', [
    '--create',
    '--addv',
    MON_ID,
    `[v2:127.0.0.1:${state.monPort}]`,
    '--fsid',
    state.fsid,
    l.monmap,
  ]);
  await runTool('ceph-mon', ['-c', l.confFile, '--mkfs', '-i', MON_ID, '--monmap', l.monmap, ...keyring]);
  await startDaemon('ceph-mon', ['-c', l.confFile, '-i', MON_ID], join(l.logDir, 'mon.start.log'));

  log('creating the OSD (BlueStore on a sparse file)');
  const osdUuid = randomUUID();
  const { stdout } = await runTool('ceph', ['-c', l.confFile, '--connect-timeout', '60', 'osd', 'create', osdUuid]);
  if (stdout.trim() !== OSD_ID)
    throw new S3ServerError(`expected OSD id ${OSD_ID}, the monitor gave "${stdout.trim()}"`);
  const fd = openSync(l.osdBlock, 'w', 0o600);
  try {
    ftruncateSync(fd, OSD_BLOCK_BYTES);
  } finally {
    closeSync(fd);
  }
  // Relative, so the storage folder can move.
  symlinkSync('../osd-block.img', join(l.osdData, 'block'));
  await runTool('ceph-osd', ['-c', l.confFile, '-i', OSD_ID, '--mkfs', '--osd-uuid', osdUuid], { timeoutMs: 120_000 });

  rmSync(l.monmap, { force: true });
  return state;
}

/** 3300 (Ceph's default) when free, else any free port: several checkouts may run side by side. */
async function chooseMonPort(): Promise<number> {
  if (!(await isPortListening(PREFERRED_MON_PORT))) return PREFERRED_MON_PORT;
  return freePort();
}
