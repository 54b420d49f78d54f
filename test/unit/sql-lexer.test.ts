import { describe, expect, it } from 'vitest';
import { Lexer, tokenize, upper, type Token } from '../../lib/sql';

const texts = (sql: string): string[] => tokenize(sql).map((t) => sql.slice(t.start, t.end));
const types = (sql: string): Token['type'][] => tokenize(sql).map((t) => t.type);

describe('the SQL lexer', () => {
  it('splits words, numbers, literals and punctuation', () => {
    const sql = "SELECT a1, `b c`, \"d\", 'e''f', 1.5e-3, 0x1F FROM t;";
    expect(texts(sql)).toEqual([
      'SELECT',
      'a1',
      ',',
      '`b c`',
      ',',
      '"d"',
      ',',
      "'e''f'",
      ',',
      '1.5e-3',
      ',',
      '0x1F',
      'FROM',
      't',
      ';',
    ]);
    expect(types(sql)).toEqual([
      'word',
      'word',
      'punct',
      'quoted',
      'punct',
      'quoted',
      'punct',
      'string',
      'punct',
      'number',
      'punct',
      'number',
      'word',
      'word',
      'punct',
    ]);
  });
  it('skips line comments, # comments and nested block comments', () => {
    expect(texts('-- a\nSELECT /* x /* nested */ y */ 1 # c\n#!sh\n2')).toEqual(['SELECT', '1', '2']);
    expect(texts('SELECT a#b')).toEqual(['SELECT', 'a', '#', 'b']);
  });
  it('reads escapes inside literals and heredocs as one string', () => {
    expect(texts("SELECT 'it\\'s -- not a comment'")).toEqual(['SELECT', "'it\\'s -- not a comment'"]);
    expect(texts('SELECT $tag$ a ; b $tag$, $$x$$')).toEqual(['SELECT', '$tag$ a ; b $tag$', ',', '$$x$$']);
    expect(types('SELECT $$x$$')).toEqual(['word', 'string']);
  });
  it('tracks bracket depth', () => {
    const sql = 'f(a, [b, {c}]) d';
    const depths = tokenize(sql).map((t) => [sql.slice(t.start, t.end), t.depth]);
    expect(depths).toEqual([
      ['f', 0],
      ['(', 0],
      ['a', 1],
      [',', 1],
      ['[', 1],
      ['b', 2],
      [',', 2],
      ['{', 2],
      ['c', 3],
      ['}', 2],
      [']', 1],
      [')', 0],
      ['d', 0],
    ]);
  });
  it('flags text that ends inside a literal or a comment', () => {
    for (const sql of ["SELECT 'open", 'SELECT /* open', 'SELECT `open', 'SELECT $a$ open']) {
      const lx = new Lexer(sql);
      while (lx.next());
      expect(lx.unterminated, sql).toBe(true);
    }
    const lx = new Lexer("SELECT 'closed' /* c */");
    while (lx.next());
    expect(lx.unterminated).toBe(false);
  });
  it('upper-cases words only', () => {
    const sql = "select 'x'";
    const [word, str] = tokenize(sql);
    expect(upper(sql, word!)).toBe('SELECT');
    expect(upper(sql, str!)).toBe('');
  });
});
