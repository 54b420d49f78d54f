/** @file The reference conversion of the generator's typed-array codes into the declared columns of each table (polars, native). */
import pl, { type DataType } from 'nodejs-polars';
import {
  activityCodes,
  CATEGORY_SLUGS,
  COUNTRY_CODES,
  DEVICE,
  EVENT_TYPES,
  pairs,
  PATH_CATEGORY,
  PATH_CHECKOUT,
  PATH_HOME,
  PATH_PRODUCT,
  PATH_SEARCH,
  PAYMENT,
  REFERRER,
  slug,
  STATUS,
} from './activity';
import { concatStrings, conformFrame } from './frames';
import { Rng } from './random';
import { CUSTOMERS, EVENTS, ORDERS, PRODUCTS } from './schema';
import { type RetailUniverse } from './universe';
import {
  ACQUISITION_CHANNELS,
  ADJECTIVES,
  CATEGORIES,
  COLORS,
  COUPONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  LOYALTY_TIERS,
  SEARCH_TERMS,
  TIME_ZONES,
} from './vocabulary';

const TIERS = LOYALTY_TIERS.map(([t]) => t);
const CHANNELS = pairs(ACQUISITION_CHANNELS);
const DOMAINS = pairs(EMAIL_DOMAINS);
/** The parts of an email address made of a name (the last name without dashes). */
const FIRST_SLUGS = FIRST_NAMES.map(slug);
const LAST_SLUGS = LAST_NAMES.map((l) => slug(l).replace(/-/g, ''));
/** A code that stands for a missing value. */
const MISSING = -1;

/** Expressions that turn the generator's typed-array codes into the declared columns (native, fast). */
const asDatetime = (name: string): pl.Expr => pl.col(name).cast(pl.Int64).cast(pl.Datetime('ms', 'UTC')).alias(name);
const asType = (name: string, dtype: DataType): pl.Expr => pl.col(name).cast(dtype).alias(name);
/** Negative codes are missing values. */
const asOptional = (name: string, dtype: DataType): pl.Expr =>
  pl.when(pl.col(name).lt(0)).then(pl.lit(null)).otherwise(pl.col(name)).cast(dtype).alias(name);
/** Cents (negative: missing) as a Decimal in units. */
const asMoney = (name: string, precision: number): pl.Expr =>
  pl
    .when(pl.col(name).lt(0))
    .then(pl.lit(null))
    .otherwise(pl.col(name).div(100))
    .cast(pl.Decimal(precision, 2))
    .alias(name);
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
const raw = (name: string, values: Float64Array | Uint8Array | Uint16Array | Uint32Array | Int32Array): pl.Series =>
  pl.Series(name, values);

export function customerFrame(u: RetailUniverse, start: number, end: number): pl.DataFrame {
  const n = end - start;
  const rng = new Rng(u.seed, 'customers', start);
  const ids = new Float64Array(n);
  // Names and emails travel as codes (labels made natively): 100k JS strings per column cost
  // ~130 MiB of transient native memory while polars copies them.
  const first = new Uint16Array(n);
  const last = new Uint16Array(n);
  const emailNumber = new Int32Array(n);
  const emailDomain = new Int32Array(n);
  const birth = new Int32Array(n);
  const tier = new Uint8Array(n);
  const channel = new Uint8Array(n);
  const optIn = new Uint8Array(n);
  const signup = new Float64Array(n);
  const country = new Uint8Array(n);
  const zone = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = start + i;
    ids[i] = c + 1;
    // rng.int(length) is what rng.pick draws: the same stream as picking the names themselves.
    first[i] = rng.int(FIRST_NAMES.length);
    last[i] = rng.int(LAST_NAMES.length);
    if (rng.chance(0.04)) {
      emailNumber[i] = MISSING;
      emailDomain[i] = MISSING;
    } else {
      emailNumber[i] = rng.chance(0.6) ? rng.int(1000) : MISSING;
      emailDomain[i] = DOMAINS.picker.sample(rng);
    }
    birth[i] = rng.chance(0.3) ? MISSING : Math.round(Math.min(2007, Math.max(1940, 1986 + 13 * rng.normal())));
    // Heavy users tend to sit in the higher tiers.
    const pct = u.customers.rank[c]! / u.customers.count + 0.15 * rng.normal();
    tier[i] = pct < 0.03 ? 3 : pct < 0.13 ? 2 : pct < 0.38 ? 1 : 0;
    channel[i] = CHANNELS.picker.sample(rng);
    optIn[i] = rng.chance(0.42) ? 1 : 0;
    signup[i] = u.customers.signupMs[c]!;
    country[i] = u.customers.country[c]!;
    zone[i] = u.customers.zone[c]!;
  }
  const frame = pl
    .DataFrame([
      raw('customer_id', ids),
      raw('first_name', first),
      raw('last_name', last),
      raw('email_number', emailNumber),
      raw('email_domain', emailDomain),
      raw('country', country),
      raw('time_zone', zone),
      raw('signup_time', signup),
      raw('birth_year', birth),
      raw('loyalty_tier', tier),
      raw('acquisition_channel', channel),
      raw('marketing_opt_in', optIn),
    ])
    .select(...customerColumns());
  return conformFrame(CUSTOMERS, frame);
}

/**
 * The expressions that turn the codes into the customers columns, built once: each polars wrapper
 * object (an Expr, a Series) costs ~0.4 MiB of JS heap, so building them per chunk left ~25 MiB of
 * garbage per chunk, and the native memory it holds stayed until V8 collected it.
 */
let customerExprs: pl.Expr[] | undefined;
function customerColumns(): pl.Expr[] {
  customerExprs ??= [
    asType('customer_id', pl.UInt32),
    emailExpr(),
    asLabel('first_name', FIRST_NAMES),
    asLabel('last_name', LAST_NAMES),
    asLabel('country', COUNTRY_CODES),
    asLabel('time_zone', TIME_ZONES),
    asDatetime('signup_time'),
    asOptional('birth_year', pl.UInt16),
    asLabel('loyalty_tier', TIERS),
    asLabel('acquisition_channel', CHANNELS.values),
    asType('marketing_opt_in', pl.Bool),
  ];
  return customerExprs;
}

/** `first.last[number]@domain` from the name, number and domain codes; a missing domain is a missing email. */
function emailExpr(): pl.Expr {
  const number = pl.col('email_number');
  return pl
    .when(pl.col('email_domain').lt(0))
    .then(pl.lit(null).cast(pl.Utf8))
    .otherwise(
      concatStrings(
        [
          asLabel('first_name', FIRST_SLUGS),
          pl.lit('.'),
          asLabel('last_name', LAST_SLUGS),
          pl.when(number.lt(0)).then(pl.lit('')).otherwise(number.cast(pl.Utf8)),
          pl.lit('@'),
          asLabel('email_domain', DOMAINS.values),
        ],
        '',
      ),
    )
    .alias('email');
}

export function productFrame(u: RetailUniverse, start: number, end: number): pl.DataFrame {
  const n = end - start;
  const rng = new Rng(u.seed, 'products', start);
  const ids = new Float64Array(n);
  const sku = new Array<string>(n);
  const name = new Array<string>(n);
  const brand = new Array<string>(n);
  const weight = new Array<number | null>(n);
  const P = u.products;
  for (let i = 0; i < n; i++) {
    const p = start + i;
    const cat = CATEGORIES[P.category[p]!]!;
    ids[i] = p + 1;
    sku[i] = `${cat.name.slice(0, 3).toUpperCase()}-${String(p + 1).padStart(6, '0')}`;
    const b = rng.pick(cat.brands);
    brand[i] = b;
    name[i] =
      `${b} ${rng.pick(ADJECTIVES)} ${cat.nouns[rng.int(cat.nouns.length)]}${rng.chance(0.4) ? `, ${rng.pick(COLORS)}` : ''}`;
    weight[i] =
      cat.name === 'Books' && rng.chance(0.3) ? null : rng.chance(0.05) ? null : Math.round(rng.logNormal(450, 0.9));
  }
  const frame = pl
    .DataFrame([
      raw('product_id', ids),
      pl.Series('sku', sku, pl.Utf8),
      pl.Series('name', name, pl.Utf8),
      raw('category', P.category.slice(start, end)),
      pl.Series('brand', brand, pl.Utf8),
      raw('price', Float64Array.from(P.priceCents.subarray(start, end))),
      raw('cost', Float64Array.from(P.costCents.subarray(start, end))),
      pl.Series('weight_grams', weight, pl.Float64),
      raw('created_at', P.createdMs.slice(start, end)),
      pl.Series(
        'is_active',
        Array.from(P.active.subarray(start, end), (a) => a === 1),
        pl.Bool,
      ),
    ])
    .select(
      asType('product_id', pl.UInt32),
      'sku',
      'name',
      asLabel(
        'category',
        CATEGORIES.map((c) => c.name),
      ),
      'brand',
      asMoney('price', 10),
      asMoney('cost', 10),
      asType('weight_grams', pl.UInt32),
      asDatetime('created_at'),
      'is_active',
    );
  return conformFrame(PRODUCTS, frame);
}

function pagePathExpr(): pl.Expr {
  const kind = pl.col('path_kind');
  const arg = pl.col('path_arg');
  const id = arg.cast(pl.UInt64).cast(pl.Utf8);
  const index = arg.cast(pl.UInt8);
  const categories = CATEGORY_SLUGS.map((_, i) => i);
  const terms = SEARCH_TERMS.map((_, i) => i);
  return pl
    .when(kind.eq(PATH_HOME))
    .then(pl.lit('/'))
    .when(kind.eq(PATH_CATEGORY))
    .then(
      concatStrings(
        [pl.lit('/c/'), index.replaceStrict(categories, [...CATEGORY_SLUGS], pl.lit('').cast(pl.Utf8), pl.Utf8)],
        '',
      ),
    )
    .when(kind.eq(PATH_PRODUCT))
    .then(concatStrings([pl.lit('/p/'), id], ''))
    .when(kind.eq(PATH_SEARCH))
    .then(
      concatStrings(
        [pl.lit('/search?q='), index.replaceStrict(terms, [...SEARCH_TERMS], pl.lit('').cast(pl.Utf8), pl.Utf8)],
        '',
      ),
    )
    .when(kind.eq(PATH_CHECKOUT))
    .then(pl.lit('/checkout'))
    .otherwise(concatStrings([pl.lit('/order/'), id, pl.lit('/confirmation')], ''))
    .alias('page_path');
}

/** The reference conversion of a chunk's codes into the declared events and orders columns. */
export function activityFrames(
  u: RetailUniverse,
  chunk: number,
  first: number,
  n: number,
): { events: pl.DataFrame; orders: pl.DataFrame } {
  const { events: e, orders } = activityCodes(u, chunk, first, n);
  const {
    eventId,
    time,
    session,
    customer,
    type,
    product,
    quantity,
    price,
    orderId,
    pathKind,
    pathArg,
    referrer,
    device,
    country,
    zone,
    duration,
  } = e;
  const events = pl
    .DataFrame([
      raw('event_id', eventId),
      raw('event_time', time),
      raw('session_id', session),
      raw('customer_id', customer),
      raw('event_type', type),
      raw('product_id', product),
      raw('quantity', quantity),
      raw('price', price),
      raw('order_id', orderId),
      raw('path_kind', pathKind),
      raw('path_arg', pathArg),
      raw('referrer', referrer),
      raw('device', device),
      raw('country', country),
      raw('time_zone', zone),
      raw('duration_ms', duration),
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
      raw('order_id', f64(orders.id)),
      raw('customer_id', f64(orders.customer)),
      raw('order_time', f64(orders.time)),
      raw('status', Uint8Array.from(orders.status)),
      raw('items', f64(orders.items)),
      pl.Series('product_ids', orders.products, pl.List(pl.UInt32)),
      raw('subtotal', f64(orders.subtotal)),
      raw('discount', f64(orders.discount)),
      raw('shipping', f64(orders.shipping)),
      raw('total', f64(orders.total)),
      raw('payment_method', Uint8Array.from(orders.payment)),
      raw('coupon_code', f64(orders.coupon)),
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
      pl
        .when(pl.col('coupon_code').lt(0))
        .then(pl.lit(null).cast(pl.Utf8))
        .otherwise(
          pl
            .col('coupon_code')
            .cast(pl.UInt8)
            .replaceStrict(
              COUPONS.map((_, i) => i),
              [...COUPONS],
              pl.lit(null).cast(pl.Utf8),
              pl.Utf8,
            ),
        )
        .alias('coupon_code'),
      asLabel('ship_country', COUNTRY_CODES),
    );
  return { events: conformFrame(EVENTS, events), orders: conformFrame(ORDERS, orderFrame) };
}
