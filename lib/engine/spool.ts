import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface SpooledData {
  file: string;
  bytes: number;
  remove(): Promise<void>;
}

/**
 * Writes request data (an INSERT body) to a private temporary file, chunk by chunk, so the engine
 * can read it with `FROM INFILE`: memory stays flat whatever the size, and binary formats
 * (Parquet, Native) pass byte for byte. `parentDir` (default the OS temp folder) should be on a
 * disk with room for the largest body: a RAM-backed /tmp would hold it in memory.
 */
export async function spool(
  data: string | Uint8Array | NodeJS.ReadableStream | AsyncIterable<unknown>,
  suffix = '',
  parentDir: string = tmpdir(),
): Promise<SpooledData> {
  await mkdir(parentDir, { recursive: true });
  const dir = await mkdtemp(join(parentDir, 'kit-ingest-'));
  const file = join(dir, `data${suffix}`);
  let bytes = 0;
  const source =
    typeof data === 'string' || data instanceof Uint8Array
      ? Readable.from([Buffer.from(data)])
      : Readable.from(data as AsyncIterable<unknown>);
  const counter = async function* (chunks: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
      const b = typeof c === 'string' ? Buffer.from(c) : Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
      bytes += b.byteLength;
      yield b;
    }
  };
  try {
    await pipeline(source, counter, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { file, bytes, remove: () => rm(dir, { recursive: true, force: true }) };
}
