/**
 * Named pipes between this process and the engine, so data streams both ways without the
 * event loop ever waiting on the engine: a SELECT writes its result `INTO OUTFILE` a pipe we read
 * (chDB's own streaming API plans the query on the JavaScript thread, which can take seconds, e.g.
 * schema inference over S3), and an INSERT reads its data `FROM INFILE` a pipe we write while the
 * request body is still arriving. Pipes are made with `mkfifo` (coreutils) in a private temporary
 * folder and reused.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class FifoPool {
  private dir: string | undefined;
  private readonly free: string[] = [];
  private count = 0;
  private growing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly parentDir: string = tmpdir()) {}

  /** A pipe no one uses; released with {@link release}. */
  async acquire(): Promise<string> {
    for (;;) {
      if (this.closed) throw new Error('The pipe pool is closed.');
      const path = this.free.pop();
      if (path) return path;
      this.growing ??= this.grow(4).finally(() => {
        this.growing = undefined;
      });
      await this.growing;
    }
  }

  /** Returns a pipe; one left in an unknown state (a failed or cancelled query) is deleted instead. */
  release(path: string, reusable: boolean): void {
    if (reusable && !this.closed) this.free.push(path);
    else rmSync(path, { force: true });
  }

  close(): void {
    this.closed = true;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async grow(n: number): Promise<void> {
    this.dir ??= mkdtempSync(join(this.parentDir, 'kit-fifo-'));
    const paths = Array.from({ length: n }, () => join(this.dir!, `p${this.count++}`));
    await new Promise<void>((resolve, reject) =>
      execFile('mkfifo', ['-m', '600', ...paths], (e) => (e ? reject(new Error(`Cannot create named pipes with mkfifo: ${e.message}`)) : resolve())),
    );
    this.free.push(...paths);
  }
}

/**
 * The reading end of a pipe the engine writes a result into. A second, idle writer descriptor of
 * our own keeps the pipe from reporting end-of-data before the engine opens it; {@link writerDone}
 * closes it once the query has settled, so reading ends after the last byte.
 */
export class FifoReader {
  private readonly socket: Socket;
  private writerFd: number | undefined;

  constructor(path: string) {
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.writerFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    this.socket = new Socket({ fd: readFd, readable: true, writable: false });
    this.socket.on('error', () => undefined);
  }

  chunks(): AsyncIterator<Buffer> {
    return (this.socket as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  writerDone(): void {
    if (this.writerFd === undefined) return;
    closeSync(this.writerFd);
    this.writerFd = undefined;
  }

  /** Closes both ends: an engine still writing gets EPIPE and fails. */
  destroy(): void {
    this.writerDone();
    this.socket.destroy();
  }
}

/**
 * The writing end of a pipe the engine reads INSERT data from. It opens only once the engine has
 * opened its end (a non-blocking open fails until then): closing a pipe no one reads yet would
 * drop the data and leave the engine waiting for a writer forever. Closing it is the end of the
 * data; if the engine stops reading, writes fail (EPIPE) and stop.
 */
export class FifoWriter {
  private socket: Socket | undefined;
  private closed = false;

  constructor(private readonly path: string) {}

  /** Waits for the engine to open the pipe; false when `stop` settles first (the query never read). */
  private async open(stop: Promise<unknown>): Promise<boolean> {
    if (this.socket) return !this.socket.destroyed;
    let stopped = false;
    void stop.then(
      () => (stopped = true),
      () => (stopped = true),
    );
    for (let attempt = 0; !stopped && !this.closed; attempt++) {
      try {
        const fd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
        this.socket = new Socket({ fd, readable: false, writable: true });
        this.socket.on('error', () => undefined);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
      }
      // The engine opens its input right after planning: poll briefly, then back off.
      await new Promise((r) => (attempt < 20 ? setImmediate(r) : setTimeout(r, Math.min(20, attempt - 19))));
    }
    return false;
  }

  /** Writes a chunk, waiting while the pipe is full; false when the query stopped reading. */
  async write(chunk: Uint8Array, stop: Promise<unknown>): Promise<boolean> {
    if (!(await this.open(stop))) return false;
    const socket = this.socket!;
    if (socket.destroyed) return false;
    if (socket.write(chunk)) return true;
    const outcome = await Promise.race([
      once(socket, 'drain').then(() => 'drain', () => 'closed'),
      once(socket, 'close').then(() => 'closed'),
      stop.then(() => 'stop', () => 'stop'),
    ]);
    return outcome === 'drain';
  }

  /** Waits until everything written is in the pipe, then closes it: the engine reads end-of-data. */
  async end(stop: Promise<unknown>): Promise<void> {
    // Even without data, the engine must see a writer come and go to read end-of-data.
    if (!(await this.open(stop))) return;
    const socket = this.socket!;
    if (!socket.destroyed && socket.writableLength > 0) {
      await Promise.race([once(socket, 'drain').catch(() => undefined), once(socket, 'close'), stop.catch(() => undefined)]);
    }
    socket.destroy();
  }

  destroy(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
