import { existsSync, readFileSync } from 'node:fs';

/**
 * Parses a `.env` file: `KEY=value`, optional `export `, single or double quotes, `#` comments.
 * Kept tiny on purpose: the kit reads flat settings, never expands `${VAR}` references
 * (expansion is where secrets leak into other variables).
 */
// Kept over Node's util.parseEnv (measured on Node 20.20): it reads `PASSWORD=a#b` as `a` and `X="a\"b"` as `a\`.
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2) {
      const end = value.indexOf(quote, 1);
      value = end > 0 ? value.slice(1, end) : value.slice(1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash);
      value = value.trim();
    }
    out[key] = value;
  }
  return out;
}

export function readDotenvFile(path: string): Record<string, string> {
  return existsSync(path) ? parseDotenv(readFileSync(path, 'utf8')) : {};
}
