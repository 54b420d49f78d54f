import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

/** Placeholder in `.env.example` for values `ensureEnvFile` fills with random secrets. */
const GENERATED = '<generated>';

function randomValue(key: string): string {
  // S3 access key ids are conventionally upper-case alphanumerics; secrets are longer.
  if (key === 'S3_ACCESS_KEY_ID') return 'KIT' + randomBytes(9).toString('hex').toUpperCase();
  return randomBytes(24).toString('base64url');
}

/**
 * Creates `<root>/.env` from `.env.example` when it does not exist, filling every `<generated>`
 * value with a fresh random secret; fills `<generated>` values left in an existing file too.
 * Never prints the values. Returns the keys it generated.
 */
export function ensureEnvFile(root: string): { created: boolean; generated: string[] } {
  const target = join(root, '.env');
  const created = !existsSync(target);
  const source = created ? readFileSync(join(root, '.env.example'), 'utf8') : readFileSync(target, 'utf8');
  const generated: string[] = [];
  const out = source
    .split('\n')
    .map((line) => {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (!m || m[2]!.trim() !== GENERATED) return line;
      generated.push(m[1]!);
      return `${m[1]}=${randomValue(m[1]!)}`;
    })
    .join('\n');
  if (created || generated.length > 0) {
    writeFileSync(target, out, { mode: 0o600 });
    chmodSync(target, 0o600);
  }
  return { created, generated };
}
