/** @file Process helpers shared by the stack scripts (endpoint, S3 server, Jupyter): one answer to "is it running?". */
export { isProcessAlive } from '../../lib/engine';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * UV_THREADPOOL_SIZE for a process that hosts the engine: queries run on libuv's thread pool (one thread each), as do
 * file writes and compression; four threads (the default) would let four long queries stall everything else. Node reads
 * it once, when the pool starts, so it is set in the child's environment, never later.
 */
export const ENGINE_THREADPOOL_SIZE = '32';

/**
 * MALLOC_ARENA_MAX for a process that hosts the engine. chDB brings no allocator of its own (libchdb.so leaves
 * jemalloc's symbols undefined), so the engine's threads allocate with glibc, which gives threads arenas of their
 * own (up to 8 per core), each keeping what it freed: resident memory then follows the most any thread ever held.
 */
export const ENGINE_MALLOC_ARENAS = '2';

/**
 * MALLOC_MMAP_THRESHOLD_ for a process that hosts the engine: blocks from 4 MiB up (column buffers of a batch, a
 * merge, a Parquet row group) are mapped and unmapped on their own instead of staying in an arena. Setting it also
 * stops glibc from raising the threshold after each large free (up to 32 MiB), which let the endpoint's resident
 * memory grow with the size of a load (bench:bootstrap: 10M / 1M events 1.21x without, 1.08x with).
 */
export const ENGINE_MMAP_THRESHOLD = String(4 * 2 ** 20);

/** The allocator settings above, as environment variables (a value the user set wins). */
export function engineMallocEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? ENGINE_MALLOC_ARENAS,
    MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? ENGINE_MMAP_THRESHOLD,
  };
}

/**
 * `npm start | tee start.log`: Ctrl-C ends tee too, and every later write to stdout fails with EPIPE, an 'error' event
 * that would end the process in the middle of its stop path. Dropping those errors lets stopping finish.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}
