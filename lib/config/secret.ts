import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A secret value that never prints itself. `String(s)`, `JSON.stringify`, `console.log`
 * and notebook displays all show `[REDACTED]`; only `reveal()` gives the value, so every
 * place that needs it is explicit and easy to audit.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Replaces every occurrence of the given secret values in a text (error messages, SQL
 * excerpts, log lines). Short values are skipped: masking "a" everywhere would wreck the text
 * without protecting anything.
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | Secret | undefined>): string {
  let out = text;
  for (const s of secrets) {
    const value = s instanceof Secret ? s.reveal() : s;
    if (!value || value.length < 4) continue;
    out = out.split(value).join(REDACTED);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out = out.split(encoded).join(REDACTED);
  }
  return out;
}

/** Removes `user:password@` from URLs and `password=...`-style parameters from any text. */
export function scrubCredentialsInText(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]*)@/gi, `$1$2:${REDACTED}@`)
    .replace(
      /\b(password|secret_access_key|aws_secret_access_key|session_token|jupyter_token)\s*=\s*('[^']*'|"[^"]*"|[^\s&,)]+)/gi,
      `$1=${REDACTED}`,
    )
    .replace(/\b(Authorization:\s*Basic\s+)[A-Za-z0-9+/=]+/gi, `$1${REDACTED}`);
}
