/** @file One engine per data folder per process, shared by reference count. */

interface Entry<T> {
  engine: T;
  refs: number;
}

const open = new Map<string, Entry<unknown>>();

/** The engine open on a data folder (one more reference to it), or a new one from `create`. */
export function acquireShared<T>(dataPath: string, create: () => T): T {
  const existing = open.get(dataPath);
  if (existing) {
    existing.refs++;
    return existing.engine as T;
  }
  const engine = create();
  open.set(dataPath, { engine, refs: 1 });
  return engine;
}

/** Drops one reference; true when it was the last (the caller then shuts the engine down). */
export function releaseShared(dataPath: string, engine: unknown): boolean {
  const entry = open.get(dataPath);
  if (entry && entry.engine === engine && --entry.refs > 0) return false;
  open.delete(dataPath);
  return true;
}
