import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../scripts/stack/process';

const dir = mkdtempSync(join(tmpdir(), 'kit-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the fixture with stdout piped here, closes the pipe's read end (the reader exits), then sends SIGINT. */
async function stopWithClosedStdout(mode: 'guarded' | 'unguarded'): Promise<{ code: number | null; stopped: boolean }> {
  const marker = join(dir, `${mode}.done`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/stop-on-closed-output.ts', marker, mode], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error('the fixture exited before it was ready')));
  });
  child.stdout.destroy();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  const code = await exited;
  return { code, stopped: existsSync(marker) && readFileSync(marker, 'utf8') === 'stopped' };
}

describe('stopping does not depend on the terminal', () => {
  it('finishes the stop path after the stdout reader is gone (npm start | tee, then Ctrl-C)', async () => {
    expect(await stopWithClosedStdout('guarded')).toEqual({ code: 0, stopped: true });
  }, 60_000);

  it('without the guard the same stop path dies on EPIPE (what the guard is for)', async () => {
    const r = await stopWithClosedStdout('unguarded');
    expect(r.stopped).toBe(false);
    expect(r.code).not.toBe(0);
  }, 60_000);
});

describe('isProcessAlive', () => {
  it('is true for this process, false for an exited child and for a pid that cannot exist', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(isProcessAlive(2 ** 22 + 1)).toBe(false);
  });

  it("counts another user's process (EPERM) as running: pid 1", () => {
    expect(isProcessAlive(1)).toBe(true);
  });
});
