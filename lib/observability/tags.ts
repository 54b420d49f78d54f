/**
 * `log_comment` tags. The kit tags its own operations `kit:<area>:<operation>` (see
 * lib/clickhouse QueryOptions.logComment), so "what did the kit just do" is a prefix filter.
 */
export const KIT_TAG_PREFIX = 'kit:';
export const OBSERVABILITY_TAG_PREFIX = 'kit:observability:';

/** The tag of one of this module's own reads (left out of activity views by default). */
export function observabilityTag(operation: string): string {
  return `${OBSERVABILITY_TAG_PREFIX}${operation}`;
}
