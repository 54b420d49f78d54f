/**
 * The notebook questions of bench:analytics, each in ClickHouse's and DuckDB's SQL. Each engine gets
 * its idiomatic form (countIf vs FILTER, quantileExactInclusive vs quantile_cont); both must return
 * the same columns in the same order, so the answers can be compared by checksum.
 */
export interface Question {
  id: string;
  /** What a notebook user asks. */
  title: string;
  clickhouse: string;
  duckdb: string;
}

const same = (id: string, title: string, sql: string): Question => ({ id, title, clickhouse: sql, duckdb: sql });

/** The questions; `wideRows` is the size of the wide SELECT (1M in the full run). */
export function questions(wideRows: number): Question[] {
  return [
    same(
      'q01_distinct',
      'events, sessions and customers per event type (count distinct)',
      `SELECT event_type, count(*) AS events, count(DISTINCT session_id) AS sessions, count(DISTINCT customer_id) AS customers
FROM events GROUP BY event_type`,
    ),
    same(
      'q02_topn',
      'top 10 products by views (top-N)',
      `SELECT product_id, count(*) AS views FROM events WHERE event_type = 'product_view'
GROUP BY product_id ORDER BY views DESC, product_id LIMIT 10`,
    ),
    same(
      'q03_daily',
      'events and time on page per day and device (time buckets)',
      `SELECT CAST(event_time AS DATE) AS day, device, count(*) AS events, sum(duration_ms) AS duration_ms
FROM events GROUP BY day, device`,
    ),
    same(
      'q04_join_products',
      'add-to-cart value per category and brand (join with products)',
      `SELECT p.category, p.brand, count(*) AS adds, sum(e.price * e.quantity) AS value
FROM events AS e INNER JOIN products AS p ON e.product_id = p.product_id
WHERE e.event_type = 'add_to_cart' GROUP BY p.category, p.brand`,
    ),
    same(
      'q05_join_customers',
      'events and average time on page per loyalty tier and device (join with customers)',
      `SELECT c.loyalty_tier, e.device, count(*) AS events, avg(e.duration_ms) AS avg_duration_ms
FROM events AS e INNER JOIN customers AS c ON e.customer_id = c.customer_id
GROUP BY c.loyalty_tier, e.device`,
    ),
    same(
      'q06_filtered_scan',
      'German tablet add-to-carts over 100 USD (filtered scan)',
      `SELECT event_id, event_time, customer_id, product_id, quantity, price FROM events
WHERE country = 'DE' AND device = 'tablet' AND event_type = 'add_to_cart' AND price > 100`,
    ),
    same(
      'q07_window',
      "each customer's orders numbered, with the running total (window function)",
      `SELECT customer_id, order_id, order_time, total,
  row_number() OVER (PARTITION BY customer_id ORDER BY order_time, order_id) AS nth_order,
  sum(total) OVER (PARTITION BY customer_id ORDER BY order_time, order_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
FROM orders WHERE customer_id IS NOT NULL`,
    ),
    {
      id: 'q08_percentile',
      title: 'median and p95 time on page per event type (percentile)',
      clickhouse: `SELECT event_type, quantileExactInclusive(0.5)(duration_ms) AS p50, quantileExactInclusive(0.95)(duration_ms) AS p95
FROM events GROUP BY event_type`,
      duckdb: `SELECT event_type, quantile_cont(duration_ms, 0.5) AS p50, quantile_cont(duration_ms, 0.95) AS p95
FROM events GROUP BY event_type`,
    },
    {
      id: 'q09_conditional',
      title: 'funnel counts per country (conditional aggregates)',
      clickhouse: `SELECT country, countIf(event_type = 'product_view') AS views, countIf(event_type = 'add_to_cart') AS adds,
  countIf(event_type = 'purchase') AS purchases, count(DISTINCT session_id) AS sessions
FROM events GROUP BY country`,
      duckdb: `SELECT country, count(*) FILTER (WHERE event_type = 'product_view') AS views, count(*) FILTER (WHERE event_type = 'add_to_cart') AS adds,
  count(*) FILTER (WHERE event_type = 'purchase') AS purchases, count(DISTINCT session_id) AS sessions
FROM events GROUP BY country`,
    },
    same(
      'q10_wide',
      `every column of ${wideRows.toLocaleString('en-US')} events (wide SELECT)`,
      `SELECT * FROM events WHERE event_id <= ${wideRows}`,
    ),
  ];
}
