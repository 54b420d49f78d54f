/**
 * The kit's retail tables, declared once. DDL for every storage mode (ddl.ts), the polars
 * frame layout (frames.ts) and the generator's output all derive from these declarations.
 */

export interface ColumnDef {
  readonly name: string;
  /** ClickHouse type. Only the types listed in frames.ts (polarsTypeOf) are used. */
  readonly type: string;
  readonly comment: string;
}

export interface TableDef {
  readonly name: string;
  readonly comment: string;
  readonly columns: ReadonlyArray<ColumnDef>;
  /** Sorting key of the MergeTree modes (columns of this table). */
  readonly orderBy: ReadonlyArray<string>;
  /** Partition expression of the MergeTree modes (a fixed expression over this table's columns). */
  readonly partitionBy?: string;
  /**
   * Sharding key of the Distributed table on a cluster (CLICKHOUSE_CLUSTER). Customers, their orders
   * and their events hash the same UInt64 (the customer id), so one customer's rows share a shard and
   * per-customer joins and funnels stay shard-local; guests fall back to their order or visit.
   * Default: a hash of the sorting key (deterministic, so a retried insert reaches the same shard).
   */
  readonly shardingKey?: string;
}

const col = (name: string, type: string, comment: string): ColumnDef => ({ name, type, comment });

export const CUSTOMERS: TableDef = {
  name: 'customers',
  comment: 'Registered shop customers (one row per customer).',
  columns: [
    col('customer_id', 'UInt32', 'Customer key.'),
    col('email', 'Nullable(String)', 'Contact e-mail; null when the customer did not give one.'),
    col('first_name', 'String', 'Given name.'),
    col('last_name', 'String', 'Family name.'),
    col('country', 'LowCardinality(String)', 'ISO 3166-1 alpha-2 country code.'),
    col('time_zone', 'LowCardinality(String)', 'IANA time zone of the customer.'),
    col('signup_time', "DateTime64(3, 'UTC')", 'When the account was created (UTC).'),
    col('birth_year', 'Nullable(UInt16)', 'Year of birth; null when not given.'),
    col('loyalty_tier', 'LowCardinality(String)', 'bronze, silver, gold or platinum.'),
    col('acquisition_channel', 'LowCardinality(String)', 'How the customer first found the shop.'),
    col('marketing_opt_in', 'Bool', 'Agreed to marketing e-mail.'),
  ],
  orderBy: ['customer_id'],
  shardingKey: 'cityHash64(toUInt64(customer_id))',
};

export const PRODUCTS: TableDef = {
  name: 'products',
  comment: 'The product catalogue (one row per product).',
  columns: [
    col('product_id', 'UInt32', 'Product key.'),
    col('sku', 'String', 'Stock keeping unit code.'),
    col('name', 'String', 'Display name.'),
    col('category', 'LowCardinality(String)', 'Top-level category.'),
    col('brand', 'LowCardinality(String)', 'Brand.'),
    col('price', 'Decimal(10, 2)', 'List price in USD.'),
    col('cost', 'Decimal(10, 2)', 'Unit cost in USD.'),
    col('weight_grams', 'Nullable(UInt32)', 'Shipping weight; null for digital or unknown.'),
    col('created_at', "DateTime64(3, 'UTC')", 'When the product was listed (UTC).'),
    col('is_active', 'Bool', 'Still sold.'),
  ],
  orderBy: ['product_id'],
  shardingKey: 'cityHash64(toUInt64(product_id))',
};

export const ORDERS: TableDef = {
  name: 'orders',
  comment: 'Completed checkouts (one row per order). order_id equals the event_id of its purchase event.',
  columns: [
    col('order_id', 'UInt64', 'Order key (= event_id of the purchase event).'),
    col('customer_id', 'Nullable(UInt32)', 'Customer; null for guest checkouts.'),
    col('order_time', "DateTime64(3, 'UTC')", 'When the order was placed (UTC).'),
    col('status', 'LowCardinality(String)', 'pending, processing, shipped, delivered, returned or cancelled.'),
    col('items', 'UInt16', 'Number of units.'),
    col('product_ids', 'Array(UInt32)', 'Products in the order, one entry per line.'),
    col('subtotal', 'Decimal(12, 2)', 'Sum of line prices in USD.'),
    col('discount', 'Decimal(12, 2)', 'Coupon discount in USD.'),
    col('shipping', 'Decimal(10, 2)', 'Shipping fee in USD.'),
    col('total', 'Decimal(12, 2)', 'subtotal - discount + shipping.'),
    col('payment_method', 'LowCardinality(String)', 'card, paypal, apple_pay, klarna or gift_card.'),
    col('coupon_code', 'Nullable(String)', 'Coupon used; null when none.'),
    col('ship_country', 'LowCardinality(String)', 'Destination country (ISO code).'),
  ],
  orderBy: ['order_time', 'order_id'],
  partitionBy: 'toYYYYMM(order_time)',
  shardingKey: 'cityHash64(coalesce(toUInt64(customer_id), order_id))',
};

export const EVENTS: TableDef = {
  name: 'events',
  comment: 'Web and app events, one row per event (page views, searches, cart actions, purchases).',
  columns: [
    col('event_id', 'UInt64', 'Event key.'),
    col('event_time', "DateTime64(3, 'UTC')", 'When it happened (UTC).'),
    col('session_id', 'UInt64', 'Visit the event belongs to (= event_id of its first event).'),
    col('customer_id', 'Nullable(UInt32)', 'Logged-in customer; null for anonymous visitors.'),
    col('event_type', 'LowCardinality(String)', 'page_view, search, product_view, add_to_cart, checkout or purchase.'),
    col('product_id', 'Nullable(UInt32)', 'Product viewed or added; null otherwise.'),
    col('quantity', 'Nullable(UInt16)', 'Units added to the cart; null otherwise.'),
    col('price', 'Nullable(Decimal(12, 2))', 'Unit price (views, cart) or order total (purchase) in USD.'),
    col('order_id', 'Nullable(UInt64)', 'Order placed by a purchase event.'),
    col('page_path', 'String', 'Path of the page.'),
    col('referrer', 'LowCardinality(Nullable(String))', 'Traffic source of the visit; null for direct traffic.'),
    col('device', 'LowCardinality(String)', 'mobile, desktop or tablet.'),
    col('country', 'LowCardinality(String)', 'Visitor country (ISO code).'),
    col('time_zone', 'LowCardinality(String)', 'Visitor IANA time zone.'),
    col('duration_ms', 'UInt32', 'Time on the page before the next event.'),
  ],
  orderBy: ['event_type', 'event_time'],
  partitionBy: 'toYYYYMM(event_time)',
  shardingKey: 'cityHash64(coalesce(toUInt64(customer_id), session_id))',
};

/** Every table of the retail domain, in load order (dimensions first). */
export const RETAIL_TABLES: ReadonlyArray<TableDef> = [CUSTOMERS, PRODUCTS, ORDERS, EVENTS];

export type RetailTableName = 'customers' | 'products' | 'orders' | 'events';

export function retailTable(name: RetailTableName): TableDef {
  const t = RETAIL_TABLES.find((x) => x.name === name);
  if (!t)
    throw new RangeError(`unknown retail table "${name}"; tables are ${RETAIL_TABLES.map((x) => x.name).join(', ')}.`);
  return t;
}

export function columnOf(table: TableDef, name: string): ColumnDef | undefined {
  return table.columns.find((c) => c.name === name);
}
