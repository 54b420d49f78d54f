/** A lake operation was asked for something it cannot do; the message says what to change. */
export class LakeError extends Error {
  override readonly name: string = 'LakeError';
}
