import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { WarehouseLockedError } from '../sql';

/** What the owner of a data folder writes next to the data: who holds it and where it serves it. */
export interface DataFolderOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** The ClickHouse HTTP URL when the owner is the local endpoint. */
  url?: string;
}

export const OWNER_FILE = 'kit-owner.json';

export function ownerFilePath(dataPath: string): string {
  return join(dataPath, OWNER_FILE);
}

/** The live owner of a data folder, if any (a stale file left by a killed process is ignored). */
export function readDataFolderOwner(dataPath: string): DataFolderOwner | undefined {
  let owner: DataFolderOwner;
  try {
    owner = JSON.parse(readFileSync(ownerFilePath(dataPath), 'utf8')) as DataFolderOwner;
  } catch {
    return undefined;
  }
  if (owner.host !== hostname() || !isProcessAlive(owner.pid)) return undefined;
  return owner;
}

/**
 * Claims a data folder for this process, or throws {@link WarehouseLockedError} naming the
 * folder, the owner and what to do. chDB itself refuses a second process with an opaque
 * message; this check runs first so the user gets a useful one.
 */
export function claimDataFolder(dataPath: string): void {
  mkdirSync(dataPath, { recursive: true });
  const owner = readDataFolderOwner(dataPath);
  if (owner && owner.pid !== process.pid) throw new WarehouseLockedError(dataPath, owner.pid, owner.url);
  const mine: DataFolderOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  writeFileSync(ownerFilePath(dataPath), JSON.stringify(mine));
}

/** Records the URL this process serves the folder at, so other processes can connect there. */
export function advertiseDataFolderUrl(dataPath: string, url: string): void {
  const owner = readDataFolderOwner(dataPath);
  if (!owner || owner.pid !== process.pid) return;
  writeFileSync(ownerFilePath(dataPath), JSON.stringify({ ...owner, url }));
}

/** Removes the advertised URL (the endpoint stopped serving; the process may still hold the folder). */
export function withdrawDataFolderUrl(dataPath: string): void {
  const owner = readDataFolderOwner(dataPath);
  if (!owner || owner.pid !== process.pid || owner.url === undefined) return;
  const { url: _url, ...rest } = owner;
  writeFileSync(ownerFilePath(dataPath), JSON.stringify(rest));
}

export function releaseDataFolder(dataPath: string): void {
  const owner = readDataFolderOwner(dataPath);
  if (owner && owner.pid === process.pid) rmSync(ownerFilePath(dataPath), { force: true });
}

/** True while the process runs: EPERM (another user's process) counts as running, a zombie (killed, not yet reaped) does not. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process not yet reaped by its parent (a zombie) answers signal 0 but holds nothing.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
