/**
 * Named pipes between this process and the engine, so data streams both ways without the
 * event loop ever waiting on the engine: a SELECT writes its result `INTO OUTFILE` a pipe we read
 * (chDB's own streaming API plans the query on the JavaScript thread, which can take seconds, e.g.
 * schema inference over S3), and an INSERT reads its data `FROM INFILE` a pipe we write while the
 * request body is still arriving. Pipes are made with `mkfifo` (coreutils) in a private temporary
 * folder, ahead of time, and each is used once.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readSync, rmSync, unlink } from 'node:fs';
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

  /**
   * A fresh pipe, used once: a pipe the engine may still hold open from an earlier query could
   * swallow data or keep a reader waiting. Pipes are made ahead of time in batches, off the
   * request path.
   */
  async acquire(): Promise<string> {
    for (;;) {
      if (this.closed) throw new Error('The pipe pool is closed.');
      if (this.free.length < LOW_WATER) this.refill();
      const path = this.free.pop();
      if (path) return path;
      await this.growing;
    }
  }

  /**
   * Deletes a used pipe (whoever still holds it keeps it alive until they close it), off the
   * request path: a synchronous unlink on every query showed up as a tenth of the endpoint's own time.
   */
  release(path: string): void {
    unlink(path, () => undefined);
  }

  /** Removes the pipe folder once no batch is still being made into it. */
  async close(): Promise<void> {
    this.closed = true;
    await this.growing?.catch(() => undefined);
    if (!this.dir) return;
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      /* a leftover folder is removed by the next process (removeStaleFolders) */
    }
  }

  private refill(): void {
    this.growing ??= this.grow(BATCH).finally(() => {
      this.growing = undefined;
    });
  }

  private async grow(n: number): Promise<void> {
    if (!this.dir) {
      removeStaleFolders(this.parentDir);
      this.dir = mkdtempSync(join(this.parentDir, `kit-fifo-${process.pid}-`));
    }
    const paths = Array.from({ length: n }, () => join(this.dir!, `p${this.count++}`));
    await new Promise<void>((resolve, reject) =>
      execFile('mkfifo', ['-m', '600', ...paths], (e) =>
        e ? reject(new Error(`Cannot create named pipes with mkfifo: ${e.message}`)) : resolve(),
      ),
    );
    if (this.closed) return;
    this.free.push(...paths);
  }
}

// Making pipes forks a process (a few ms of stalled event loop): rarely, and many at a time.
const BATCH = 1024;
const FOLDER = /^kit-fifo-(\d+)-/;

/** Pipe folders of processes that died without cleaning up (kill -9). */
function removeStaleFolders(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(FOLDER.exec(name)?.[1]);
    if (!pid || pid === process.pid || processExists(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
const LOW_WATER = 128;
// One read buffer for every quick result (reads are synchronous): a fresh 64 KiB per query, and a
// second for the EAGAIN read, was most of the endpoint's garbage for small queries.
const scratch = Buffer.allocUnsafe(65536);

/**
 * The reading end of a pipe the engine writes a result into. A second, idle writer descriptor of
 * our own keeps the pipe from reporting end-of-data before the engine opens it; {@link writerDone}
 * closes it once the query has settled, so reading ends after the last byte. A result that is
 * complete by then (it fits the pipe) is taken in one go with {@link readAvailable}; a longer one
 * streams through {@link chunks}.
 */
export class FifoReader {
  private readonly readFd: number;
  private writerFd: number | undefined;
  private socket: Socket | undefined;
  private fdOwned = true;

  constructor(path: string) {
    this.readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.writerFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  }

  /** Streams what arrives, as it arrives. */
  chunks(): AsyncIterator<Buffer> {
    if (!this.socket) {
      this.socket = new Socket({ fd: this.readFd, readable: true, writable: false });
      this.socket.on('error', () => undefined);
      this.fdOwned = false;
    }
    return (this.socket as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Everything in the pipe now, without waiting (the query has ended and its output fit the pipe). */
  readAvailable(): Buffer {
    const parts: Buffer[] = [];
    for (;;) {
      let n: number;
      try {
        n = readSync(this.readFd, scratch, 0, scratch.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
      if (n === 0) break;
      parts.push(Buffer.from(scratch.subarray(0, n)));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  writerDone(): void {
    if (this.writerFd === undefined) return;
    closeSync(this.writerFd);
    this.writerFd = undefined;
  }

  /** Closes both ends: an engine still writing gets EPIPE and fails. */
  destroy(): void {
    this.writerDone();
    if (this.socket) this.socket.destroy();
    else if (this.fdOwned) {
      this.fdOwned = false;
      closeSync(this.readFd);
    }
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
    return drained(socket, stop);
  }

  /** Waits until everything written is in the pipe, then closes it: the engine reads end-of-data. */
  async end(stop: Promise<unknown>): Promise<void> {
    // Even without data, the engine must see a writer come and go to read end-of-data.
    if (!(await this.open(stop))) return;
    const socket = this.socket!;
    if (!socket.destroyed && socket.writableLength > 0) {
      // 'drain' only follows a write that returned false; a write's callback always comes, in order.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('close', done);
          resolve();
        };
        socket.write(Buffer.alloc(0), done);
        socket.on('close', done);
        stop.then(done, done);
      });
    }
    socket.destroy();
  }

  destroy(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}

/** Waits for 'drain' (true), or for the socket to close or `stop` to settle (false); leaves no listener behind. */
function drained(socket: Socket, stop: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => finish(true);
    const onClose = (): void => finish(false);
    socket.on('drain', onDrain);
    socket.on('close', onClose);
    stop.then(
      () => finish(false),
      () => finish(false),
    );
  });
}
