import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Tables whose metadata reaches S3 when the engine attaches them: ENGINE = S3 tables, and
// MergeTree tables on an S3-backed storage policy (the kit's policies start with "s3").
const NEEDS_S3 = /ENGINE\s*=\s*S3\b|storage_policy\s*=\s*'s3/;

/** `database.table` names in a data folder that need the S3 server to attach. */
export function tablesNeedingS3(dataPath: string): string[] {
  const metadata = join(dataPath, 'metadata');
  if (!existsSync(metadata)) return [];
  const found: string[] = [];
  for (const db of readdirSync(metadata)) {
    const dir = join(metadata, db);
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    } catch {
      continue; // a database's own .sql file, not a folder
    }
    for (const f of files) {
      try {
        if (NEEDS_S3.test(readFileSync(join(dir, f), 'utf8')))
          found.push(`${decodeURIComponent(db)}.${decodeURIComponent(f.slice(0, -4))}`);
      } catch {
        /* unreadable: the engine will say */
      }
    }
  }
  return found;
}

/**
 * Whether a TCP connection to the URL's host and port succeeds within the timeout. Synchronous
 * (a short child process) because the engine opens synchronously and must not start at all when
 * it would hang: ClickHouse retries an unreachable S3 server for minutes while attaching tables.
 */
export function isReachableSync(url: string, timeoutMs = 2000): boolean {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const script = `const s=require('net').connect(${port},${JSON.stringify(u.hostname.replace(/^\[|\]$/g, ''))});s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),${timeoutMs}).unref();`;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: timeoutMs + 1000, stdio: 'ignore' });
  return r.status === 0;
}
