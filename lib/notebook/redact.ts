import { loadConfig, scrubCredentialsInText, scrubSecrets, secretsOf } from '../config';

const SECRET_VARIABLES = ['CLICKHOUSE_PASSWORD', 'S3_SECRET_ACCESS_KEY', 'JUPYTER_TOKEN'] as const;

/** The kit's secret values: from the configuration (.env + environment), falling back to the environment alone. */
function knownSecrets(): string[] {
  const fromEnv = SECRET_VARIABLES.map((k) => process.env[k]).filter((v): v is string => !!v);
  try {
    return [...secretsOf(loadConfig()), ...fromEnv];
  } catch {
    // A broken setting must not stop a table from rendering; the environment still names the secrets.
    return fromEnv;
  }
}

export type Redactor = (text: string) => string;

/**
 * A function that removes the kit's secrets and any `user:password@` / `password=...`
 * credentials from text about to be shown. Reads the secrets once, so one render (a table of
 * many cells) costs one configuration read.
 */
export function makeRedactor(): Redactor {
  const secrets = knownSecrets();
  return (text) => scrubCredentialsInText(scrubSecrets(text, secrets));
}

export function redactForDisplay(text: string): string {
  return makeRedactor()(text);
}
