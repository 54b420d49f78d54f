/**
 * @file Raw event payloads as a clickstream collector or a webhook receiver stores them: one JSON
 * object per line, nested objects, keys that depend on the event type, arrays, a number now and
 * then sent as a string, and a few lines that are not JSON at all. Seeded: the same spec gives
 * the same bytes on every machine.
 */
import { DAY_MS } from './calendar';
import { TabularInputError } from './errors';
import { Rng, WeightedIndex } from './random';
import { CATEGORIES, COUNTRIES, COUPONS, DEVICES, PAYMENT_METHODS, REFERRERS, SEARCH_TERMS } from './vocabulary';

/** Event types and their share of the traffic. */
export const PAYLOAD_EVENT_TYPES = [
  ['page_view', 0.52],
  ['search', 0.16],
  ['add_to_cart', 0.15],
  ['checkout.completed', 0.08],
  ['payment.refunded', 0.02],
  ['app.crash', 0.07],
] as const;
export type PayloadEventType = (typeof PAYLOAD_EVENT_TYPES)[number][0];

export interface PayloadSpec {
  /** Same seed, same payloads (default `retail`). */
  seed?: string;
  /** First day, `YYYY-MM-DD` (default 2025-01-01). */
  start?: string;
  /** Days to generate, one object each (default 3). */
  days?: number;
  /** Events per day (default 2 000). */
  eventsPerDay?: number;
  /** Share of lines that are broken (default 0.002). */
  malformedRate?: number;
  /** Share of events with a number sent as a string (default 0.01). */
  driftRate?: number;
}

/** One day of payloads: the lines of one NDJSON object. */
export interface PayloadDay {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly lines: string[];
  /** 1-based numbers of the lines that are not valid JSON objects. */
  readonly malformed: number[];
  /** 1-based numbers of the lines where a number was sent as a string. */
  readonly drifted: number[];
}

const DEFAULTS = {
  seed: 'retail',
  start: '2025-01-01',
  days: 3,
  eventsPerDay: 2000,
  malformedRate: 0.002,
  driftRate: 0.01,
};
const CUSTOMERS = 5000;
const PRODUCTS = 600;
const OS_BY_DEVICE: Record<string, readonly string[]> = {
  mobile: ['iOS 18.2', 'iOS 17.6', 'Android 15', 'Android 14'],
  desktop: ['Windows 11', 'macOS 15', 'Linux'],
  tablet: ['iPadOS 18', 'Android 14'],
};
const PAGES = [
  '/',
  '/category/electronics',
  '/category/clothing',
  '/product',
  '/cart',
  '/checkout',
  '/account',
  '/help/returns',
];
const CRASH_SIGNALS = ['SIGABRT', 'SIGSEGV', 'OutOfMemory', 'ANR'];
const REFUND_REASONS = ['damaged', 'late_delivery', 'wrong_size', 'not_as_described', 'changed_mind'];

function checkSpec(spec: PayloadSpec): Required<PayloadSpec> {
  // An option given as undefined takes its default.
  const s = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)),
  } as Required<PayloadSpec>;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s.start) || Number.isNaN(Date.parse(`${s.start}T00:00:00Z`))) {
    throw new TabularInputError(`start must be a date YYYY-MM-DD, got ${JSON.stringify(spec.start)}.`);
  }
  if (!Number.isInteger(s.days) || s.days < 1 || s.days > 3660)
    throw new TabularInputError(`days must be a whole number from 1 to 3660, got ${String(spec.days)}.`);
  if (!Number.isInteger(s.eventsPerDay) || s.eventsPerDay < 1 || s.eventsPerDay > 5_000_000) {
    throw new TabularInputError(
      `eventsPerDay must be a whole number from 1 to 5,000,000, got ${String(spec.eventsPerDay)}.`,
    );
  }
  for (const key of ['malformedRate', 'driftRate'] as const) {
    if (!(s[key] >= 0 && s[key] <= 0.5))
      throw new TabularInputError(`${key} must be a share from 0 to 0.5, got ${String(spec[key])}.`);
  }
  if (typeof s.seed !== 'string' || s.seed.length === 0 || s.seed.length > 100)
    throw new TabularInputError('seed must be a non-empty text of at most 100 characters.');
  return s;
}

const weighted = <T>(pairs: ReadonlyArray<readonly [T, number]>): { pick: (rng: Rng) => T } => {
  const index = new WeightedIndex(pairs.map(([, w]) => w));
  return { pick: (rng) => pairs[index.sample(rng)]![0] };
};
const TYPES = weighted(PAYLOAD_EVENT_TYPES);
const DEVICE = weighted(DEVICES);
const COUNTRY = weighted(COUNTRIES.map((c) => [c.code, c.share] as const));
const REFERRER = weighted(REFERRERS);
const PAYMENT = weighted(PAYMENT_METHODS);

const money = (x: number): number => Math.round(x * 100) / 100;

function productOf(rng: Rng): { product_id: number; category: string; price: number } {
  const product = 1 + rng.int(PRODUCTS);
  const category = CATEGORIES[product % CATEGORIES.length]!;
  // The same product keeps its list price: derived from its id, not from the stream.
  const price = money(category.medianPrice * Math.exp(0.5 * new Rng('price', product).normal()));
  return { product_id: product, category: category.name, price };
}

/** The type-specific part of an event; `drift` sends one number as a string. */
function propertiesOf(type: PayloadEventType, rng: Rng, drift: boolean): Record<string, unknown> {
  switch (type) {
    case 'page_view':
      return {
        page: rng.pick(PAGES),
        referrer: REFERRER.pick(rng),
        duration_ms: drift ? String(rng.between(200, 90_000)) : rng.between(200, 90_000),
      };
    case 'search': {
      const filters: Record<string, unknown> = {};
      if (rng.chance(0.4)) filters.category = rng.pick(CATEGORIES).name;
      if (rng.chance(0.25)) filters.price_max = rng.pick([20, 50, 100, 250]);
      return { query: rng.pick(SEARCH_TERMS), results: drift ? String(rng.int(400)) : rng.int(400), filters };
    }
    case 'add_to_cart': {
      const p = productOf(rng);
      return { ...p, price: drift ? p.price.toFixed(2) : p.price, quantity: rng.geometric(1.3) };
    }
    case 'checkout.completed': {
      const items = Array.from({ length: rng.geometric(1.8) }, () => ({
        ...productOf(rng),
        quantity: rng.geometric(1.2),
      }));
      const total = money(items.reduce((s, i) => s + i.price * i.quantity, 0));
      const out: Record<string, unknown> = {
        order_id: `ord_${rng.int(1e9).toString(36)}`,
        currency: 'USD',
        total: drift ? total.toFixed(2) : total,
        items,
        payment: { method: PAYMENT.pick(rng), installments: rng.chance(0.1) ? rng.pick([3, 6, 12]) : 1 },
      };
      if (rng.chance(0.2)) out.coupon = rng.pick(COUPONS);
      return out;
    }
    case 'payment.refunded':
      // Webhook style: the interesting part sits two levels down.
      return {
        data: {
          object: {
            amount: drift ? String(rng.between(100, 40_000)) : rng.between(100, 40_000),
            currency: 'usd',
            reason: rng.pick(REFUND_REASONS),
          },
        },
      };
    case 'app.crash':
      return {
        signal: rng.pick(CRASH_SIGNALS),
        build: drift ? String(rng.between(4000, 4999)) : rng.between(4000, 4999),
        app_version: `4.${rng.int(12)}.${rng.int(5)}`,
        frames: Array.from({ length: 1 + rng.int(4) }, (_, i) => `frame_${i}:0x${rng.int(0xffff).toString(16)}`),
      };
  }
}

/** A broken line of the kinds collectors really store: cut off, a log line, a trailing comma. */
function malformedLine(rng: Rng, valid: string): string {
  switch (rng.int(4)) {
    case 0:
      return valid.slice(0, Math.max(2, Math.floor(valid.length * (0.3 + 0.5 * rng.next()))));
    case 1:
      return `WARN collector: upstream timeout after ${rng.between(1000, 30_000)} ms, payload dropped`;
    case 2:
      return `${valid.slice(0, -1)},}`;
    default:
      return `[${valid}]`;
  }
}

/** Payloads of one day (day 0 is `start`). */
export function generatePayloadDay(spec: PayloadSpec, dayIndex: number): PayloadDay {
  const s = checkSpec(spec);
  if (!Number.isInteger(dayIndex) || dayIndex < 0 || dayIndex >= s.days)
    throw new TabularInputError(`day ${dayIndex} is outside 0..${s.days - 1}.`);
  const dayStart = Date.parse(`${s.start}T00:00:00Z`) + dayIndex * DAY_MS;
  const day = new Date(dayStart).toISOString().slice(0, 10);
  const rng = new Rng(s.seed, 'payloads', day);
  // Sorted arrival times over the day, like a collector writes them.
  const times = Array.from({ length: s.eventsPerDay }, () => dayStart + rng.int(DAY_MS)).sort((a, b) => a - b);
  const lines: string[] = [];
  const malformed: number[] = [];
  const drifted: number[] = [];
  times.forEach((ms, i) => {
    const type = TYPES.pick(rng);
    const drift = rng.chance(s.driftRate);
    const device = DEVICE.pick(rng);
    const user = 1 + rng.int(CUSTOMERS);
    const event: Record<string, unknown> = {
      event_id: `${day.replaceAll('-', '')}-${String(i).padStart(7, '0')}`,
      type,
      ts: new Date(ms).toISOString(),
      user: {
        id: user,
        session: `s_${rng.int(1e9).toString(36)}`,
        ...(rng.chance(0.3)
          ? { traits: { tier: rng.pick(['bronze', 'silver', 'gold']), newsletter: rng.chance(0.4) } }
          : {}),
      },
      context: {
        device: { type: device, os: rng.pick(OS_BY_DEVICE[device]!) },
        geo: { country: COUNTRY.pick(rng) },
        ...(rng.chance(0.35)
          ? {
              campaign: {
                source: rng.pick(['google', 'newsletter', 'facebook', 'tiktok']),
                medium: rng.pick(['cpc', 'email', 'social']),
              },
            }
          : {}),
      },
      properties: propertiesOf(type, rng, drift),
    };
    let line = JSON.stringify(event);
    if (rng.chance(s.malformedRate)) {
      line = malformedLine(rng, line);
      malformed.push(i + 1);
    } else if (drift) {
      drifted.push(i + 1);
    }
    lines.push(line);
  });
  return { day, lines, malformed, drifted };
}

/** Every day of a spec, one after another (memory: one day at a time if iterated lazily). */
export function* generatePayloads(spec: PayloadSpec = {}): Generator<PayloadDay> {
  const s = checkSpec(spec);
  for (let d = 0; d < s.days; d++) yield generatePayloadDay(s, d);
}
