/**
 * A ClickHouse error written into a response body that had already started (the server sends
 * 200 and its first rows before the query fails): since 25.11 a block tagged with the response's
 * `X-ClickHouse-Exception-Tag` ends the body, `\r\n__exception__\r\n<tag>\r\n<text>\n<length> <tag>\r\n__exception__\r\n`;
 * older servers end it with the plain `Code: N. DB::Exception: ...` line. Readers that take raw
 * bytes (Parquet, Arrow) must look for it, or a failed query reads as a corrupt file.
 */
import { parseClickHouseErrorText } from '../sql';

const MARKER = '__exception__';

export interface BodyException {
  code: number;
  type: string;
  message: string;
  /** The text as the server wrote it. */
  text: string;
}

/** The exception that ends `body`, if any (`tag` from the X-ClickHouse-Exception-Tag header). */
export function exceptionAtEnd(body: Uint8Array, tag: string | undefined): BodyException | undefined {
  const tail = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .subarray(Math.max(0, body.byteLength - 64 * 1024))
    .toString('utf8');
  if (tag) {
    const end = `${tag}\r\n${MARKER}\r\n`;
    if (tail.endsWith(end)) {
      const start = tail.lastIndexOf(`\r\n${MARKER}\r\n${tag}\r\n`, tail.length - end.length);
      if (start >= 0) {
        const inner = tail.slice(start + `\r\n${MARKER}\r\n${tag}\r\n`.length, tail.length - end.length);
        // `<text>\n<length> ` : the length line is the last one.
        const text = inner.replace(/\n\d+ $/, '').trim();
        return described(text);
      }
    }
  }
  const plain = /(?:^|\n)(Code: \d+\. DB::Exception: [^\n]*)\n?$/.exec(tail);
  return plain ? described(plain[1]!) : undefined;
}

function described(text: string): BodyException {
  const parsed = parseClickHouseErrorText(text);
  return parsed ? { ...parsed, text } : { code: 1001, type: 'STD_EXCEPTION', message: text, text };
}
