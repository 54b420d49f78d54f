import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type KitConfig } from '../../lib/config';
import {
  installJupyter,
  jupyterPaths,
  jupyterStatus,
  jupyterUrl,
  startJupyter,
  stopJupyter,
} from '../../scripts/stack/jupyter';

/** JupyterLab lifecycle on a scratch port and storage folder (a JupyterLab the user runs is untouched). */
describe('project-local JupyterLab', () => {
  let work: string;
  let config: KitConfig;
  const port = 19_000 + (process.pid % 1000);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kit-jupyter-'));
    config = loadConfig({ env: { ...process.env, KIT_STORAGE_DIR: work, JUPYTER_PORT: String(port) } });
    await installJupyter(config);
  }, 240_000);

  afterAll(async () => {
    if (config) await stopJupyter(config);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installJupyter is a fast no-op when everything is in place', async () => {
    const again = await installJupyter(config);
    expect(again).toMatchObject({ venvCreated: false, packagesInstalled: false, kernelSpecWritten: false });
    expect(again.seconds).toBeLessThan(5);
    const spec = JSON.parse(readFileSync(join(jupyterPaths(config).kernelDir, 'kernel.json'), 'utf8')) as {
      argv: string[];
    };
    expect(spec.argv.slice(0, 5)).toEqual([
      '/bin/sh',
      '-c',
      'cd "$1" && exec "$2" "$3" kernel --config-path "$4"',
      'tslab-kernel',
      config.root,
    ]);
    expect(spec.argv.at(-1)).toBe('{connection_file}');
  });

  it('starts with the token only in memory: not on the command line, in the log, in kernel env or on disk', async () => {
    const started = await startJupyter(config, { KIT_TEST_MARKER: 'one' });
    expect(started.reused).toBe(false);
    expect(started.url).toBe(`http://127.0.0.1:${port}/lab`);
    const token = config.jupyter.token.reveal();
    expect(token.length).toBeGreaterThanOrEqual(16);

    const status = await jupyterStatus(config);
    expect(status).toMatchObject({ running: true, healthy: true, pid: started.pid, kernels: 0 });

    const res = await fetch(jupyterUrl(config, { path: '/api/kernelspecs' }), {
      headers: { Authorization: `token ${token}` },
    });
    const specs = (await res.json()) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
    expect(specs.kernelspecs.tslab?.spec.argv).toContain(join(config.root, 'scripts', 'stack', 'tslab-kernel.cjs'));
    expect((await fetch(jupyterUrl(config, { path: '/api/kernelspecs' }))).status).toBe(403);

    const cmdline = readFileSync(`/proc/${started.pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${started.pid}/environ`, 'utf8').split('\0');
    expect(cmdline).not.toContain(token);
    expect(environ.filter((e) => e.includes(token))).toEqual([]);
    expect(environ).toContain('KIT_TEST_MARKER=one');
    expect(readFileSync(started.logFile, 'utf8')).not.toContain(token);
    expect(existsSync(jupyterPaths(config).tokenFile)).toBe(false);
  }, 120_000);

  it('reuses a running server with the same settings and restarts it when the kernel environment changes', async () => {
    const before = await jupyterStatus(config);
    const same = await startJupyter(config, { KIT_TEST_MARKER: 'one' });
    expect(same).toMatchObject({ reused: true, pid: before.pid });
    const changed = await startJupyter(config, { KIT_TEST_MARKER: 'two' });
    expect(changed.reused).toBe(false);
    expect(changed.pid).not.toBe(before.pid);
    expect(readFileSync(`/proc/${changed.pid}/environ`, 'utf8').split('\0')).toContain('KIT_TEST_MARKER=two');
    expect(existsSync(`/proc/${before.pid!}`)).toBe(false);
  }, 120_000);

  it('stops, and reports a busy port clearly', async () => {
    const { pid } = await jupyterStatus(config);
    expect(await stopJupyter(config)).toEqual({ stopped: true });
    expect(existsSync(`/proc/${pid!}`)).toBe(false);
    expect(await jupyterStatus(config)).toMatchObject({ running: false, healthy: false });
    expect(await stopJupyter(config)).toEqual({ stopped: false });

    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      await expect(startJupyter(config)).rejects.toThrow(
        new RegExp(`port ${port} on 127.0.0.1 is already in use.*JUPYTER_PORT`),
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    expect(execFileSync('ls', [join(work, 'run')], { encoding: 'utf8' })).not.toContain('jupyter.pid');
  }, 120_000);
});
