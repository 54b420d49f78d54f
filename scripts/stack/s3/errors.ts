/** The local S3 server (Ceph RGW) could not be installed, started, checked or stopped. */
export class S3ServerError extends Error {
  override readonly name = 'S3ServerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
