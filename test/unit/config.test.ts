import { inspect } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configEnvironment, loadConfig, parseDotenv, scrubSecrets, Secret } from '../../lib/config';

function rootWith(dotenv?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'kit-config-'));
  if (dotenv !== undefined) writeFileSync(join(root, '.env'), dotenv);
  return root;
}

describe('loadConfig', () => {
  it('reads defaults and resolves paths against the project root', () => {
    const root = rootWith();
    const c = loadConfig({ env: {}, root });
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.clickhouse.dataPath).toBe(join(root, 'storage', 'clickhouse'));
    expect(c.clickhouse.database).toBe('warehouse');
    expect(c.s3.endpoint).toBe('http://127.0.0.1:7480');
    expect(c.s3.port).toBe(7480);
    expect(c.jupyter.port).toBe(8888);
  });

  it('lets the environment win over .env', () => {
    const root = rootWith('CLICKHOUSE_DATABASE=from_file\nS3_BUCKET=file-bucket\n');
    const c = loadConfig({ env: { CLICKHOUSE_DATABASE: 'from_env' }, root });
    expect(c.clickhouse.database).toBe('from_env');
    expect(c.s3.bucket).toBe('file-bucket');
  });

  it.each([
    ['CLICKHOUSE_URL', 'not a url'],
    ['CLICKHOUSE_URL', 'ftp://host:21'],
    ['CLICKHOUSE_URL', 'http://user:pw@host:8123'],
    ['CLICKHOUSE_HTTP_PORT', '70000'],
    ['JUPYTER_PORT', 'abc'],
    ['S3_BUCKET', 'Bad_Bucket'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
    ['CLICKHOUSE_DATABASE', 'x; DROP'],
    ['EMBEDDING_MODEL', '../../etc/passwd'],
    ['CLICKHOUSE_CONFIG_FILE', '/does/not/exist.xml'],
    ['CLICKHOUSE_CLUSTER', 'kit; DROP'],
    ['CLICKHOUSE_CLUSTER', 'my-cluster'],
  ])('fails fast naming %s for %j', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ env: { [variable]: value }, root: rootWith() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toContain(variable);
    // a bad URL with credentials must not echo them
    expect((error as Error).message).not.toContain(':pw@');
  });

  it('reads CLICKHOUSE_CLUSTER (unset: single node) and refuses it for ClickHouse Cloud, which replicates by itself', () => {
    expect(loadConfig({ env: {}, root: rootWith() }).clickhouse.cluster).toBeUndefined();
    expect(loadConfig({ env: { CLICKHOUSE_CLUSTER: ' kit ' }, root: rootWith() }).clickhouse.cluster).toBe('kit');
    expect(
      loadConfig({ env: { CLICKHOUSE_URL: 'https://abc123.eu-west-1.aws.clickhouse.cloud:8443' }, root: rootWith() })
        .clickhouse.cluster,
    ).toBeUndefined();
    expect(() =>
      loadConfig({
        env: { CLICKHOUSE_URL: 'https://abc123.eu-west-1.aws.clickhouse.cloud:8443', CLICKHOUSE_CLUSTER: 'default' },
        root: rootWith(),
      }),
    ).toThrow(
      /CLICKHOUSE_CLUSTER: ClickHouse Cloud replicates and scales every table itself \(SharedMergeTree\): leave CLICKHOUSE_CLUSTER empty there\./,
    );
  });

  it('never shows secrets when printed, logged or serialised', () => {
    const c = loadConfig({
      env: {
        CLICKHOUSE_PASSWORD: 'pw-very-secret-1',
        S3_SECRET_ACCESS_KEY: 'sk-very-secret-2',
        JUPYTER_TOKEN: 'tok-very-secret-3',
      },
      root: rootWith(),
    });
    const outputs = [
      inspect(c, { depth: 10 }),
      JSON.stringify(c),
      String(c.clickhouse.password),
      `${String(c.s3.secretAccessKey)}`,
    ];
    for (const text of outputs) {
      expect(text).not.toContain('very-secret');
    }
    expect(JSON.stringify(c)).toContain('[REDACTED]');
    expect(c.clickhouse.password.reveal()).toBe('pw-very-secret-1');
  });
});

describe('parseDotenv', () => {
  it('handles quotes, comments and export', () => {
    const env = parseDotenv(`# comment\nA=1\nexport B="two words"\nC='single # not comment'\nD=plain # trailing\nE=\n`);
    expect(env).toEqual({ A: '1', B: 'two words', C: 'single # not comment', D: 'plain', E: '' });
  });
});

describe('secrets', () => {
  it('scrubs secret values and their URL-encoded forms', () => {
    expect(scrubSecrets('pw=p@ss/word! and p%40ss%2Fword!', ['p@ss/word!'])).toBe('pw=[REDACTED] and [REDACTED]');
    expect(new Secret('x').toJSON()).toBe('[REDACTED]');
  });
});

describe('configEnvironment', () => {
  it('passes every setting on: a child process that reads it loads the same configuration', () => {
    const root = rootWith(
      'CLICKHOUSE_CLUSTER=kit\nCLICKHOUSE_PASSWORD=pw-secret\nS3_ENDPOINT=http://127.0.0.1:7421/\nS3_FORCE_PATH_STYLE=false\nEMBEDDING_MODEL=org/model\nJUPYTER_PORT=9999\n',
    );
    const parent = loadConfig({
      env: { CLICKHOUSE_HTTP_PORT: '18123', CLICKHOUSE_URL: 'http://db.example:8123', JUPYTER_TOKEN: 'tok' },
      root,
    });
    const env = configEnvironment(parent);
    // The child has neither the parent's environment nor its .env.
    const child = loadConfig({ env, dotenv: false });
    expect(configEnvironment(child)).toEqual(env);
    expect(child.root).toBe(root);
    expect(child.clickhouse).toMatchObject({ cluster: 'kit', httpPort: 18123, url: 'http://db.example:8123' });
    expect(child.clickhouse.password.reveal()).toBe('pw-secret');
    expect(child.s3).toMatchObject({ endpoint: 'http://127.0.0.1:7421', port: 7421, forcePathStyle: false });
    expect(child.models.active).toBe('org/model');
    expect(child.jupyter.port).toBe(9999);
    expect(child.jupyter.token.reveal()).toBe('tok');
  });
});
