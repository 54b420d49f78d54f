/**
 * Local files through the endpoint stay inside the user-files folder, as clickhouse-server keeps
 * them inside `user_files_path` (481 PATH_ACCESS_DENIED otherwise). The embedded engine is
 * clickhouse-local, which reads and writes any path the process can (its `file()` ignores
 * `user_files_path`, measured on chDB 3.4), so the statement is checked here before it runs:
 * every path given to `file()` (table or scalar function), `fileCluster()`, `icebergLocal()`,
 * `deltaLakeLocal()`, the `File` / `IcebergLocal` / `DeltaLakeLocal` table engines and a FILE
 * dictionary source must be a string literal (or a bound parameter) that resolves, symlinks
 * followed, inside the folder. Relative paths resolve against the engine's working directory, which
 * the endpoint service sets to the user-files folder (so `file('x.csv')` means what it does on a server).
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep, basename, join } from 'node:path';
import { isPunct, Lexer, upper, type Token } from '../sql';
import { EndpointError } from './errors';

// Callee (upper case) -> index of its path argument. `FILE` is the function file(path, ...); the
// engine `File(format, path)` is told apart by the `ENGINE =` before it.
const PATH_ARGUMENT: Record<string, number> = {
  FILE: 0,
  FILECLUSTER: 1,
  ICEBERGLOCAL: 0,
  ICEBERGLOCALCLUSTER: 1,
  DELTALAKELOCAL: 0,
  DELTALAKELOCALCLUSTER: 1,
  // url('file:///...') reads local files too (measured on chDB 3.4).
  URL: 0,
  URLCLUSTER: 1,
};
const URL_CALLEES = new Set(['URL', 'URLCLUSTER']);

export class FileSandbox {
  private readonly root: string;

  /** `root`: the user-files folder (it must exist). `cwd`: where the engine resolves relative paths. */
  constructor(
    root: string,
    private readonly cwd: () => string = () => process.cwd(),
  ) {
    this.root = realpathSync(root);
  }

  get folder(): string {
    return this.root;
  }

  /** PATH_ACCESS_DENIED for the first path outside the folder, else undefined. */
  check(sql: string, params: Readonly<Record<string, string>> = {}): EndpointError | undefined {
    const tokens: Token[] = [];
    const lx = new Lexer(sql);
    for (let t = lx.next(); t; t = lx.next()) tokens.push(t);
    for (let i = 0; i + 1 < tokens.length; i++) {
      const t = tokens[i]!;
      if (attachFrom(sql, tokens, i)) {
        const path = unquote(sql.slice(tokens[i + 1]!.start, tokens[i + 1]!.end));
        const problem = this.outside(path);
        if (problem) return new EndpointError('PATH_ACCESS_DENIED', `File path ${problem} is not inside ${this.root}/`);
        continue;
      }
      if ((t.type !== 'word' && t.type !== 'quoted') || !isPunct(sql, tokens[i + 1]!, '(')) continue;
      // A quoted name (`file`) is the same function.
      const name = t.type === 'quoted' ? sql.slice(t.start + 1, t.end - 1).toUpperCase() : upper(sql, t);
      const engine = i >= 2 && isPunct(sql, tokens[i - 1]!, '=') && upper(sql, tokens[i - 2]!) === 'ENGINE';
      let index: number | undefined;
      if (engine)
        index =
          name === 'FILE' ? 1 : name === 'ICEBERGLOCAL' || name === 'DELTALAKELOCAL' || name === 'URL' ? 0 : undefined;
      else if (name === 'FILE' && i >= 2 && upper(sql, tokens[i - 2]!) === 'SOURCE') index = -1;
      else index = PATH_ARGUMENT[name];
      if (index === undefined) continue;
      const args = argumentsOf(sql, tokens, i + 1);
      const paths = index === -1 ? dictionaryPaths(sql, args) : args[index] ? [args[index]!] : [];
      for (const arg of paths) {
        const text = this.pathText(sql, arg, params);
        // A URL is a local path only with the file: scheme.
        const path = text !== undefined && URL_CALLEES.has(name) ? localPathOfUrl(text) : text;
        if (path === null) continue;
        if (path === undefined) {
          return new EndpointError(
            'PATH_ACCESS_DENIED',
            `The path given to ${sql.slice(t.start, t.end)}() must be a string literal or a query parameter, so that it can be checked against the user files folder ${this.root}/`,
          );
        }
        const problem = this.outside(path);
        if (problem) return new EndpointError('PATH_ACCESS_DENIED', `File path ${problem} is not inside ${this.root}/`);
      }
    }
    return undefined;
  }

  private pathText(sql: string, arg: Token[], params: Readonly<Record<string, string>>): string | undefined {
    if (arg.length === 1 && arg[0]!.type === 'string') return unquote(sql.slice(arg[0]!.start, arg[0]!.end));
    // {name:String}: the bound value, in the HTTP text form.
    const text = arg.map((t) => sql.slice(t.start, t.end)).join('');
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*):[^}]*\}$/.exec(text);
    if (m && params[m[1]!] !== undefined) return unescapeText(params[m[1]!]!);
    return undefined;
  }

  /** The resolved path when it lies outside the folder, else undefined. */
  private outside(path: string): string | undefined {
    // A glob reads what its fixed prefix names; the directory before the first wildcard is what counts.
    const wildcard = path.search(/[*?{[]/);
    const fixed = wildcard >= 0 ? dirname(`${path.slice(0, wildcard)}x`) : path;
    const absolute = isAbsolute(fixed) ? resolve(fixed) : resolve(this.cwd(), fixed);
    const real = realOf(absolute);
    const rel = relative(this.root, real);
    const inside = rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..'));
    return inside ? undefined : absolute;
  }
}

/** The local path a `file:` URL names; null for any other URL. */
function localPathOfUrl(url: string): string | null {
  const m = /^file:(?:\/\/[^/]*)?(\/.*)$/i.exec(url.trim());
  if (!m) return /^file:/i.test(url.trim()) ? url.trim().slice(5) : null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/** `ATTACH ... FROM '<path>'`: the table's data is read from that folder. */
function attachFrom(sql: string, tokens: Token[], i: number): boolean {
  return upper(sql, tokens[0]!) === 'ATTACH' && upper(sql, tokens[i]!) === 'FROM' && tokens[i + 1]?.type === 'string';
}

/** The real path of `p`: symlinks of its longest existing prefix resolved, the rest appended. */
function realOf(p: string): string {
  let head = p;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = dirname(head);
    if (parent === head) return p;
    tail.unshift(basename(head));
    head = parent;
  }
  return join(realpathSync(head), ...tail);
}

/** The top-level arguments of the call whose `(` is tokens[open], each as its tokens. */
function argumentsOf(sql: string, tokens: Token[], open: number): Token[][] {
  const depth = tokens[open]!.depth;
  const args: Token[][] = [[]];
  for (let j = open + 1; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.depth === depth + 1 && isPunct(sql, t, ')')) break;
    if (t.depth <= depth) break;
    if (t.depth === depth + 1 && isPunct(sql, t, ',')) args.push([]);
    else args[args.length - 1]!.push(t);
  }
  return args.filter((a) => a.length > 0);
}

/** SOURCE(FILE(path '...' format '...')): the values after PATH. */
function dictionaryPaths(sql: string, args: Token[][]): Token[][] {
  const out: Token[][] = [];
  for (const arg of args) {
    for (let k = 0; k + 1 < arg.length; k++) if (upper(sql, arg[k]!) === 'PATH') out.push([arg[k + 1]!]);
  }
  return out;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  a: '\x07',
  v: '\v',
  e: '\x1b',
};

/** The value of a single-quoted ClickHouse string literal. */
function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return body.replace(/\\(.)|''/g, (all, c: string | undefined) => (c === undefined ? "'" : (ESCAPES[c] ?? c)));
}

/** A parameter's HTTP text form (TSV escaping) as its value. */
function unescapeText(text: string): string {
  return text.replace(/\\(.)/g, (_all, c: string) => ESCAPES[c] ?? c);
}
