import { describe, expect, it } from 'vitest';
import { generatePayloadDay, generatePayloads, PAYLOAD_EVENT_TYPES, TabularInputError } from '../../lib/tabular';

/** The parts of a generated event this test reads (the lines are JSON, so every leaf is checked, not trusted). */
interface PayloadEvent {
  type: unknown;
  ts: unknown;
  context: { geo: { country: unknown } };
  user: { id: unknown };
  properties: {
    [key: string]: unknown;
    duration_ms?: unknown;
    results?: unknown;
    price?: unknown;
    total?: unknown;
    build?: unknown;
    data?: { object?: { reason?: unknown; amount?: unknown } };
  };
}

describe('raw event payloads', () => {
  it('are deterministic: the same spec gives the same lines, another seed other lines', () => {
    const a = [...generatePayloads({ seed: 's', days: 2, eventsPerDay: 300 })];
    const b = [...generatePayloads({ seed: 's', days: 2, eventsPerDay: 300 })];
    expect(b).toEqual(a);
    expect(generatePayloadDay({ seed: 's', days: 2, eventsPerDay: 300 }, 1)).toEqual(a[1]);
    expect(generatePayloadDay({ seed: 't', days: 2, eventsPerDay: 300 }, 1).lines).not.toEqual(a[1]!.lines);
    expect(a.map((d) => d.day)).toEqual(['2025-01-01', '2025-01-02']);
    expect([...generatePayloads({ seed: 's', days: 2, eventsPerDay: 300, start: undefined })]).toEqual(a);
  });

  it('look like clickstream and webhook data: nested objects, keys by type, arrays, drift, and the broken lines they list', () => {
    const [day] = [...generatePayloads({ days: 1, eventsPerDay: 5000 })];
    const parsed = day!.lines.map((line, i) => {
      try {
        const v = JSON.parse(line) as unknown;
        return v !== null && typeof v === 'object' && !Array.isArray(v)
          ? { i: i + 1, v: v as PayloadEvent }
          : { i: i + 1, v: undefined };
      } catch {
        return { i: i + 1, v: undefined };
      }
    });
    // Exactly the lines listed as malformed are not JSON objects.
    expect(parsed.filter((p) => p.v === undefined).map((p) => p.i)).toEqual(day!.malformed);
    expect(day!.malformed.length).toBeGreaterThan(2);
    const events = parsed.flatMap((p) => (p.v === undefined ? [] : [p.v]));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(PAYLOAD_EVENT_TYPES.map(([t]) => t)));
    const keysOf = (type: string) =>
      new Set(events.filter((e) => e.type === type).flatMap((e) => Object.keys(e.properties)));
    expect(keysOf('checkout.completed')).toContain('items');
    expect(keysOf('page_view')).not.toContain('items');
    expect(events.find((e) => e.type === 'payment.refunded')!.properties.data?.object?.reason).toEqual(
      expect.any(String),
    );
    expect(events.every((e) => typeof e.context.geo.country === 'string' && typeof e.user.id === 'number')).toBe(true);
    // Drifted lines carry one number as a string; the others none.
    const numbersAsStrings = (e: PayloadEvent) =>
      [
        e.properties.duration_ms,
        e.properties.results,
        e.properties.price,
        e.properties.total,
        e.properties.build,
        e.properties.data?.object?.amount,
      ].filter((v) => typeof v === 'string').length;
    const byLine = new Map(parsed.map((p) => [p.i, p.v]));
    for (const line of day!.drifted) expect(numbersAsStrings(byLine.get(line)!)).toBe(1);
    expect(events.filter((e) => numbersAsStrings(e) > 0)).toHaveLength(day!.drifted.length);
    // Arrival order.
    const ts = events.map((e) => e.ts as string);
    expect([...ts].sort()).toEqual(ts);
  });

  it('refuses bad specs with the reason', () => {
    expect(() => [...generatePayloads({ start: '2025-02-30x' })]).toThrow(/start must be a date/);
    expect(() => [...generatePayloads({ days: 0 })]).toThrow(TabularInputError);
    expect(() => [...generatePayloads({ malformedRate: 0.9 })]).toThrow(/malformedRate must be a share/);
    expect(() => generatePayloadDay({ days: 2 }, 2)).toThrow(/outside 0..1/);
  });
});
