import pl, { type DataType } from 'nodejs-polars';
import { DAY_MS, dayStartMs, DEFAULT_PERIOD } from './calendar';
import { TabularInputError } from './errors';
import { concatStrings, conformFrame } from './frames';
import { hash32, Rng, WeightedIndex } from './random';
import { CUSTOMERS, EVENTS, ORDERS, PRODUCTS, type RetailTableName } from './schema';
import { buildUniverse, signupDay, type RetailUniverse } from './universe';
import {
  ACQUISITION_CHANNELS, ADJECTIVES, CATEGORIES, COLORS, COUNTRIES, COUPONS, DEVICES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES,
  LOYALTY_TIERS, PAYMENT_METHODS, REFERRERS, SEARCH_TERMS, TIME_ZONES,
} from './vocabulary';

/** Bump when the generator's output changes: it is part of the dataset id (and so of the dedup tokens). */
export const GENERATOR_VERSION = 1;

export interface DatasetSpec {
  /** Same seed, same dataset (default `retail`). */
  seed?: string;
  /** Web events to generate (default 100 000; up to 10 000 000 and beyond, in chunks). */
  events?: number;
  /** Rows per chunk: the unit of generation, upload and insert (default 100 000). Part of the dataset id. */
  chunkRows?: number;
}

export interface DatasetPlan {
  readonly seed: string;
  readonly events: number;
  readonly chunkRows: number;
  readonly customers: number;
  readonly products: number;
  /** Identifies the dataset's content: generator version, seed, sizes. */
  readonly id: string;
  /** Chunks per table (orders come with the event chunks). */
  readonly chunks: Readonly<Record<RetailTableName, number>>;
}

export const DEFAULT_EVENTS = 100_000;
export const DEFAULT_CHUNK_ROWS = 100_000;
export const MAX_EVENTS = 100_000_000;

/** Sizes of every table for a spec: customers and products grow with the traffic. */
export function planDataset(spec: DatasetSpec = {}): DatasetPlan {
  const seed = spec.seed ?? 'retail';
  const events = spec.events ?? DEFAULT_EVENTS;
  const chunkRows = spec.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(events) || events < 1 || events > MAX_EVENTS) {
    throw new TabularInputError(`events must be a whole number from 1 to ${MAX_EVENTS.toLocaleString('en-US')}, got ${String(spec.events)}.`);
  }
  if (!Number.isInteger(chunkRows) || chunkRows < 100 || chunkRows > 2_000_000) {
    throw new TabularInputError(`chunkRows must be a whole number from 100 to 2,000,000, got ${String(spec.chunkRows)}.`);
  }
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 100) throw new TabularInputError('seed must be a non-empty text of at most 100 characters.');
  const customers = Math.max(200, Math.round(events / 20));
  const products = Math.max(100, Math.round(4 * Math.sqrt(events)));
  const chunksOf = (n: number): number => Math.ceil(n / chunkRows);
  const id = `retail-v${GENERATOR_VERSION}-${hash32(seed).toString(16).padStart(8, '0')}-${events}-${chunkRows}`;
  return {
    seed,
    events,
    chunkRows,
    customers,
    products,
    id,
    chunks: { customers: chunksOf(customers), products: chunksOf(products), events: chunksOf(events), orders: chunksOf(events) },
  };
}

/** Builds frames of the dataset chunk by chunk; memory stays bounded by one chunk plus the universe. */
export class RetailGenerator {
  readonly plan: DatasetPlan;
  private universeCache: RetailUniverse | undefined;

  constructor(spec: DatasetSpec = {}) {
    this.plan = planDataset(spec);
  }

  get universe(): RetailUniverse {
    this.universeCache ??= buildUniverse(this.plan.seed, this.plan.customers, this.plan.products, DEFAULT_PERIOD);
    return this.universeCache;
  }

  /** Rows [chunk * chunkRows, ...) of the customers table. */
  customersChunk(chunk: number): pl.DataFrame {
    const [start, end] = this.range(chunk, this.plan.customers, 'customers');
    return customerFrame(this.universe, start, end);
  }

  productsChunk(chunk: number): pl.DataFrame {
    const [start, end] = this.range(chunk, this.plan.products, 'products');
    return productFrame(this.universe, start, end);
  }

  /** One chunk of events and the orders its purchases placed. */
  activityChunk(chunk: number): { events: pl.DataFrame; orders: pl.DataFrame } {
    const [start, end] = this.range(chunk, this.plan.events, 'events');
    return activityFrames(this.universe, chunk, start, end - start);
  }

  private range(chunk: number, total: number, table: string): [number, number] {
    const count = Math.ceil(total / this.plan.chunkRows);
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= count) {
      throw new TabularInputError(`chunk ${chunk} does not exist for ${table}: there are ${count} (0 to ${count - 1}).`);
    }
    const start = chunk * this.plan.chunkRows;
    return [start, Math.min(total, start + this.plan.chunkRows)];
  }
}

// ---------------------------------------------------------------------------------------------

const pairs = <T>(list: ReadonlyArray<readonly [T, number]>): { values: T[]; picker: WeightedIndex } => ({
  values: list.map(([v]) => v),
  picker: new WeightedIndex(list.map(([, w]) => w)),
});

const TIERS = LOYALTY_TIERS.map(([t]) => t);
const CHANNELS = pairs(ACQUISITION_CHANNELS);
const DOMAINS = pairs(EMAIL_DOMAINS);
const DEVICE = pairs(DEVICES);
const REFERRER = pairs(REFERRERS);
const PAYMENT = pairs(PAYMENT_METHODS);

const slug = (s: string): string => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const CATEGORY_SLUGS = CATEGORIES.map((c) => slug(c.name));
const COUNTRY_CODES = COUNTRIES.map((c) => c.code);

/** Expressions that turn the generator's typed-array codes into the declared columns (native, fast). */
const asDatetime = (name: string): pl.Expr => pl.col(name).cast(pl.Int64).cast(pl.Datetime('ms', 'UTC')).alias(name);
const asType = (name: string, dtype: DataType): pl.Expr => pl.col(name).cast(dtype).alias(name);
/** Negative codes are missing values. */
const asOptional = (name: string, dtype: DataType): pl.Expr => pl.when(pl.col(name).lt(0)).then(pl.lit(null)).otherwise(pl.col(name)).cast(dtype).alias(name);
/** Cents (negative: missing) as a Decimal in units. */
const asMoney = (name: string, precision: number): pl.Expr =>
  pl.when(pl.col(name).lt(0)).then(pl.lit(null)).otherwise(pl.col(name).div(100)).cast(pl.Decimal(precision, 2)).alias(name);
/** Codes as labels; a null label is a missing value. */
function asLabel(name: string, vocab: ReadonlyArray<string | null>): pl.Expr {
  const codes: number[] = [];
  const values: string[] = [];
  vocab.forEach((v, i) => {
    if (v !== null) {
      codes.push(i);
      values.push(v);
    }
  });
  return pl.col(name).replaceStrict(codes, values, pl.lit(null).cast(pl.Utf8), pl.Utf8).alias(name);
}

/** A typed array as a series, without copying element by element through JS. */
const raw = (name: string, values: Float64Array | Uint8Array | Uint32Array | Int32Array): pl.Series => pl.Series(name, values);

function customerFrame(u: RetailUniverse, start: number, end: number): pl.DataFrame {
  const n = end - start;
  const rng = new Rng(u.seed, 'customers', start);
  const ids = new Float64Array(n);
  const email = new Array<(string | null)>(n);
  const first = new Array<string>(n);
  const last = new Array<string>(n);
  const birth = new Array<(number | null)>(n);
  const tier = new Uint8Array(n);
  const channel = new Uint8Array(n);
  const optIn = new Array<boolean>(n);
  const signup = new Float64Array(n);
  const country = new Uint8Array(n);
  const zone = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = start + i;
    ids[i] = c + 1;
    const f = rng.pick(FIRST_NAMES);
    const l = rng.pick(LAST_NAMES);
    first[i] = f;
    last[i] = l;
    email[i] = rng.chance(0.04) ? null : `${slug(f)}.${slug(l).replace(/-/g, '')}${rng.chance(0.6) ? rng.int(1000) : ''}@${DOMAINS.values[DOMAINS.picker.sample(rng)]}`;
    birth[i] = rng.chance(0.3) ? null : Math.round(Math.min(2007, Math.max(1940, 1986 + 13 * rng.normal())));
    // Heavy users tend to sit in the higher tiers.
    const pct = u.customers.rank[c]! / u.customers.count + 0.15 * rng.normal();
    tier[i] = pct < 0.03 ? 3 : pct < 0.13 ? 2 : pct < 0.38 ? 1 : 0;
    channel[i] = CHANNELS.picker.sample(rng);
    optIn[i] = rng.chance(0.42);
    signup[i] = u.customers.signupMs[c]!;
    country[i] = u.customers.country[c]!;
    zone[i] = u.customers.zone[c]!;
  }
  const frame = pl.DataFrame([
    raw('customer_id', ids),
    pl.Series('email', email, pl.Utf8),
    pl.Series('first_name', first, pl.Utf8),
    pl.Series('last_name', last, pl.Utf8),
    raw('country', country),
    raw('time_zone', zone),
    raw('signup_time', signup),
    pl.Series('birth_year', birth, pl.Float64),
    raw('loyalty_tier', tier),
    raw('acquisition_channel', channel),
    pl.Series('marketing_opt_in', optIn, pl.Bool),
  ]).select(
    asType('customer_id', pl.UInt32),
    'email',
    'first_name',
    'last_name',
    asLabel('country', COUNTRY_CODES),
    asLabel('time_zone', TIME_ZONES),
    asDatetime('signup_time'),
    asType('birth_year', pl.UInt16),
    asLabel('loyalty_tier', TIERS),
    asLabel('acquisition_channel', CHANNELS.values),
    'marketing_opt_in',
  );
  return conformFrame(CUSTOMERS, frame);
}

function productFrame(u: RetailUniverse, start: number, end: number): pl.DataFrame {
  const n = end - start;
  const rng = new Rng(u.seed, 'products', start);
  const ids = new Float64Array(n);
  const sku = new Array<string>(n);
  const name = new Array<string>(n);
  const brand = new Array<string>(n);
  const weight = new Array<(number | null)>(n);
  const P = u.products;
  for (let i = 0; i < n; i++) {
    const p = start + i;
    const cat = CATEGORIES[P.category[p]!]!;
    ids[i] = p + 1;
    sku[i] = `${cat.name.slice(0, 3).toUpperCase()}-${String(p + 1).padStart(6, '0')}`;
    const b = rng.pick(cat.brands);
    brand[i] = b;
    name[i] = `${b} ${rng.pick(ADJECTIVES)} ${cat.nouns[rng.int(cat.nouns.length)]}${rng.chance(0.4) ? `, ${rng.pick(COLORS)}` : ''}`;
    weight[i] = cat.name === 'Books' && rng.chance(0.3) ? null : rng.chance(0.05) ? null : Math.round(rng.logNormal(450, 0.9));
  }
  const frame = pl.DataFrame([
    raw('product_id', ids),
    pl.Series('sku', sku, pl.Utf8),
    pl.Series('name', name, pl.Utf8),
    raw('category', P.category.slice(start, end)),
    pl.Series('brand', brand, pl.Utf8),
    raw('price', Float64Array.from(P.priceCents.subarray(start, end))),
    raw('cost', Float64Array.from(P.costCents.subarray(start, end))),
    pl.Series('weight_grams', weight, pl.Float64),
    raw('created_at', P.createdMs.slice(start, end)),
    pl.Series('is_active', Array.from(P.active.subarray(start, end), (a) => a === 1), pl.Bool),
  ]).select(
    asType('product_id', pl.UInt32),
    'sku',
    'name',
    asLabel('category', CATEGORIES.map((c) => c.name)),
    'brand',
    asMoney('price', 10),
    asMoney('cost', 10),
    asType('weight_grams', pl.UInt32),
    asDatetime('created_at'),
    'is_active',
  );
  return conformFrame(PRODUCTS, frame);
}

export const EVENT_TYPES = ['page_view', 'search', 'product_view', 'add_to_cart', 'checkout', 'purchase'] as const;
const PAGE_VIEW = 0, SEARCH = 1, PRODUCT_VIEW = 2, ADD_TO_CART = 3, CHECKOUT = 4, PURCHASE = 5;
const STATUS = ['pending', 'processing', 'shipped', 'delivered', 'returned', 'cancelled'] as const;

/** Orders as columns of codes (labels become strings in one native step). */
interface OrderRows {
  id: number[];
  customer: number[];
  time: number[];
  status: number[];
  items: number[];
  products: number[][];
  subtotal: number[];
  discount: number[];
  shipping: number[];
  total: number[];
  payment: number[];
  coupon: number[];
  country: number[];
}

/** Page paths: a kind and an argument (product id, order id, category or search term index). */
const PATH_HOME = 0, PATH_CATEGORY = 1, PATH_PRODUCT = 2, PATH_SEARCH = 3, PATH_CHECKOUT = 4, PATH_ORDER = 5;

function pagePathExpr(): pl.Expr {
  const kind = pl.col('path_kind');
  const arg = pl.col('path_arg');
  const id = arg.cast(pl.UInt64).cast(pl.Utf8);
  const index = arg.cast(pl.UInt8);
  const categories = CATEGORY_SLUGS.map((_, i) => i);
  const terms = SEARCH_TERMS.map((_, i) => i);
  return pl
    .when(kind.eq(PATH_HOME)).then(pl.lit('/'))
    .when(kind.eq(PATH_CATEGORY)).then(concatStrings([pl.lit('/c/'), index.replaceStrict(categories, [...CATEGORY_SLUGS], pl.lit('').cast(pl.Utf8), pl.Utf8)], ''))
    .when(kind.eq(PATH_PRODUCT)).then(concatStrings([pl.lit('/p/'), id], ''))
    .when(kind.eq(PATH_SEARCH)).then(concatStrings([pl.lit('/search?q='), index.replaceStrict(terms, [...SEARCH_TERMS], pl.lit('').cast(pl.Utf8), pl.Utf8)], ''))
    .when(kind.eq(PATH_CHECKOUT)).then(pl.lit('/checkout'))
    .otherwise(concatStrings([pl.lit('/order/'), id, pl.lit('/confirmation')], ''))
    .alias('page_path');
}

/**
 * Events of `n` rows starting at event id `first + 1`, as visits: a landing page, browsing
 * (product views follow product popularity, cart adds follow views), then sometimes checkout and
 * purchase. A visit cut by the chunk's end simply stops. Times follow the day and local-hour
 * weights of the visitor's time zone.
 */
function activityFrames(u: RetailUniverse, chunk: number, first: number, n: number): { events: pl.DataFrame; orders: pl.DataFrame } {
  const rng = new Rng(u.seed, 'events', chunk);
  const eventId = new Float64Array(n);
  const time = new Float64Array(n);
  const session = new Float64Array(n);
  const customer = new Float64Array(n);
  const type = new Uint8Array(n);
  const product = new Float64Array(n);
  const quantity = new Float64Array(n);
  const price = new Float64Array(n);
  const orderId = new Float64Array(n);
  const pathKind = new Uint8Array(n);
  const pathArg = new Float64Array(n);
  const referrer = new Uint8Array(n);
  const device = new Uint8Array(n);
  const country = new Uint8Array(n);
  const zone = new Uint8Array(n);
  const duration = new Float64Array(n);
  const orders: OrderRows = { id: [], customer: [], time: [], status: [], items: [], products: [], subtotal: [], discount: [], shipping: [], total: [], payment: [], coupon: [], country: [] };
  const periodEnd = dayStartMs(u.period, u.period.days);
  const C = u.customers;
  const P = u.products;

  let j = 0;
  while (j < n) {
    const sessionId = first + j + 1;
    const known = rng.chance(0.6);
    const cust = known ? C.byRank[C.activity.sample(rng)]! : -1;
    let ci: number;
    let zi: number;
    if (known) {
      ci = C.country[cust]!;
      zi = C.zone[cust]!;
    } else {
      ci = u.countryPicker.sample(rng);
      zi = u.zoneIds[ci]![u.zonePickers[ci]!.sample(rng)]!;
    }
    const dev = DEVICE.picker.sample(rng);
    const ref = REFERRER.picker.sample(rng);
    let day = u.dayPicker.sample(rng);
    if (known) {
      const sd = signupDay(u, cust);
      if (day < sd) day = sd + rng.int(u.period.days - sd);
    }
    const localMs = dayStartMs(u.period, day) + u.hourPicker.sample(rng) * 3_600_000 + rng.int(3_600_000);
    let t = localMs - u.offsets[zi]![day]! * 60_000;
    if (known) t = Math.max(t, C.signupMs[cust]! + 60_000);
    const pages = Math.min(40, rng.geometric(5.5));
    const cart: Array<{ product: number; qty: number; cents: number }> = [];
    let lastProduct = -1;

    // One event row; false when the chunk is full (the visit is cut there).
    const emit = (kind: number, prod: number, qty: number, cents: number, order: number, pk: number, pa: number, dwellMedian: number): boolean => {
      if (j >= n) return false;
      eventId[j] = first + j + 1;
      time[j] = t;
      session[j] = sessionId;
      customer[j] = known ? cust + 1 : -1;
      type[j] = kind;
      product[j] = prod < 0 ? -1 : prod + 1;
      quantity[j] = qty;
      price[j] = cents;
      orderId[j] = order;
      pathKind[j] = pk;
      pathArg[j] = pa;
      referrer[j] = ref;
      device[j] = dev;
      country[j] = ci;
      zone[j] = zi;
      const dwell = Math.round(Math.min(1_800_000, Math.max(300, rng.logNormal(dwellMedian, 1))));
      duration[j] = dwell;
      t += dwell;
      j++;
      return true;
    };
    const view = (): boolean => {
      const p = P.byRank[P.popularity.sample(rng)]!;
      lastProduct = p;
      return emit(PRODUCT_VIEW, p, -1, P.priceCents[p]!, -1, PATH_PRODUCT, p + 1, 30_000);
    };
    const search = (): boolean => emit(SEARCH, -1, -1, -1, -1, PATH_SEARCH, rng.int(SEARCH_TERMS.length), 12_000);

    let alive = true;
    for (let e = 0; e < pages && alive; e++) {
      const r = rng.next();
      if (e === 0) {
        alive = r < 0.35 ? emit(PAGE_VIEW, -1, -1, -1, -1, PATH_HOME, 0, 15_000) : r < 0.85 ? view() : search();
      } else if (lastProduct >= 0 && r < 0.14) {
        const qty = Math.min(5, rng.geometric(1.25));
        cart.push({ product: lastProduct, qty, cents: P.priceCents[lastProduct]! });
        alive = emit(ADD_TO_CART, lastProduct, qty, P.priceCents[lastProduct]!, -1, PATH_PRODUCT, lastProduct + 1, 8_000);
        lastProduct = -1;
      } else if (r < 0.62) {
        alive = view();
      } else if (r < 0.85) {
        lastProduct = -1;
        alive = emit(PAGE_VIEW, -1, -1, -1, -1, PATH_CATEGORY, rng.int(CATEGORY_SLUGS.length), 18_000);
      } else {
        lastProduct = -1;
        alive = search();
      }
    }
    if (!alive || cart.length === 0 || !rng.chance(0.5)) continue;
    if (!emit(CHECKOUT, -1, -1, -1, -1, PATH_CHECKOUT, 0, 45_000) || !rng.chance(0.72)) continue;

    const subtotal = cart.reduce((s, l) => s + l.cents * l.qty, 0);
    const coupon = rng.chance(0.14) ? rng.pick(COUPONS) : null;
    const pct = coupon === null || coupon === 'FREESHIP' ? 0 : Number(/\d+/.exec(coupon)![0]);
    const discount = Math.round((subtotal * pct) / 100);
    const shipping = coupon === 'FREESHIP' || subtotal >= 5_000 ? 0 : COUNTRY_CODES[ci] === 'US' ? 499 : 999;
    const total = subtotal - discount + shipping;
    const id = first + j + 1;
    const orderTime = t;
    if (!emit(PURCHASE, -1, -1, total, id, PATH_ORDER, id, 20_000)) continue;
    orders.id.push(id);
    orders.customer.push(known ? cust + 1 : -1);
    orders.time.push(orderTime);
    orders.status.push(orderStatus(rng, periodEnd - orderTime));
    orders.items.push(cart.reduce((s, l) => s + l.qty, 0));
    orders.products.push(cart.map((l) => l.product + 1));
    orders.subtotal.push(subtotal);
    orders.discount.push(discount);
    orders.shipping.push(shipping);
    orders.total.push(total);
    orders.payment.push(PAYMENT.picker.sample(rng));
    orders.coupon.push(coupon === null ? -1 : COUPONS.indexOf(coupon));
    orders.country.push(ci);
  }

  const events = pl
    .DataFrame([
      raw('event_id', eventId), raw('event_time', time), raw('session_id', session), raw('customer_id', customer),
      raw('event_type', type), raw('product_id', product), raw('quantity', quantity), raw('price', price), raw('order_id', orderId),
      raw('path_kind', pathKind), raw('path_arg', pathArg), raw('referrer', referrer), raw('device', device), raw('country', country),
      raw('time_zone', zone), raw('duration_ms', duration),
    ])
    .select(
      asType('event_id', pl.UInt64),
      asDatetime('event_time'),
      asType('session_id', pl.UInt64),
      asOptional('customer_id', pl.UInt32),
      asLabel('event_type', EVENT_TYPES),
      asOptional('product_id', pl.UInt32),
      asOptional('quantity', pl.UInt16),
      asMoney('price', 12),
      asOptional('order_id', pl.UInt64),
      pagePathExpr(),
      asLabel('referrer', REFERRER.values),
      asLabel('device', DEVICE.values),
      asLabel('country', COUNTRY_CODES),
      asLabel('time_zone', TIME_ZONES),
      asType('duration_ms', pl.UInt32),
    );
  const f64 = (xs: number[]): Float64Array => Float64Array.from(xs);
  const orderFrame = pl
    .DataFrame([
      raw('order_id', f64(orders.id)), raw('customer_id', f64(orders.customer)), raw('order_time', f64(orders.time)),
      raw('status', Uint8Array.from(orders.status)), raw('items', f64(orders.items)),
      pl.Series('product_ids', orders.products, pl.List(pl.UInt32)),
      raw('subtotal', f64(orders.subtotal)), raw('discount', f64(orders.discount)), raw('shipping', f64(orders.shipping)),
      raw('total', f64(orders.total)), raw('payment_method', Uint8Array.from(orders.payment)), raw('coupon_code', f64(orders.coupon)),
      raw('ship_country', Uint8Array.from(orders.country)),
    ])
    .select(
      asType('order_id', pl.UInt64),
      asOptional('customer_id', pl.UInt32),
      asDatetime('order_time'),
      asLabel('status', STATUS),
      asType('items', pl.UInt16),
      'product_ids',
      asMoney('subtotal', 12),
      asMoney('discount', 12),
      asMoney('shipping', 10),
      asMoney('total', 12),
      asLabel('payment_method', PAYMENT.values),
      pl.when(pl.col('coupon_code').lt(0)).then(pl.lit(null).cast(pl.Utf8)).otherwise(pl.col('coupon_code').cast(pl.UInt8).replaceStrict(COUPONS.map((_, i) => i), [...COUPONS], pl.lit(null).cast(pl.Utf8), pl.Utf8)).alias('coupon_code'),
      asLabel('ship_country', COUNTRY_CODES),
    );
  return { events: conformFrame(EVENTS, events), orders: conformFrame(ORDERS, orderFrame) };
}

/** Index into STATUS: recent orders are still open, older ones delivered, some returned or cancelled. */
function orderStatus(rng: Rng, ageMs: number): number {
  const r = rng.next();
  if (ageMs < 2 * DAY_MS) return r < 0.5 ? 0 : 1;
  if (ageMs < 8 * DAY_MS) return r < 0.8 ? 2 : r < 0.92 ? 1 : 5;
  return r < 0.9 ? 3 : r < 0.96 ? 4 : 5;
}
