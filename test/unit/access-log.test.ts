import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessLog, type AccessLogEntry } from '../../lib/endpoint';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function entry(i: number, sql: string): AccessLogEntry {
  return {
    queryId: `q-${i}`,
    user: 'kit',
    method: 'POST',
    kind: 'Select',
    status: 200,
    code: 0,
    ms: 1,
    resultBytes: 10,
    writtenRows: 0,
    session: undefined,
    userAgent: 'test',
    sql,
  };
}

const idsIn = (file: string): number[] =>
  [...readFileSync(file, 'utf8').matchAll(/query_id=q-(\d+)/g)].map((m) => Number(m[1]));

describe('the endpoint access log', () => {
  it('rotates by size, keeps the configured number of old files, and loses no recent line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-access-log-'));
    dirs.push(dir);
    const file = join(dir, 'endpoint.log');
    const log = new AccessLog(file, [], { maxBytes: 4096, keep: 2 });
    for (let i = 0; i < 400; i++) log.write(entry(i, `SELECT ${i}`));
    await log.close();
    await new Promise((r) => setTimeout(r, 50)); // the replaced streams finish their writes

    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(4096);
    // Oldest to newest, the kept files hold one unbroken run of the last queries.
    const ids = [...idsIn(`${file}.2`), ...idsIn(`${file}.1`), ...idsIn(file)];
    expect(ids.at(-1)).toBe(399);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, k) => 400 - ids.length + k));
  });

  it('continues an existing file and never writes a secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-access-log-'));
    dirs.push(dir);
    const file = join(dir, 'endpoint.log');
    const secret = 'hunter2-very-secret';
    for (const round of [0, 1]) {
      const log = new AccessLog(file, [secret]);
      log.write(entry(round, `SELECT * FROM s3('http://x/y', 'key', '${secret}')`));
      log.note(`started with password ${secret}`);
      await log.close();
    }
    const text = readFileSync(file, 'utf8');
    expect(idsIn(file)).toEqual([0, 1]);
    expect(text).not.toContain(secret);
  });
});
