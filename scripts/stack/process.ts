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
 * `npm start | tee start.log`: Ctrl-C ends tee too, and every later write to stdout fails with EPIPE, an 'error' event
 * that would end the process in the middle of its stop path. Dropping those errors lets stopping finish.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}
