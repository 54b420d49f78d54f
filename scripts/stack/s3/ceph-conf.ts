import type { S3ServerLayout } from './layout';
import { MON_ID, OSD_ID, RGW_NAME } from './layout';

export interface ClusterState {
  fsid: string;
  monPort: number;
}

/** Size of the sparse BlueStore file: space is only used as objects are written. */
export const OSD_BLOCK_BYTES = 20 * 1024 ** 3;

/**
 * ceph.conf for a one-node cluster that lives entirely under the layout's folder and binds
 * only to 127.0.0.1. Rendered on every start, so a changed RGW port applies on restart.
 */
export function renderCephConf(layout: S3ServerLayout, state: ClusterState, rgwPort: number): string {
  const l = layout;
  return `# Written by scripts/stack/s3-server.ts on every start: edits are overwritten.
[global]
fsid = ${state.fsid}
mon host = [v2:127.0.0.1:${state.monPort}]
mon initial members = ${MON_ID}
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = ${l.keyring}
log file = ${l.logDir}/$name.log
pid file = ${l.runDir}/$name.pid
admin socket = ${l.runDir}/$name.asok
run dir = ${l.runDir}
crash dir = ${l.crashDir}
# One OSD: one copy of everything, few placement groups, CRUSH picks OSDs rather than hosts.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# The monitor stops itself when its disk has less free space than this (default 5%).
mon data avail crit = 1
mon data avail warn = 2
mon cluster log file = default=${l.logDir}/$cluster.$channel.log cluster=${l.logDir}/$cluster.log

[mon.${MON_ID}]
mon data = ${l.monData}

[osd.${OSD_ID}]
osd data = ${l.osdData}
osd objectstore = bluestore
osd memory target = 1073741824

[${RGW_NAME}]
rgw data = ${l.rgwData}
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw enable usage log = false
# Deleted objects' data is reclaimed within minutes instead of hours.
rgw gc obj min wait = 60
rgw gc processor period = 120
`;
}
