import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3ServerError } from './errors';
import { isProcessAlive, sleep } from '../process';

/**
 * A cross-process lock (a folder holding the owner's pid): two test runs or a notebook and a
 * script starting the server at once must not bootstrap the cluster twice. A lock whose owner
 * died is taken over.
 */
export async function withLock<T>(lockDir: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(lockDir);
      if (owner !== undefined ? !isProcessAlive(owner) : ageMs(lockDir) > 10_000) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new S3ServerError(
          `Another process (pid ${owner ?? 'unknown'}) is starting or stopping the S3 server (lock ${lockDir}); try again when it is done.`,
        );
      }
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readOwner(lockDir: string): number | undefined {
  try {
    const n = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined; // being created right now, or the owner died before writing it
  }
}
