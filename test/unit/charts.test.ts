import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { barChart, ChartSpecError, histogram, lineChart, scatterChart, TabularInputError } from '../../lib/charts';

const rows = [
  { day: '2024-01-01', region: 'eu', sales: '12', cost: 3 },
  { day: '2024-01-01', region: 'us', sales: '20', cost: 5 },
  { day: '2024-01-02', region: 'eu', sales: '15', cost: 4 },
  { day: '2024-01-02', region: 'us', sales: null, cost: 6 },
];

describe('chart spec builders', () => {
  it('bar chart: one trace per y column, numeric strings (64-bit integers) become numbers', () => {
    const spec = barChart(rows, { x: 'region', y: ['sales', 'cost'], title: 'Sales' });
    expect(spec.data.map((t) => t.name)).toEqual(['sales', 'cost']);
    expect(spec.data[0]).toMatchObject({ type: 'bar', x: ['eu', 'us', 'eu', 'us'], y: [12, 20, 15, null] });
    expect(spec.layout.title).toEqual({ text: 'Sales' });
    expect(spec.layout.barmode).toBe('group');
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('horizontal bar swaps axes', () => {
    const spec = barChart(rows, { x: 'region', y: 'cost', orientation: 'h', barmode: 'stack' });
    expect(spec.data[0]).toMatchObject({ orientation: 'h', y: ['eu', 'us', 'eu', 'us'], x: [3, 5, 4, 6] });
    expect(spec.layout.yaxis?.title?.text).toBe('region');
    expect(spec.layout.barmode).toBe('stack');
  });

  it('line chart splits rows by series in first-seen order', () => {
    const spec = lineChart(rows, { x: 'day', y: 'cost', series: 'region', markers: true });
    expect(spec.data.map((t) => [t.name, t.x, t.y, t.mode])).toEqual([
      ['eu', ['2024-01-01', '2024-01-02'], [3, 4], 'lines+markers'],
      ['us', ['2024-01-01', '2024-01-02'], [5, 6], 'lines+markers'],
    ]);
  });

  it('scatter and histogram read a nodejs-polars DataFrame, bigints included', () => {
    const df = pl.DataFrame({ x: [1, 2, 3, 4], y: [10n, 20n, 30n, 40n], k: ['a', 'b', 'a', 'b'] });
    const scatter = scatterChart(df, { x: 'x', y: 'y', text: 'k' });
    expect(scatter.data[0]).toMatchObject({
      mode: 'markers',
      x: [1, 2, 3, 4],
      y: [10, 20, 30, 40],
      text: ['a', 'b', 'a', 'b'],
    });
    const hist = histogram(df, { x: 'y', bins: 2, series: 'k' });
    expect(hist.data).toHaveLength(2);
    expect(hist.data[0]).toMatchObject({ type: 'histogram', name: 'a', x: [10, 30], nbinsx: 2 });
    expect(hist.layout.barmode).toBe('overlay');
  });

  it('dates become ISO strings and NaN becomes a gap', () => {
    const spec = lineChart([{ t: new Date('2024-05-01T00:00:00Z'), v: Number.NaN }], { x: 't', y: 'v' });
    expect(spec.data[0]).toMatchObject({ x: ['2024-05-01T00:00:00.000Z'], y: [null] });
  });

  it('data and column names are text to plotly, not markup; titles from options stay markup', () => {
    const spec = barChart([{ '<i>k</i>': '<b>x</b> & y', v: 1 }], { x: '<i>k</i>', y: 'v', title: '<b>Title</b>' });
    expect(spec.data[0]!.x).toEqual(['&lt;b&gt;x&lt;/b&gt; &amp; y']);
    expect(spec.layout.xaxis?.title?.text).toBe('&lt;i&gt;k&lt;/i&gt;');
    expect(spec.layout.title?.text).toBe('<b>Title</b>');
    const bySeries = lineChart([{ x: 1, y: 2, s: '<a href="javascript:alert(1)">s</a>' }], {
      x: 'x',
      y: 'y',
      series: 's',
    });
    expect(bySeries.data[0]!.name).toBe('&lt;a href="javascript:alert(1)"&gt;s&lt;/a&gt;');
  });

  it('bad input names the problem', () => {
    expect(() => barChart(rows, { x: 'regoin', y: 'sales' })).toThrow(
      /column "regoin" not found; available columns: day, region, sales, cost/,
    );
    expect(() => barChart(rows, { x: 'region', y: ['sales', 'cost'], series: 'day' })).toThrow(ChartSpecError);
    expect(() => histogram(rows, { x: 'cost', bins: 0 })).toThrow(/bins must be a positive whole number/);
    expect(() => barChart({ nope: 1 } as never, { x: 'a', y: 'b' })).toThrow(TabularInputError);
    expect(() => barChart([1, 2] as never, { x: 'a', y: 'b' })).toThrow(/row 0 is a number/);
  });
});
