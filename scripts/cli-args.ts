/** Command-line values shared by the `npm run` entry points. */

/** A numeric option (`--events 10_000_000`), or undefined when it was not given. */
export function numberArg(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n)) throw new Error(`${name} expects a number, got "${v}".`);
  return n;
}
