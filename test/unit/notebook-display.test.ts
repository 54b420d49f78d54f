import pl from 'nodejs-polars';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { barChart } from '../../lib/charts';
import { loadConfig, Secret } from '../../lib/config';
import {
  inKernel,
  progress,
  renderChartHtml,
  renderTableHtml,
  renderTableText,
  showChart,
  showTable,
} from '../../lib/notebook';

function sink(): { stream: NodeJS.WritableStream & { isTTY?: boolean }; text: () => string } {
  let out = '';
  const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream & {
    isTTY?: boolean;
  };
  return { stream, text: () => out };
}

describe('notebook display helpers outside a kernel', () => {
  afterEach(() => {
    delete (globalThis as { __tslab__?: unknown }).__tslab__;
    vi.restoreAllMocks();
  });

  it('renders rows as an escaped HTML table with a row-count footer', () => {
    const html = renderTableHtml(
      [
        { name: '<script>alert(1)</script>', n: 1 },
        { name: 'b & "c"', n: 2 },
        { name: null, n: 3 },
      ],
      { title: 'T<1>', maxRows: 2 },
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('b &amp; &quot;c&quot;');
    expect(html).toContain('T&lt;1&gt;');
    expect(html).toContain('3 rows × 2 columns (first 2 shown)');
    expect(html.match(/<tr>/g)).toHaveLength(3);
  });

  it('renders a nodejs-polars DataFrame with its column types, bigints exact', () => {
    const df = pl.DataFrame({ id: [9007199254740993n, 2n], label: ['x', 'y'] });
    const html = renderTableHtml(df);
    expect(html).toContain('UInt64');
    expect(html).toContain('9007199254740993');
    expect(renderTableText(df)).toMatch(/id\s+label\n-+\s+-+\n9007199254740993\s+x/);
  });

  it('never shows the configured secrets, Secret objects or URL credentials', () => {
    const config = loadConfig();
    const password = config.clickhouse.password.reveal();
    expect(password.length).toBeGreaterThan(8);
    const rows = [{ a: `pw is ${password}`, b: new Secret('hunter2hunter2'), c: 'http://kit:letmein@host/x' }];
    for (const out of [
      renderTableHtml(rows),
      renderTableText(rows),
      renderChartHtml(barChart(rows, { x: 'a', y: 'b', title: password })),
    ]) {
      expect(out).not.toContain(password);
      expect(out).not.toContain('hunter2hunter2');
      expect(out).not.toContain('letmein');
      expect(out).toContain('[REDACTED]');
    }
  });

  it('chart HTML keeps data from closing the script tag', () => {
    // A hand-written spec: builders already turn `<` into an entity, renderChartHtml must not rely on it.
    const html = renderChartHtml({
      data: [{ type: 'bar', x: ['</script><b>x'], y: [1] }],
      layout: { title: { text: '<!--' } },
    });
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('\\u003c/script>');
    expect(html).not.toContain('<!--');
  });

  it('show* print text instead of crashing when not in a kernel', () => {
    expect(inKernel()).toBe(false);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    showTable([{ a: 1 }], { title: 'one' });
    showChart(barChart([{ a: 'x', b: 1 }], { x: 'a', y: 'b', title: 'bars' }));
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
      'one\na\n-\n1\n1 row × 1 column',
      '[bars: 1 trace(s); charts render in notebooks]',
    ]);
  });

  it('progress degrades to terminal lines (one per 10% when not a TTY)', () => {
    const out = sink();
    const p = progress('load', 100, { stream: out.stream, intervalMs: 0 });
    for (let i = 0; i < 100; i++) p.tick();
    p.done();
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toMatch(/^load \[-+\] 0 \/ 100 \(0%\)/);
    expect(lines.at(-1)).toMatch(/^load done \[#{28}\] 100 \/ 100 \(100%\)/);
    expect(lines.length).toBe(12);
    expect(() => progress('x', -1)).toThrow(/total must be a number >= 0/);
  });

  it('inside a kernel, plotly.js is inlined with the first chart only and progress updates one display', () => {
    const outputs: Array<{ html: string; id: string | undefined }> = [];
    const makeDisplay = (id?: string) => ({ html: (s: string) => outputs.push({ html: s, id }) });
    let displays = 0;
    (globalThis as { __tslab__?: unknown }).__tslab__ = {
      require: (name: string) => {
        expect(name).toBe('tslab');
        return { display: makeDisplay(), newDisplay: () => makeDisplay(`d${++displays}`) };
      },
    };
    expect(inKernel()).toBe(true);
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('clickhouse-notebook-kit.plotly-inlined')];
    const spec = barChart([{ a: 'x', b: 1 }], { x: 'a', y: 'b' });
    showChart(spec);
    showChart(spec);
    const loaders = outputs.filter((o) => o.html.includes('data-kit="plotly-loader"'));
    const charts = outputs.filter((o) => o.html.includes('data-kit="chart"'));
    expect(charts).toHaveLength(2);
    expect(loaders).toHaveLength(1);
    expect(outputs.indexOf(loaders[0]!)).toBe(0);
    expect(loaders[0]!.html.length).toBeGreaterThan(1_000_000);
    const p = progress('rows', 10, { intervalMs: 0 });
    p.update(5);
    p.done();
    const bars = outputs.filter((o) => o.html.includes('data-kit="progress"'));
    expect(bars.length).toBe(3);
    expect(new Set(bars.map((b) => b.id)).size).toBe(1);
    expect(bars.at(-1)!.html).toContain('rows ✓');
  });
});
