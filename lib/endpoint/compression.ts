/**
 * HTTP compression both ways. Request bodies: INSERT data in a compressed Content-Encoding is
 * handed to the engine as is (`FROM INFILE ... COMPRESSION 'gzip'`, decompressed natively);
 * bodies that must be read as SQL are decompressed here. Responses: compressed when the
 * request sets `enable_http_compression=1` and Accept-Encoding allows it, as clickhouse-server does.
 */
import type { Transform } from 'node:stream';
import {
  brotliCompress,
  constants,
  createBrotliCompress,
  createBrotliDecompress,
  createDeflate,
  createGzip,
  createUnzip,
  deflate,
  gzip,
} from 'node:zlib';
import { promisify } from 'node:util';
// Node 20's zlib has no zstd (it came in 22.15): the maintained native binding does it.
import { compress as zstdCompress, CompressStream, DecompressStream } from 'zstd-napi';
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
  if (name === '' || name === 'identity' || name === 'none')
    return { engineMethod: undefined, decompressor: () => undefined };
  const method = ENGINE_METHODS[name];
  if (!method)
    throw new EndpointError(
      'UNKNOWN_COMPRESSION_METHOD',
      `Unknown compression method '${name.slice(0, 32)}'. Supported: gzip, deflate, br, zstd, xz, lz4, bz2, snappy`,
    );
  return {
    engineMethod: method,
    decompressor: () => {
      if (method === 'gzip' || method === 'deflate') return createUnzip();
      if (method === 'br') return createBrotliDecompress();
      if (method === 'zstd') return new DecompressStream();
      throw new EndpointError(
        'NOT_IMPLEMENTED',
        `A ${name}-compressed body can carry INSERT data only (query in the URL, data in the body); send the SQL itself uncompressed or compressed with gzip, deflate, br or zstd`,
      );
    },
  };
}

export type ResponseEncoding = 'zstd' | 'br' | 'gzip' | 'deflate';

/**
 * The response encoding clickhouse-server picks from Accept-Encoding: the first of zstd, br, lz4,
 * snappy, gzip, deflate, xz, bz2 named anywhere in the header (a substring match, no q-values;
 * src/IO/CompressionMethod.cpp chooseHTTPCompressionMethod). lz4, snappy, xz and bz2 are not
 * produced here: a client naming only those gets an uncompressed answer.
 */
export function chooseResponseEncoding(acceptEncoding: string | undefined): ResponseEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const list = acceptEncoding.toLowerCase();
  for (const candidate of ['zstd', 'br', 'gzip', 'deflate'] as const) if (list.includes(candidate)) return candidate;
  return undefined;
}

/** A compressing stream: a Transform that can flush what it holds. */
export type Compressor = Transform & { flush(callback: () => void): void };

/** A compressor for a response; `level` is http_zlib_compression_level (1-9). */
export function createCompressor(encoding: ResponseEncoding, level: number): Compressor {
  if (encoding === 'gzip') return createGzip({ level });
  if (encoding === 'deflate') return createDeflate({ level });
  if (encoding === 'zstd') return new CompressStream({ compressionLevel: level });
  return createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: Math.min(level, 11) } });
}

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);
const brotliAsync = promisify(brotliCompress);

/** A whole body (a held result, an error text) compressed in one go. */
export async function compressWhole(encoding: ResponseEncoding, level: number, body: Buffer): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level });
  if (encoding === 'deflate') return deflateAsync(body, { level });
  if (encoding === 'zstd') return zstdCompress(body, { compressionLevel: level });
  return brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: Math.min(level, 11) } });
}
