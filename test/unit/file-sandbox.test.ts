import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSandbox } from '../../lib/endpoint';

const root = mkdtempSync(join(tmpdir(), 'kit-sandbox-'));
const files = join(root, 'user_files');
mkdirSync(join(files, 'sub'), { recursive: true });
symlinkSync('/etc', join(files, 'etc-link'));
const sandbox = new FileSandbox(files, () => files);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const denied = (sql: string, params: Record<string, string> = {}): number | undefined =>
  sandbox.check(sql, params)?.code;

describe('FileSandbox', () => {
  it('allows relative paths and paths inside the folder, globs included', () => {
    expect(denied("SELECT * FROM file('data.csv', 'CSV')")).toBeUndefined();
    expect(denied(`SELECT * FROM file('${files}/sub/*.csv', 'CSV')`)).toBeUndefined();
    expect(denied("INSERT INTO FUNCTION file('sub/out.parquet') SELECT 1")).toBeUndefined();
    expect(denied("SELECT * FROM url('https://example.com/x.csv', 'CSV')")).toBeUndefined();
    expect(denied("SELECT 'file(/etc/passwd)' AS not_a_call")).toBeUndefined();
  });

  it('refuses what leaves the folder with 481, however it is spelled', () => {
    for (const sql of [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT * FROM FILE ( '../x' )",
      "SELECT * FROM `file`('/etc/passwd')",
      "SELECT file('/etc/passwd')",
      "SELECT * FROM file('etc-link/passwd', 'LineAsString')",
      "SELECT * FROM file('/etc/*', 'LineAsString')",
      "SELECT * FROM fileCluster('default', '/etc/passwd')",
      "SELECT * FROM icebergLocal('/tmp/ice')",
      "SELECT * FROM deltaLakeLocal('../../lake')",
      "SELECT * FROM url('file:///etc/passwd', 'LineAsString')",
      "CREATE TABLE t (a String) ENGINE = File(LineAsString, '/etc/passwd')",
      "CREATE TABLE t (a String) ENGINE = IcebergLocal('/var/lib/x')",
      "CREATE DICTIONARY d (k UInt64, v String) PRIMARY KEY k SOURCE(FILE(path '/etc/passwd' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
      "ATTACH TABLE t FROM '/var/lib/data' (a UInt8) ENGINE = MergeTree ORDER BY a",
      "SELECT * FROM file('a\\\\/../../../etc/passwd')",
    ]) {
      expect(denied(sql), sql).toBe(481);
    }
  });

  it('reads bound parameters, and refuses a path it cannot know', () => {
    expect(denied("SELECT * FROM file({p:String}, 'CSV')", { p: 'data.csv' })).toBeUndefined();
    expect(denied("SELECT * FROM file({p:String}, 'CSV')", { p: '/etc/passwd' })).toBe(481);
    expect(denied("SELECT * FROM file(concat('/etc', '/passwd'), 'CSV')")).toBe(481);
  });

  it('leaves the File engine without a path alone (its data lives in the table folder)', () => {
    expect(denied('CREATE TABLE t (a UInt8) ENGINE = File(CSV)')).toBeUndefined();
  });
});
