const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * JSON that is safe inside an inline `<script>`: `<` is escaped so data cannot close the script
 * tag or open a comment; U+2028/2029 are escaped for old JS parsers. BigInts become numbers
 * when exact, strings otherwise.
 */
export function scriptJson(value: unknown): string {
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  });
  return (json ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A short random id for DOM elements of one output. */
export function randomDomId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;
}
