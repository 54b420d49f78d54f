import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type KitConfig } from '../../lib/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/stack/browser';
import { installJupyter, jupyterUrl, startJupyter, stopJupyter } from '../../scripts/stack/jupyter';

/**
 * JupyterLab in a real browser: opens a copy of the smoke notebook, runs all cells with the
 * tslab kernel and checks that the table and the plotly charts render. Runs its own JupyterLab
 * on another port with its own storage folder, so a JupyterLab the user started is untouched.
 */
const root = loadConfig().root;
const artifacts = join(root, 'test', 'artifacts');
const notebookRel = 'test/artifacts/jupyterlab-smoke.ipynb';

describe('JupyterLab in chromium', () => {
  let config: KitConfig;
  let work: string;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `${CHROMIUM_PATH} is missing: run installBrowser(config) from scripts/stack/browser (apt-get install chromium).`,
      );
    }
    work = mkdtempSync(join(tmpdir(), 'kit-browser-'));
    config = loadConfig({
      env: {
        ...process.env,
        KIT_STORAGE_DIR: join(work, 'storage'),
        JUPYTER_PORT: String(18_000 + (process.pid % 1000)),
      },
    });
    await installJupyter(config);
    mkdirSync(artifacts, { recursive: true });
    copyFileSync(join(root, 'test', 'fixtures', 'notebooks', 'smoke.ipynb'), join(root, notebookRel));
    // The kernel runs its own embedded engine in a scratch folder (the data folder allows one process).
    await startJupyter(config, {
      CLICKHOUSE_URL: '',
      CLICKHOUSE_DATA_PATH: join(work, 'clickhouse'),
      CLICKHOUSE_DATABASE: 'browser_smoke',
    });
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (config) await stopJupyter(config);
    rmSync(join(root, notebookRel), { force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the smoke notebook and renders a table and plotly charts', async () => {
    await page.goto(
      `${jupyterUrl(config, { path: `/lab/tree/${notebookRel}` })}?token=${encodeURIComponent(config.jupyter.token.reveal())}`,
    );
    await page.locator('.jp-NotebookPanel').first().waitFor({ timeout: 60_000 });
    // The kernel from the notebook's metadata (tslab) is up when the status bar names it and it is idle.
    await page.getByText('TypeScript (tslab) | Idle').first().waitFor({ timeout: 60_000 });

    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();

    const outputs = page.locator('.jp-NotebookPanel .jp-OutputArea-output');
    await outputs.locator('[data-kit="progress"]', { hasText: 'smoke steps ✓' }).waitFor({ timeout: 120_000 });
    await page.locator('.js-plotly-plot .main-svg').nth(1).waitFor({ timeout: 30_000 });

    const stdout = await outputs.allInnerTexts();
    expect(stdout.join('\n')).toContain('database: browser_smoke');
    expect(stdout.join('\n')).toContain('password: [REDACTED]');
    expect(stdout.join('\n')).toContain('clickhouse: embedded');

    const salesTable = outputs.locator('[data-kit="table"] table', { hasText: 'Sales by region' });
    await expect(salesTable.locator('th').allInnerTexts()).resolves.toEqual([
      expect.stringContaining('region'),
      expect.stringContaining('sales'),
    ]);
    await expect(salesTable.locator('tbody tr').count()).resolves.toBe(4);
    // HTML in data shows as text, not markup.
    await expect(salesTable.locator('tbody b').count()).resolves.toBe(0);
    await expect(salesTable.innerText()).resolves.toContain('<b>not bold</b>');

    // Two charts drawn by plotly.js (inlined once): four bars, and a line through ten points.
    const charts = page.locator('[data-kit="chart"].js-plotly-plot');
    await expect(charts.count()).resolves.toBe(2);
    await expect(charts.nth(0).locator('.bars .point').count()).resolves.toBe(4);
    await expect(charts.nth(1).locator('.scatterlayer .point').count()).resolves.toBe(10);
    // Category labels from data are text in charts too.
    await expect(charts.nth(0).locator('.xtick text').allTextContents()).resolves.toEqual([
      'eu',
      'us',
      'apac',
      '<b>not bold</b>',
    ]);
    await expect(page.locator('script[data-kit="plotly-loader"]').count()).resolves.toBeLessThanOrEqual(1);

    await charts.nth(0).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'jupyterlab-smoke.png') });
    await charts.nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'jupyterlab-smoke-clickhouse.png') });
  }, 240_000);
});
