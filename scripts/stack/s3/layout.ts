import { join } from 'node:path';

/** Where the single-node Ceph cluster keeps everything: `<storageDir>/s3/`. */
export interface S3ServerLayout {
  dir: string;
  confFile: string;
  keyring: string;
  /** fsid and monitor port chosen at bootstrap; written last, so it also marks a finished bootstrap. */
  stateFile: string;
  monmap: string;
  monData: string;
  osdData: string;
  /** BlueStore's block device: a sparse file that must lie outside the OSD data folder. */
  osdBlock: string;
  rgwData: string;
  logDir: string;
  runDir: string;
  crashDir: string;
  /** Held while one process starts or stops the cluster. */
  lockDir: string;
}

export function s3ServerLayout(storageDir: string): S3ServerLayout {
  const dir = join(storageDir, 's3');
  return {
    dir,
    confFile: join(dir, 'ceph.conf'),
    keyring: join(dir, 'keyring'),
    stateFile: join(dir, 'state.json'),
    monmap: join(dir, 'monmap'),
    monData: join(dir, 'mon'),
    osdData: join(dir, 'osd'),
    osdBlock: join(dir, 'osd-block.img'),
    rgwData: join(dir, 'rgw'),
    logDir: join(dir, 'log'),
    runDir: join(dir, 'run'),
    crashDir: join(dir, 'crash'),
    lockDir: join(dir, '.lifecycle.lock'),
  };
}

/** Names the daemons run under (cephx entities); `$name` in ceph.conf expands to these. */
export const MON_ID = 'a';
export const OSD_ID = '0';
export const RGW_NAME = 'client.rgw.kit';
/** The RGW user owning the kit's bucket; its keys are S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY. */
export const RGW_USER = 'kit';
