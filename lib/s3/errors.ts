import { scrubSecrets } from '../config';
import type { Secret } from '../config';

/** Why an S3 operation failed, as a program can act on it. */
export type S3ErrorReason =
  | 'no-such-bucket'
  | 'no-such-key'
  | 'bad-credentials'
  | 'access-denied'
  | 'unreachable'
  | 'aborted'
  | 'invalid-input'
  | 'failed';

export interface S3ErrorTarget {
  operation: string;
  endpoint: string;
  bucket?: string;
  key?: string;
}

/**
 * A failed S3 operation. The message names the operation, the URL, bucket and key, says what
 * went wrong and what to do; it never holds the secret key (the SDK's own error is not kept as
 * `cause`: only its code, HTTP status and request id are).
 */
export class S3Error extends Error {
  override readonly name = 'S3Error';
  readonly operation: string;
  readonly url: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;

  constructor(
    readonly reason: S3ErrorReason,
    target: S3ErrorTarget,
    detail: string,
    readonly code?: string,
    readonly status?: number,
    readonly requestId?: string,
  ) {
    const url = objectUrl(target.endpoint, target.bucket, target.key);
    super(`S3 ${target.operation} ${url}: ${detail}`);
    this.operation = target.operation;
    this.url = url;
    this.bucket = target.bucket;
    this.key = target.key;
  }
}

export function objectUrl(endpoint: string, bucket?: string, key?: string): string {
  if (!bucket) return endpoint;
  return `${endpoint}/${bucket}/${key ?? ''}`;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  errors?: unknown[];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * Turns whatever the SDK threw into an {@link S3Error} with a clear message. `secrets` are
 * scrubbed from any text taken over from the SDK, as a last line of defence.
 */
export function toS3Error(
  error: unknown,
  target: S3ErrorTarget,
  secrets: ReadonlyArray<Secret | string> = [],
): S3Error {
  if (error instanceof S3Error) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const code = networkCode(e) ?? e.name ?? e.code;
  const clean = (s: string) => scrubSecrets(s, secrets);
  const make = (reason: S3ErrorReason, detail: string) =>
    new S3Error(reason, target, clean(detail), code, status, requestId);

  if (networkCode(e)) {
    return make(
      'unreachable',
      `cannot reach the S3 endpoint ${target.endpoint} (${networkCode(e)}). Is the server running (npm run s3:start for the local one) and S3_ENDPOINT right?`,
    );
  }
  if (e.name === 'AbortError' || e.name === 'RequestAbortedError' || e.code === 'ABORT_ERR') {
    return make('aborted', 'the operation was aborted before it finished; nothing was stored.');
  }
  if (e.name === 'TimeoutError') {
    return make(
      'unreachable',
      `the S3 endpoint ${target.endpoint} did not answer in time. Is the server running and S3_ENDPOINT right?`,
    );
  }
  switch (e.name) {
    case 'NoSuchBucket':
      return make(
        'no-such-bucket',
        `bucket "${target.bucket}" does not exist. Create it with ensureBucket() or check S3_BUCKET.`,
      );
    case 'NoSuchKey':
      return make(
        'no-such-key',
        `object "${target.key}" does not exist in bucket "${target.bucket}". Check the key, or list the prefix with listObjects().`,
      );
    case 'InvalidAccessKeyId':
      return make(
        'bad-credentials',
        'the server does not know this access key id. Check S3_ACCESS_KEY_ID (and S3_SECRET_ACCESS_KEY) in .env.',
      );
    case 'SignatureDoesNotMatch':
      return make(
        'bad-credentials',
        'the request signature does not match: the secret key is wrong. Check S3_SECRET_ACCESS_KEY in .env.',
      );
    case 'AccessDenied':
    case 'Forbidden':
      return make('access-denied', 'access denied. The credentials are valid but may not use this bucket or key.');
    default:
      break;
  }
  // HEAD requests have no error body: only the status tells what happened.
  if (status === 404 || e.name === 'NotFound') {
    return target.key !== undefined
      ? make(
          'no-such-key',
          `object "${target.key}" (or bucket "${target.bucket}") does not exist. Check the key and S3_BUCKET.`,
        )
      : make(
          'no-such-bucket',
          `bucket "${target.bucket}" does not exist. Create it with ensureBucket() or check S3_BUCKET.`,
        );
  }
  if (status === 403) {
    return make(
      'bad-credentials',
      'the server refused the credentials (HTTP 403). Check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY in .env.',
    );
  }
  const what = [e.name, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  const message = e.message && e.message !== 'UnknownError' ? e.message : 'unknown error';
  return make('failed', `${message}${what ? ` (${what})` : ''}.`);
}

function networkCode(e: SdkErrorShape): string | undefined {
  if (e.code && NETWORK_CODES.has(e.code)) return e.code;
  // Node's fetch/http wraps happy-eyeballs failures in an AggregateError.
  for (const inner of e.errors ?? []) {
    const c = (inner as SdkErrorShape).code;
    if (c && NETWORK_CODES.has(c)) return c;
  }
  return undefined;
}
