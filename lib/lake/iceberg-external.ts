/**
 * @file Reads an Iceberg table on the lake with something other than ClickHouse: the project's
 * Python venv (pyarrow for S3 and Parquet, fastavro for the manifests) runs iceberg-reader.py,
 * which follows the spec from the newest metadata file to the data files.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { scrubSecrets, secretsOf } from '../config';
import type { KitConfig } from '../config';
import { IcebergExternalReadError } from './iceberg-errors';
import { checkLakePath } from './source';

export type ExternalDataFile = {
  /** Path as the manifest holds it (`s3://bucket/key`). */
  path: string;
  key: string;
  /** Rows the manifest declares. */
  records: number;
  /** Rows the Parquet file holds. */
  parquetRows: number;
  bytes: number;
  /** Column chunks with a bloom filter, over all row groups (0 with the kit's Parquet defaults). */
  bloomFilters: number;
};

/** What the reader outside ClickHouse found. */
export interface ExternalIcebergRead {
  metadataFile: string;
  metadataVersions: number[];
  formatVersion: number;
  location: string;
  columns: Array<{ id: number; name: string; type: string; required: boolean }>;
  partitionSpec: Array<{ name: string; transform: string; 'source-id': number; 'field-id': number }>;
  snapshots: Array<{ snapshotId: string; parentId: string | null; timestampMs: number; totalRecords: number }>;
  currentSnapshotId: string | null;
  /** Live data files of the current snapshot, from its manifest list and manifests. */
  dataFiles: ExternalDataFile[];
  /** Objects under data/ that no manifest of the current snapshot lists (e.g. left by an interrupted write). */
  unreferencedObjects: string[];
  /** Data files a manifest lists that are not on S3. */
  missingObjects: string[];
  rows: number;
  /** Same definition as icebergChecksum(). */
  checksum: string;
  /** Disagreements between manifests, snapshot summary and Parquet files (empty when consistent). */
  problems: string[];
}

const READER = join('lib', 'lake', 'iceberg-reader.py');

/** The venv interpreter `npm run setup` installs pyarrow and fastavro into. */
export function projectPython(config: KitConfig): string {
  return join(config.root, '.venv', 'bin', 'python');
}

/** Reads the Iceberg table under `path` (a prefix of the lake bucket) outside ClickHouse. */
export async function readIcebergExternally(
  config: KitConfig,
  path: string,
  options: { python?: string; timeoutMs?: number } = {},
): Promise<ExternalIcebergRead> {
  checkLakePath(path);
  const python = options.python ?? projectPython(config);
  if (!existsSync(python))
    throw new IcebergExternalReadError(
      `The project's Python (${python}) is missing; run \`npm run setup\` (it installs pyarrow and fastavro into .venv).`,
    );
  const args = [join(config.root, READER), config.s3.endpoint, config.s3.region, config.s3.bucket, path];
  // Credentials through the environment: a command line is visible to every user of the machine.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_ACCESS_KEY_ID: config.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: config.s3.secretAccessKey.reveal(),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const { code, stdout, stderr } = await run(python, args, env, options.timeoutMs ?? 300_000);
  const scrub = (t: string): string => scrubSecrets(t, secretsOf(config));
  let out: ExternalIcebergRead & { error?: string };
  try {
    out = JSON.parse(stdout) as ExternalIcebergRead & { error?: string };
  } catch {
    const hint = /No module named '(pyarrow|fastavro)'/.test(stderr)
      ? ' pyarrow or fastavro is missing from .venv: run `npm run setup`.'
      : '';
    throw new IcebergExternalReadError(
      `The Iceberg reader (${READER}) failed (exit ${code}).${hint} ${scrub(stderr.trim().split('\n').slice(-3).join(' '))}`,
    );
  }
  if (out.error !== undefined)
    throw new IcebergExternalReadError(
      `Reading the Iceberg table under ${path} outside ClickHouse failed: ${scrub(out.error)}`,
    );
  return out;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new IcebergExternalReadError(`Could not start ${cmd}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
