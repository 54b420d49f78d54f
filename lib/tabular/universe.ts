import {
  DAY_MS,
  dayOf,
  dayStartMs,
  dayWeights,
  DEFAULT_PERIOD,
  hourPicker,
  zoneOffsets,
  type Period,
} from './calendar';
import { permutation, Rng, WeightedIndex, zipfWeights } from './random';
import { CATEGORIES, COUNTRIES, TIME_ZONES } from './vocabulary';

/**
 * What every chunk of the dataset needs to agree on: who the customers are (country, zone,
 * signup, how active), what the products are (category, price) and how traffic spreads over
 * days and hours. Built once from the seed; O(customers + products) memory.
 */
export interface RetailUniverse {
  readonly seed: string;
  readonly period: Period;
  readonly customers: {
    readonly count: number;
    /** Index into COUNTRIES, per customer index (customer_id - 1). */
    readonly country: Uint8Array;
    /** Index into TIME_ZONES. */
    readonly zone: Uint8Array;
    readonly signupMs: Float64Array;
    /** Activity rank (0 = most active). */
    readonly rank: Uint32Array;
    /** Customer index by activity rank. */
    readonly byRank: Uint32Array;
    /** Picks an activity rank (Zipf: heavy users exist). */
    readonly activity: WeightedIndex;
  };
  readonly products: {
    readonly count: number;
    /** Index into CATEGORIES, per product index (product_id - 1). */
    readonly category: Uint8Array;
    readonly priceCents: Int32Array;
    readonly costCents: Int32Array;
    readonly createdMs: Float64Array;
    readonly active: Uint8Array;
    /** Product index by popularity rank. */
    readonly byRank: Uint32Array;
    readonly popularity: WeightedIndex;
  };
  readonly countryPicker: WeightedIndex;
  /** Per country: picks an index into that country's zones. */
  readonly zonePickers: ReadonlyArray<WeightedIndex>;
  /** Per country: TIME_ZONES index of each of its zones. */
  readonly zoneIds: ReadonlyArray<ReadonlyArray<number>>;
  readonly dayPicker: WeightedIndex;
  readonly hourPicker: WeightedIndex;
  /** UTC offset in minutes, per TIME_ZONES index and day. */
  readonly offsets: ReadonlyArray<Int16Array>;
}

const YEAR_MS = 365.25 * DAY_MS;

export function buildUniverse(
  seed: string,
  customerCount: number,
  productCount: number,
  period: Period = DEFAULT_PERIOD,
): RetailUniverse {
  const countryPicker = new WeightedIndex(COUNTRIES.map((c) => c.share));
  const zonePickers = COUNTRIES.map((c) => new WeightedIndex(c.zones.map(([, s]) => s)));
  const zoneIds = COUNTRIES.map((c) => c.zones.map(([z]) => TIME_ZONES.indexOf(z)));
  const days = new WeightedIndex(dayWeights(period));
  const periodEnd = dayStartMs(period, period.days);

  const rc = new Rng(seed, 'universe', 'customers');
  const country = new Uint8Array(customerCount);
  const zone = new Uint8Array(customerCount);
  const signupMs = new Float64Array(customerCount);
  for (let i = 0; i < customerCount; i++) {
    const ci = countryPicker.sample(rc);
    country[i] = ci;
    zone[i] = zoneIds[ci]![zonePickers[ci]!.sample(rc)]!;
    // A quarter joined during the period (following its traffic), the rest over the years before.
    if (rc.chance(0.25)) signupMs[i] = dayStartMs(period, days.sample(rc)) + rc.int(DAY_MS);
    else signupMs[i] = period.startMs - Math.min(6 * YEAR_MS, rc.exponential(1.6 * YEAR_MS)) - rc.int(DAY_MS);
    signupMs[i] = Math.min(Math.floor(signupMs[i]!), periodEnd - 1);
  }
  const customerByRank = permutation(customerCount, rc);
  const customerRank = new Uint32Array(customerCount);
  for (let r = 0; r < customerCount; r++) customerRank[customerByRank[r]!] = r;

  const rp = new Rng(seed, 'universe', 'products');
  const categoryPicker = new WeightedIndex(CATEGORIES.map((c) => c.share));
  const category = new Uint8Array(productCount);
  const priceCents = new Int32Array(productCount);
  const costCents = new Int32Array(productCount);
  const createdMs = new Float64Array(productCount);
  const active = new Uint8Array(productCount);
  for (let i = 0; i < productCount; i++) {
    const k = categoryPicker.sample(rp);
    category[i] = k;
    const price = Math.max(1.99, Math.min(2999, rp.logNormal(CATEGORIES[k]!.medianPrice, 0.6)));
    // Charm pricing: most prices end in .99 or .49.
    const whole = Math.floor(price);
    priceCents[i] = whole * 100 + (rp.chance(0.75) ? 99 : rp.chance(0.5) ? 49 : 0);
    costCents[i] = Math.round(priceCents[i]! * (0.35 + 0.3 * rp.next()));
    createdMs[i] = Math.floor(
      rp.chance(0.9)
        ? period.startMs - rp.next() * 3 * YEAR_MS
        : dayStartMs(period, rp.int(period.days)) + rp.int(DAY_MS),
    );
    active[i] = rp.chance(0.92) ? 1 : 0;
  }
  const productByRank = permutation(productCount, rp);

  return {
    seed,
    period,
    customers: {
      count: customerCount,
      country,
      zone,
      signupMs,
      rank: customerRank,
      byRank: customerByRank,
      activity: new WeightedIndex(zipfWeights(customerCount, 0.6)),
    },
    products: {
      count: productCount,
      category,
      priceCents,
      costCents,
      createdMs,
      active,
      byRank: productByRank,
      popularity: new WeightedIndex(zipfWeights(productCount, 0.8)),
    },
    countryPicker,
    zonePickers,
    zoneIds,
    dayPicker: days,
    hourPicker: hourPicker(),
    offsets: zoneOffsets(TIME_ZONES, period),
  };
}

/** Day index (in the period) of a customer's signup, or 0 when it was before the period. */
export function signupDay(u: RetailUniverse, customer: number): number {
  return dayOf(u.period, u.customers.signupMs[customer]!);
}
