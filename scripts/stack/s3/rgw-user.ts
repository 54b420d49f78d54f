import { scrubSecrets } from '../../../lib/config';
import type { Secret } from '../../../lib/config';
import { S3ServerError } from './errors';
import { RGW_USER } from './layout';
import { runTool } from './processes';

interface RgwKey {
  user: string;
  access_key: string;
  secret_key: string;
}

interface RgwUserMetadata {
  key: string;
  ver: { tag: string; ver: number };
  mtime: string;
  data: Record<string, unknown> & { keys: RgwKey[] };
}

/**
 * Makes the RGW user own exactly the kit's S3 key pair (creates it, or replaces its keys when
 * .env changed). The record goes through `radosgw-admin metadata put` on stdin so the secret
 * never appears on a command line, in a log or in an error.
 */
export async function ensureRgwUser(
  confFile: string,
  accessKeyId: string,
  secret: Secret,
): Promise<'created' | 'updated' | 'unchanged'> {
  const base = ['-c', confFile, '-n', 'client.admin'];
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new S3ServerError(
        `Could not set up the S3 user "${RGW_USER}": ${scrubSecrets(message, [secret, accessKeyId])}`,
      );
    }
  };
  const existing = await guard(() => readUser(base));
  const wanted: RgwKey = { user: RGW_USER, access_key: accessKeyId, secret_key: secret.reveal() };
  if (existing) {
    const keys = existing.data.keys;
    if (keys.length === 1 && keys[0]!.access_key === wanted.access_key && keys[0]!.secret_key === wanted.secret_key)
      return 'unchanged';
  }
  const record: RgwUserMetadata = existing
    ? { ...existing, data: { ...existing.data, keys: [wanted] } }
    : { key: `user:${RGW_USER}`, ver: { tag: '', ver: 0 }, mtime: new Date().toISOString(), data: newUser(wanted) };
  await guard(() =>
    runTool('radosgw-admin', [...base, 'metadata', 'put', `user:${RGW_USER}`], { input: JSON.stringify(record) }),
  );
  return existing ? 'updated' : 'created';
}

async function readUser(base: string[]): Promise<RgwUserMetadata | undefined> {
  try {
    const { stdout } = await runTool('radosgw-admin', [...base, 'metadata', 'get', `user:${RGW_USER}`]);
    return JSON.parse(stdout) as RgwUserMetadata;
  } catch (e) {
    // "ERROR: can't get key: (2) No such file or directory"
    if (e instanceof S3ServerError && /No such file or directory/.test(e.message)) return undefined;
    throw e;
  }
}

function newUser(key: RgwKey): RgwUserMetadata['data'] {
  const unlimited = { enabled: false, check_on_raw: false, max_size: -1, max_size_kb: 0, max_objects: -1 };
  return {
    user_id: RGW_USER,
    display_name: 'ClickHouse notebook kit',
    email: '',
    suspended: 0,
    max_buckets: 1000,
    subusers: [],
    keys: [key],
    swift_keys: [],
    caps: [],
    op_mask: 'read, write, delete',
    default_placement: '',
    default_storage_class: '',
    placement_tags: [],
    bucket_quota: unlimited,
    user_quota: unlimited,
    temp_url_keys: [],
    type: 'rgw',
    mfa_ids: [],
    attrs: [],
  };
}
