/**
 * HTTP compression both ways. Request bodies: INSERT data in a compressed Content-Encoding is
 * handed to the engine as is (`FROM INFILE ... COMPRESSION 'gzip'`, decompressed natively);
 * bodies that must be read as SQL are decompressed here. Responses: compressed when the
 * request sets `enable_http_compression=1` and Accept-Encoding allows it, as clickhouse-server does.
 */
import type { Transform } from 'node:stream';
import { constants, createBrotliCompress, createBrotliDecompress, createDeflate, createGzip, createUnzip } from 'node:zlib';
import { EndpointError } from './errors';

/** Content-Encoding names ClickHouse reads, with its own method names for FROM INFILE COMPRESSION. */
const ENGINE_METHODS: Record<string, string> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
  zstd: 'zstd',
  xz: 'xz',
  lz4: 'lz4',
  bz2: 'bz2',
  snappy: 'snappy',
};

export interface RequestEncoding {
  /** The ClickHouse compression method, or undefined for an uncompressed body. */
  engineMethod: string | undefined;
  /** A decompressor for reading the body here; undefined when uncompressed. Throws for methods only the engine knows. */
  decompressor(): Transform | undefined;
}

/** Reads a request's Content-Encoding; unknown names give clickhouse-server's UNKNOWN_COMPRESSION_METHOD. */
export function requestEncoding(contentEncoding: string | undefined): RequestEncoding {
  const name = (contentEncoding ?? '').trim().toLowerCase();
  if (name === '' || name === 'identity' || name === 'none') return { engineMethod: undefined, decompressor: () => undefined };
  const method = ENGINE_METHODS[name];
  if (!method) throw new EndpointError('UNKNOWN_COMPRESSION_METHOD', `Unknown compression method '${name.slice(0, 32)}'. Supported: gzip, deflate, br, zstd, xz, lz4, bz2, snappy`);
  return {
    engineMethod: method,
    decompressor: () => {
      if (method === 'gzip' || method === 'deflate') return createUnzip();
      if (method === 'br') return createBrotliDecompress();
      throw new EndpointError(
        'NOT_IMPLEMENTED',
        `A ${name}-compressed body can carry INSERT data only (query in the URL, data in the body); send the SQL itself uncompressed or gzip-compressed`,
      );
    },
  };
}

export type ResponseEncoding = 'gzip' | 'deflate' | 'br';

/** The response encoding to use: gzip, then deflate, then br, among those the client accepts. */
export function chooseResponseEncoding(acceptEncoding: string | undefined): ResponseEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...attrs] = part.trim().split(';');
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    const q = attrs.map((a) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(a)).find((m) => m);
    if (q && Number(q[1]) === 0) continue;
    accepted.add(name === 'x-gzip' ? 'gzip' : name);
  }
  for (const candidate of ['gzip', 'deflate', 'br'] as const) if (accepted.has(candidate) || accepted.has('*')) return candidate;
  return undefined;
}

/** A zlib or brotli stream: a Transform that can flush what it holds. */
export type Compressor = Transform & { flush(callback: () => void): void };

/** A compressor for a response; `level` is http_zlib_compression_level (1-9). */
export function createCompressor(encoding: ResponseEncoding, level: number): Compressor {
  if (encoding === 'gzip') return createGzip({ level });
  if (encoding === 'deflate') return createDeflate({ level });
  return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: Math.min(level, 11) } });
}
