/**
 * The visit simulation behind the events and orders tables: plain typed arrays of codes (ids,
 * epoch milliseconds, cents, vocabulary indexes; -1 = missing). Two consumers turn the codes into
 * the declared columns: the polars frames of generate.ts (the reference) and the SQL of
 * materialize.ts (bootstrap at scale, inside the engine).
 */
import { DAY_MS, dayStartMs } from './calendar';
import { Rng, WeightedIndex } from './random';
import { signupDay, type RetailUniverse } from './universe';
import { CATEGORIES, COUNTRIES, COUPONS, DEVICES, PAYMENT_METHODS, REFERRERS, SEARCH_TERMS } from './vocabulary';

export const pairs = <T>(list: ReadonlyArray<readonly [T, number]>): { values: T[]; picker: WeightedIndex } => ({
  values: list.map(([v]) => v),
  picker: new WeightedIndex(list.map(([, w]) => w)),
});

export const DEVICE = pairs(DEVICES);
export const REFERRER = pairs(REFERRERS);
export const PAYMENT = pairs(PAYMENT_METHODS);

export const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
export const CATEGORY_SLUGS = CATEGORIES.map((c) => slug(c.name));
export const COUNTRY_CODES = COUNTRIES.map((c) => c.code);

export const EVENT_TYPES = ['page_view', 'search', 'product_view', 'add_to_cart', 'checkout', 'purchase'] as const;
const PAGE_VIEW = 0,
  SEARCH = 1,
  PRODUCT_VIEW = 2,
  ADD_TO_CART = 3,
  CHECKOUT = 4,
  PURCHASE = 5;
export const STATUS = ['pending', 'processing', 'shipped', 'delivered', 'returned', 'cancelled'] as const;

/** Page paths: a kind and an argument (product id, order id, category or search term index). */
export const PATH_HOME = 0,
  PATH_CATEGORY = 1,
  PATH_PRODUCT = 2,
  PATH_SEARCH = 3,
  PATH_CHECKOUT = 4,
  PATH_ORDER = 5;

/** One chunk of events as codes: `n` rows; ids, times (epoch ms) and cents as Float64, -1 where missing. */
export interface EventCodes {
  n: number;
  eventId: Float64Array;
  time: Float64Array;
  session: Float64Array;
  customer: Float64Array;
  type: Uint8Array;
  product: Float64Array;
  quantity: Float64Array;
  price: Float64Array;
  orderId: Float64Array;
  pathKind: Uint8Array;
  pathArg: Float64Array;
  referrer: Uint8Array;
  device: Uint8Array;
  country: Uint8Array;
  zone: Uint8Array;
  duration: Float64Array;
}

/** The orders a chunk's purchases placed, as columns of codes. */
export interface OrderCodes {
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

export interface ActivityCodes {
  events: EventCodes;
  orders: OrderCodes;
}

/**
 * Events of `n` rows starting at event id `first + 1`, as visits: a landing page, browsing
 * (product views follow product popularity, cart adds follow views), then sometimes checkout and
 * purchase. A visit cut by the chunk's end simply stops. Times follow the day and local-hour
 * weights of the visitor's time zone.
 */
export function activityCodes(u: RetailUniverse, chunk: number, first: number, n: number): ActivityCodes {
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
  const orders: OrderCodes = {
    id: [],
    customer: [],
    time: [],
    status: [],
    items: [],
    products: [],
    subtotal: [],
    discount: [],
    shipping: [],
    total: [],
    payment: [],
    coupon: [],
    country: [],
  };
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
    const emit = (
      kind: number,
      prod: number,
      qty: number,
      cents: number,
      order: number,
      pk: number,
      pa: number,
      dwellMedian: number,
    ): boolean => {
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
        alive = emit(
          ADD_TO_CART,
          lastProduct,
          qty,
          P.priceCents[lastProduct]!,
          -1,
          PATH_PRODUCT,
          lastProduct + 1,
          8_000,
        );
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

  return {
    events: {
      n,
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
    },
    orders,
  };
}

/** Index into STATUS: recent orders are still open, older ones delivered, some returned or cancelled. */
function orderStatus(rng: Rng, ageMs: number): number {
  const r = rng.next();
  if (ageMs < 2 * DAY_MS) return r < 0.5 ? 0 : 1;
  if (ageMs < 8 * DAY_MS) return r < 0.8 ? 2 : r < 0.92 ? 1 : 5;
  return r < 0.9 ? 3 : r < 0.96 ? 4 : 5;
}
