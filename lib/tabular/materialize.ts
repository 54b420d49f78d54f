/**
 * The engine-side twin of the polars conversion in generate.ts: SQL that turns a chunk's codes
 * (activity.ts), inserted as a Native block into a scratch table, into the declared events and
 * orders columns. The TypeScript generator stays the reference: test/integration/
 * tabular-engine-load.test.ts checks that both give the same rows.
 */
import { quoteString } from '../clickhouse';
import {
  CATEGORY_SLUGS,
  COUNTRY_CODES,
  DEVICE,
  EVENT_TYPES,
  PATH_CATEGORY,
  PATH_CHECKOUT,
  PATH_HOME,
  PATH_PRODUCT,
  PATH_SEARCH,
  PAYMENT,
  REFERRER,
  STATUS,
  type ActivityCodes,
} from './activity';
import { nativeBlock, nativeStructure, type NativeColumn } from './native';
import { EVENTS, ORDERS, type TableDef } from './schema';
import { COUPONS, SEARCH_TERMS, TIME_ZONES } from './vocabulary';

/** A chunk's codes for one table: the Native block and the SELECT that makes the declared columns from it. */
export interface CodeBlock {
  table: 'events' | 'orders';
  rows: number;
  /** Columns of the scratch table the block is inserted into. */
  structure: string;
  native: Buffer;
  /** `SELECT <declared columns> FROM ` + the scratch table. */
  select: (from: string) => string;
}

const labels = (vocab: ReadonlyArray<string | null>): string =>
  `[${vocab.map((v) => (v === null ? 'NULL' : quoteString(v))).join(', ')}]`;
/** Vocabulary index (UInt8) -> label; a null entry is a missing value. */
const label = (code: string, vocab: ReadonlyArray<string | null>): string =>
  `arrayElement(${labels(vocab)}, ${code} + 1)`;
/** Negative code: missing. */
const optional = (code: string, fn: string): string => `if(${code} < 0, NULL, ${fn}(${code}))`;
/** Cents (negative: missing) as a Decimal in units. */
const money = (code: string): string => `if(${code} < 0, NULL, toDecimal128(toInt64(${code}), 2) / 100)`;
const datetime = (code: string): string => `fromUnixTimestamp64Milli(toInt64(${code}), 'UTC')`;

function selectOf(def: TableDef, expressions: Readonly<Record<string, string>>): (from: string) => string {
  const list = def.columns.map((c) => `CAST(${expressions[c.name]!} AS ${c.type}) AS ${c.name}`).join(',\n  ');
  return (from) => `SELECT\n  ${list}\nFROM ${from}`;
}

const PAGE_PATH = `multiIf(
    path_kind = ${PATH_HOME}, '/',
    path_kind = ${PATH_CATEGORY}, concat('/c/', ${label('toUInt8(path_arg)', CATEGORY_SLUGS)}),
    path_kind = ${PATH_PRODUCT}, concat('/p/', toString(toUInt64(path_arg))),
    path_kind = ${PATH_SEARCH}, concat('/search?q=', ${label('toUInt8(path_arg)', SEARCH_TERMS)}),
    path_kind = ${PATH_CHECKOUT}, '/checkout',
    concat('/order/', toString(toUInt64(path_arg)), '/confirmation'))`;

const SELECT_EVENTS = selectOf(EVENTS, {
  event_id: 'toUInt64(event_id)',
  event_time: datetime('event_time'),
  session_id: 'toUInt64(session_id)',
  customer_id: optional('customer_id', 'toUInt32'),
  event_type: label('event_type', EVENT_TYPES),
  product_id: optional('product_id', 'toUInt32'),
  quantity: optional('quantity', 'toUInt16'),
  price: money('price'),
  order_id: optional('order_id', 'toUInt64'),
  page_path: PAGE_PATH,
  referrer: label('referrer', REFERRER.values),
  device: label('device', DEVICE.values),
  country: label('country', COUNTRY_CODES),
  time_zone: label('time_zone', TIME_ZONES),
  duration_ms: 'toUInt32(duration_ms)',
});

const SELECT_ORDERS = selectOf(ORDERS, {
  order_id: 'toUInt64(order_id)',
  customer_id: optional('customer_id', 'toUInt32'),
  order_time: datetime('order_time'),
  status: label('status', STATUS),
  items: 'toUInt16(items)',
  product_ids: 'product_ids',
  subtotal: money('subtotal'),
  discount: money('discount'),
  shipping: money('shipping'),
  total: money('total'),
  payment_method: label('payment_method', PAYMENT.values),
  coupon_code: `if(coupon_code < 0, NULL, ${label('toUInt8(coupon_code)', COUPONS)})`,
  ship_country: label('ship_country', COUNTRY_CODES),
});

const f64 = (name: string, values: Float64Array): NativeColumn => ({ name, type: 'Float64', values });
const u8 = (name: string, values: Uint8Array): NativeColumn => ({ name, type: 'UInt8', values });

/** The events and orders of one chunk as Native blocks of codes, with their SELECTs. */
export function codeBlocks(codes: ActivityCodes): CodeBlock[] {
  const e = codes.events;
  const events: NativeColumn[] = [
    f64('event_id', e.eventId),
    f64('event_time', e.time),
    f64('session_id', e.session),
    f64('customer_id', e.customer),
    u8('event_type', e.type),
    f64('product_id', e.product),
    f64('quantity', e.quantity),
    f64('price', e.price),
    f64('order_id', e.orderId),
    u8('path_kind', e.pathKind),
    f64('path_arg', e.pathArg),
    u8('referrer', e.referrer),
    u8('device', e.device),
    u8('country', e.country),
    u8('time_zone', e.zone),
    f64('duration_ms', e.duration),
  ];
  const o = codes.orders;
  const d = (xs: number[]): Float64Array => Float64Array.from(xs);
  const orders: NativeColumn[] = [
    f64('order_id', d(o.id)),
    f64('customer_id', d(o.customer)),
    f64('order_time', d(o.time)),
    u8('status', Uint8Array.from(o.status)),
    f64('items', d(o.items)),
    { name: 'product_ids', type: 'Array(UInt32)', values: o.products },
    f64('subtotal', d(o.subtotal)),
    f64('discount', d(o.discount)),
    f64('shipping', d(o.shipping)),
    f64('total', d(o.total)),
    u8('payment_method', Uint8Array.from(o.payment)),
    f64('coupon_code', d(o.coupon)),
    u8('ship_country', Uint8Array.from(o.country)),
  ];
  return [
    {
      table: 'events',
      rows: e.n,
      structure: nativeStructure(events),
      native: nativeBlock(events, e.n),
      select: SELECT_EVENTS,
    },
    {
      table: 'orders',
      rows: o.id.length,
      structure: nativeStructure(orders),
      native: nativeBlock(orders, o.id.length),
      select: SELECT_ORDERS,
    },
  ];
}
