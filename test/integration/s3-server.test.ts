import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import type { KitConfig } from '../../lib/config';
import { createS3Client, deleteObject, getObjectText, putObject } from '../../lib/s3';
import { s3ServerLayout, s3ServerStatus, startS3Server, stopS3Server } from '../../scripts/stack/s3-server';
import { listeningAddresses } from '../helpers/listening';

let config: KitConfig;

beforeAll(async () => {
  config = loadConfig();
  await startS3Server(config);
});

describe('local S3 server (Ceph RGW)', () => {
  it('is healthy and re-used by a second start', async () => {
    const t0 = Date.now();
    const again = await startS3Server(config);
    expect(again).toEqual({ endpoint: config.s3.endpoint, reused: true });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const status = await s3ServerStatus(config);
    expect(status).toMatchObject({
      installed: true,
      initialized: true,
      healthy: true,
      dataDir: s3ServerLayout(config.storageDir).dir,
    });
    expect(Object.keys(status.daemons).sort()).toEqual(['mon', 'osd', 'rgw']);
  });

  it('starts concurrently called twice in one process only once', async () => {
    const [a, b] = await Promise.all([startS3Server(config), startS3Server(config)]);
    expect(a).toEqual(b);
  });

  it('listens on the loopback address only, the gateway on the configured port', async () => {
    const { daemons } = await s3ServerStatus(config);
    const all = Object.values(daemons).flatMap((pid) => listeningAddresses(pid));
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const address of all) expect(address).toMatch(/^(127\.0\.0\.1|::1):\d+$/);
    expect(listeningAddresses(daemons.rgw!)).toContain(`127.0.0.1:${config.s3.port}`);
  });

  it('keeps everything under <storageDir>/s3 with private keys', () => {
    const layout = s3ServerLayout(config.storageDir);
    expect(statSync(layout.keyring).mode & 0o077).toBe(0);
    const conf = readFileSync(layout.confFile, 'utf8');
    for (const line of conf
      .split('\n')
      .filter((l) => /^(log file|pid file|admin socket|run dir|mon data|osd data|rgw data|keyring)\s*=/.test(l))) {
      expect(line.split('=')[1]!.trim().startsWith(layout.dir)).toBe(true);
    }
    // The S3 secret never lands in the cluster's files.
    const secret = config.s3.secretAccessKey.reveal();
    for (const file of [layout.confFile, layout.keyring, layout.stateFile])
      expect(readFileSync(file, 'utf8')).not.toContain(secret);
    for (const log of readdirSync(layout.logDir))
      expect(readFileSync(`${layout.logDir}/${log}`, 'utf8')).not.toContain(secret);
  });

  it('stops cleanly and restarts with the data kept', async () => {
    const s3 = createS3Client(config);
    const key = `test/s3-server/${randomUUID()}.txt`;
    try {
      await putObject(s3, key, 'survives a restart');
      const { stopped } = await stopS3Server(config);
      expect(stopped.sort()).toEqual(['mon', 'osd', 'rgw']);
      const down = await s3ServerStatus(config);
      expect(down.healthy).toBe(false);
      expect(down.daemons).toEqual({});

      const up = await startS3Server(config);
      expect(up.reused).toBe(false);
      expect(await getObjectText(s3, key)).toBe('survives a restart');
    } finally {
      await startS3Server(config);
      await deleteObject(s3, key);
      s3.client.destroy();
    }
  });

  it('refuses a non-local endpoint with a clear message', async () => {
    const remote = { ...config, s3: { ...config.s3, endpoint: 'http://10.1.2.3:9000' } };
    await expect(startS3Server(remote)).rejects.toThrow(/listens on http:\/\/127\.0\.0\.1/);
  });
});
