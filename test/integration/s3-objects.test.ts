import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, Secret } from '../../lib/config';
import type { KitConfig } from '../../lib/config';
import {
  abortMultipartUploads,
  createS3Client,
  deleteByPrefix,
  downloadFile,
  downloadFrame,
  downloadStream,
  ensureBucket,
  getObject,
  getObjectText,
  headObject,
  listAllObjects,
  listMultipartUploads,
  objectExists,
  putObject,
  S3Error,
  uploadFile,
  uploadFrame,
  uploadStream,
} from '../../lib/s3';
import type { KitS3, TransferProgress } from '../../lib/s3';
import { startS3Server } from '../../scripts/stack/s3-server';

const MIB = 1024 * 1024;
let config: KitConfig;
let s3: KitS3;
const prefix = `test/s3-objects/${randomUUID()}/`;
const work = mkdtempSync(join(tmpdir(), 'kit-s3-'));

beforeAll(async () => {
  config = loadConfig();
  await startS3Server(config);
  s3 = createS3Client(config);
});

afterAll(async () => {
  if (s3) {
    await deleteByPrefix(s3, prefix);
    await abortMultipartUploads(s3, prefix);
    s3.client.destroy();
  }
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every text an error exposes: message, stack, JSON, inspection. */
function errorTexts(e: unknown): string {
  return [String(e), (e as Error).stack ?? '', JSON.stringify(e), JSON.stringify(Object.entries(e as object))].join(
    '\n',
  );
}

async function failure(work: Promise<unknown>): Promise<S3Error> {
  const e = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected the operation to fail').toBeInstanceOf(S3Error);
  return e as S3Error;
}

/** A readable that yields `chunks` MiB of data, calling `at(i)` before each chunk. */
function slowSource(chunks: number, at: (i: number) => void): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < chunks; i++) {
        at(i);
        yield randomBytes(MIB);
        await new Promise((r) => setTimeout(r, 2));
      }
    })(),
  );
}

describe('objects', () => {
  it('ensureBucket is idempotent on the configured bucket', async () => {
    expect(await ensureBucket(s3)).toEqual({ created: false });
    expect(await ensureBucket(s3)).toEqual({ created: false });
  });

  it('puts and gets buffers and strings', async () => {
    const data = randomBytes(100_000);
    await putObject(s3, `${prefix}bytes.bin`, data);
    expect(sha(await getObject(s3, `${prefix}bytes.bin`))).toBe(sha(data));
    await putObject(s3, `${prefix}text.txt`, 'grüße, ✓');
    expect(await getObjectText(s3, `${prefix}text.txt`)).toBe('grüße, ✓');
    expect((await headObject(s3, `${prefix}bytes.bin`)).size).toBe(100_000);
  });

  it('refuses to overwrite with ifAbsent', async () => {
    await putObject(s3, `${prefix}once.txt`, 'first');
    const e = await failure(putObject(s3, `${prefix}once.txt`, 'second', { ifAbsent: true }));
    expect(e.status).toBe(412);
    expect(await getObjectText(s3, `${prefix}once.txt`)).toBe('first');
  });

  it('uploads a large file in parts with progress, and downloads it back', async () => {
    const file = join(work, 'big.bin');
    const data = randomBytes(23 * MIB);
    writeFileSync(file, data);
    const seen: TransferProgress[] = [];
    await uploadFile(s3, file, `${prefix}big.bin`, { partSize: 5 * MIB, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(seen.at(-1)).toMatchObject({ loadedBytes: data.length, totalBytes: data.length });
    expect(seen.map((p) => p.loadedBytes)).toEqual([...seen.map((p) => p.loadedBytes)].sort((a, b) => a - b));
    // A multipart object's ETag has the "-<parts>" suffix: it really went in parts.
    expect((await headObject(s3, `${prefix}big.bin`)).etag).toMatch(/-5"?$/);

    const target = join(work, 'big.copy');
    const down: TransferProgress[] = [];
    const { bytes } = await downloadFile(s3, `${prefix}big.bin`, target, { onProgress: (p) => down.push(p) });
    expect(bytes).toBe(data.length);
    expect(down.at(-1)).toMatchObject({ loadedBytes: data.length, totalBytes: data.length });
    expect(sha(readFileSync(target))).toBe(sha(data));
  });

  it('streams up and down', async () => {
    const chunks: Buffer[] = [];
    const source = slowSource(7, () => undefined).map((b: Buffer) => (chunks.push(b), b));
    await uploadStream(s3, `${prefix}stream.bin`, source, { partSize: 5 * MIB });
    const { stream, size } = await downloadStream(s3, `${prefix}stream.bin`);
    const got: Buffer[] = [];
    for await (const c of stream) got.push(c as Buffer);
    expect(size).toBe(7 * MIB);
    expect(sha(Buffer.concat(got))).toBe(sha(Buffer.concat(chunks)));
  });

  it('lists by prefix page by page and deletes by prefix', async () => {
    const sub = `${prefix}list/`;
    const keys = Array.from({ length: 7 }, (_, i) => `${sub}k${String(i).padStart(2, '0')}`);
    for (const k of keys) await putObject(s3, k, k);
    await putObject(s3, `${prefix}list-sibling`, 'not under list/');
    const listed = await listAllObjects(s3, sub, { pageSize: 2 });
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.every((o) => o.size === keys[0]!.length)).toBe(true);
    expect(await listAllObjects(s3, sub, { pageSize: 2, limit: 3 })).toHaveLength(3);
    expect(await deleteByPrefix(s3, sub)).toEqual({ deleted: 7 });
    expect(await listAllObjects(s3, sub)).toEqual([]);
    expect(await objectExists(s3, `${prefix}list-sibling`)).toBe(true);
  });
});

describe('frames as Parquet', () => {
  it('round-trips a DataFrame exactly: values, nulls and types', async () => {
    const frame = pl.DataFrame([
      // BigInt64Array: nodejs-polars turns a plain array of bigints into nulls for Int64.
      pl.Series('id', BigInt64Array.from([1n, -2n, 9007199254740993n])),
      pl.Series('maybe', [1, null, 3], pl.Int64),
      pl.Series('small', [1, -2, 3], pl.Int32),
      pl.Series('byte', [0, 255, 7], pl.UInt8),
      pl.Series('big', [18446744073709551615n, 0n, 42n], pl.UInt64),
      pl.Series('ratio', [0.1, Number.NaN, -1e300], pl.Float64),
      pl.Series('f32', [1.5, 2.25, -0.125], pl.Float32),
      pl.Series('name', ['a', null, 'ü✓'], pl.Utf8),
      pl.Series('flag', [true, null, false], pl.Bool),
      pl.Series('day', [new Date('2024-01-01'), new Date('1969-12-31'), null], pl.Date),
      pl.Series('at', [new Date('2024-01-01T12:34:56.789Z'), null, new Date(0)], pl.Datetime('ms')),
      pl.Series('tags', [['x'], [], ['y', 'z']], pl.List(pl.Utf8)),
    ]);
    const { bytes } = await uploadFrame(s3, `${prefix}frame.parquet`, frame);
    expect(bytes).toBeGreaterThan(0);
    const back = await downloadFrame(s3, `${prefix}frame.parquet`);
    expect(back.columns).toEqual(frame.columns);
    expect(back.dtypes.map(String)).toEqual(frame.dtypes.map(String));
    expect(back.frameEqual(frame, true)).toBe(true);
    // Spot checks that frameEqual compared real values (not, say, columns of nulls).
    expect(back.getColumn('id').cast(pl.Utf8).toArray()).toEqual(['1', '-2', '9007199254740993']);
    expect(back.getColumn('big').toArray()).toEqual([18446744073709551615n, 0n, 42n]);
    expect(back.getColumn('name').toArray()).toEqual(['a', null, 'ü✓']);
    expect(
      back
        .getColumn('tags')
        .toArray()
        .map((v) => [...(v as Iterable<string>)]),
    ).toEqual([['x'], [], ['y', 'z']]);
    expect(back.getColumn('at').toArray()).toEqual([new Date('2024-01-01T12:34:56.789Z'), null, new Date(0)]);
    expect(frame.nullCount().row(0)).toEqual(back.nullCount().row(0));
  });

  it('uploads a frame larger than a part in several parts', async () => {
    const n = 1_500_000;
    const frame = pl.DataFrame({
      a: Array.from({ length: n }, (_, i) => (i * 7919) % 1_000_003),
      b: Array.from({ length: n }, () => Math.random()),
    });
    const { bytes } = await uploadFrame(s3, `${prefix}frame-big.parquet`, frame, {
      compression: 'uncompressed',
      partSize: 5 * MIB,
    });
    expect(bytes).toBeGreaterThan(10 * MIB);
    expect((await headObject(s3, `${prefix}frame-big.parquet`)).etag).toMatch(/-\d+"?$/);
    expect((await downloadFrame(s3, `${prefix}frame-big.parquet`)).frameEqual(frame)).toBe(true);
  });
});

describe('interrupted uploads leave nothing', () => {
  it('aborting the signal mid-upload stores no object and no multipart upload', async () => {
    const key = `${prefix}aborted.bin`;
    const ac = new AbortController();
    const e = await failure(
      uploadStream(
        s3,
        key,
        slowSource(40, (i) => i === 17 && ac.abort()),
        { partSize: 5 * MIB, signal: ac.signal },
      ),
    );
    expect(e.reason).toBe('aborted');
    expect(e.message).toContain(key);
    expect(await objectExists(s3, key)).toBe(false);
    expect(await listMultipartUploads(s3, prefix)).toEqual([]);
  });

  it('a failing source stream stores no object and no multipart upload', async () => {
    const key = `${prefix}broken.bin`;
    const source = slowSource(40, (i) => {
      if (i === 12) throw new Error('disk went away');
    });
    const e = await failure(uploadStream(s3, key, source, { partSize: 5 * MIB }));
    expect(e.reason).toBe('aborted');
    expect(e.message).toContain('disk went away');
    expect(await objectExists(s3, key)).toBe(false);
    expect(await listMultipartUploads(s3, prefix)).toEqual([]);
  });

  it('a stream destroyed before its end is not stored as a short object', async () => {
    const key = `${prefix}destroyed.bin`;
    const source = slowSource(3, () => undefined);
    setTimeout(() => source.destroy(), 1);
    await failure(uploadStream(s3, key, source, { partSize: 5 * MIB }));
    expect(await objectExists(s3, key)).toBe(false);
  });

  it('an aborted download leaves no file', async () => {
    await putObject(s3, `${prefix}dl.bin`, randomBytes(3 * MIB));
    const dir = mkdtempSync(join(work, 'dl-'));
    const ac = new AbortController();
    const e = await failure(
      downloadFile(s3, `${prefix}dl.bin`, join(dir, 'dl.bin'), {
        signal: ac.signal,
        onProgress: (p) => p.loadedBytes > MIB && ac.abort(),
      }),
    );
    expect(e.reason).toBe('aborted');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('bad inputs give clear errors without the secret', () => {
  const secret = () => config.s3.secretAccessKey.reveal();
  const variant = (s3Settings: Partial<KitConfig['s3']>): KitS3 =>
    createS3Client({ ...config, s3: { ...config.s3, ...s3Settings } }, { maxAttempts: 1 });

  it('missing bucket', async () => {
    const e = await failure(getObject(s3, 'x', { bucket: 'kit-no-such-bucket' }));
    expect(e.reason).toBe('no-such-bucket');
    expect(e.message).toContain('kit-no-such-bucket');
    expect(e.url).toBe(`${config.s3.endpoint}/kit-no-such-bucket/x`);
  });

  it('missing key (GET and HEAD)', async () => {
    const key = `${prefix}does-not-exist.parquet`;
    for (const op of [() => getObject(s3, key), () => headObject(s3, key), () => downloadFrame(s3, key)]) {
      const e = await failure(op());
      expect(e.reason).toBe('no-such-key');
      expect(e.message).toContain(key);
      expect(e.message).toContain(config.s3.bucket);
    }
  });

  it('wrong secret key', async () => {
    const bad = variant({ secretAccessKey: new Secret('not-the-secret-at-all-1234') });
    const e = await failure(getObject(bad, `${prefix}bytes.bin`));
    expect(e.reason).toBe('bad-credentials');
    expect(e.message).toMatch(/S3_SECRET_ACCESS_KEY/);
    expect(errorTexts(e)).not.toContain('not-the-secret-at-all-1234');
  });

  it('unknown access key', async () => {
    const e = await failure(listAllObjects(variant({ accessKeyId: 'KITUNKNOWNKEY' }), prefix));
    expect(e.reason).toBe('bad-credentials');
    expect(e.message).toMatch(/S3_ACCESS_KEY_ID/);
  });

  it('unreachable endpoint', async () => {
    const e = await failure(putObject(variant({ endpoint: 'http://127.0.0.1:9' }), `${prefix}x`, 'x'));
    expect(e.reason).toBe('unreachable');
    expect(e.message).toContain('http://127.0.0.1:9');
    expect(e.message).toMatch(/s3:start|S3_ENDPOINT/);
  });

  it('missing credentials', () => {
    expect(() => createS3Client({ ...config, s3: { ...config.s3, secretAccessKey: new Secret('') } })).toThrow(
      /S3_SECRET_ACCESS_KEY/,
    );
  });

  it('invalid keys, prefixes, bucket names and part sizes', async () => {
    expect((await failure(putObject(s3, '', 'x'))).reason).toBe('invalid-input');
    expect((await failure(putObject(s3, '/abs', 'x'))).message).toMatch(/starts with "\/"/);
    expect((await failure(getObject(s3, 'x', { bucket: 'Bad_Bucket' }))).message).toMatch(/not a valid bucket name/);
    expect((await failure(deleteByPrefix(s3, ''))).message).toMatch(/wholeBucket/);
    expect((await failure(uploadStream(s3, `${prefix}p`, Buffer.alloc(1), { partSize: MIB }))).message).toMatch(
      /5 MiB/,
    );
    expect((await failure(uploadFile(s3, join(work, 'nope.bin'), `${prefix}p`))).message).toMatch(/does not exist/);
  });

  it('no error text carries the secret', async () => {
    const errors = await Promise.all([
      failure(getObject(s3, `${prefix}missing`)),
      failure(getObject(s3, 'x', { bucket: 'kit-no-such-bucket' })),
      failure(putObject(variant({ endpoint: 'http://127.0.0.1:9' }), `${prefix}x`, 'x')),
    ]);
    for (const e of errors) expect(errorTexts(e)).not.toContain(secret());
    expect(existsSync(work)).toBe(true);
  });
});
