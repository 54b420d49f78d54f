import { describe, expect, it } from 'vitest';
import {
  InvalidIdentifierError,
  parseClickHouseErrorText,
  queryKind,
  quoteIdentifier,
  qualifiedName,
} from '../../lib/clickhouse';
import { formatParamValue } from '../../lib/engine';
import { insertFromFile, trailingFormat } from '../../lib/sql';

describe('quoteIdentifier', () => {
  it('quotes plain and hostile names as one identifier', () => {
    expect(quoteIdentifier('events')).toBe('`events`');
    expect(quoteIdentifier('a`b')).toBe('`a\\`b`');
    expect(quoteIdentifier('x\\`; DROP TABLE t; --')).toBe('`x\\\\\\`; DROP TABLE t; --`');
    expect(qualifiedName('db', 't')).toBe('`db`.`t`');
  });
  it.each(['', 'a\nb', 'x'.repeat(300)])('rejects %j', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(InvalidIdentifierError);
  });
});

describe('statements', () => {
  it('classifies query kinds past comments', () => {
    expect(queryKind('/* c */ -- x\n  select 1')).toBe('Select');
    expect(queryKind('WITH 1 AS x SELECT x')).toBe('Select');
    expect(queryKind('insert into t values')).toBe('Insert');
    expect(queryKind('ALTER TABLE t DELETE WHERE 1')).toBe('Alter');
  });
  it('finds a trailing FORMAT clause', () => {
    expect(trailingFormat('SELECT 1 FORMAT JSONEachRow;')).toBe('JSONEachRow');
    expect(trailingFormat('SELECT 1')).toBeUndefined();
  });
  it('rewrites INSERT ... FORMAT to read a spooled file', () => {
    expect(insertFromFile('INSERT INTO t (a, b) FORMAT Parquet', '/tmp/x')).toBe(
      "INSERT INTO t (a, b) FROM INFILE '/tmp/x' FORMAT Parquet",
    );
    expect(insertFromFile("INSERT INTO t SETTINGS insert_deduplication_token = 'k' FORMAT CSV", '/tmp/x', 'gzip')).toBe(
      "INSERT INTO t FROM INFILE '/tmp/x' COMPRESSION 'gzip' SETTINGS insert_deduplication_token = 'k' FORMAT CSV",
    );
    expect(insertFromFile('INSERT INTO t VALUES', "/tmp/it's")).toBe(
      "INSERT INTO t FROM INFILE '/tmp/it\\'s' FORMAT Values",
    );
    expect(() => insertFromFile('INSERT INTO t SELECT 1', '/tmp/x')).toThrow(/FORMAT/);
  });
});

describe('formatParamValue', () => {
  it('uses the HTTP parameter text form', () => {
    expect(formatParamValue("a'b\\c\td\n")).toBe("a'b\\\\c\\td\\n");
    expect(formatParamValue(null)).toBe('\\N');
    expect(formatParamValue(['x', "y'", null])).toBe("['x','y\\'',NULL]");
    expect(formatParamValue({ k: 1 })).toBe("{'k':1}");
    expect(formatParamValue(12345678901234567890n)).toBe('12345678901234567890');
    expect(formatParamValue(new Float32Array([0.5, 1]))).toBe('[0.5,1]');
    expect(formatParamValue(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('1704164645.678');
    expect(formatParamValue(true)).toBe('1');
  });
});

describe('parseClickHouseErrorText', () => {
  it('reads code, name and message', () => {
    expect(
      parseClickHouseErrorText(
        "Code: 60. DB::Exception: Unknown table expression identifier 'nope'. (UNKNOWN_TABLE) (version 26.7.2.1)",
      ),
    ).toEqual({
      code: 60,
      type: 'UNKNOWN_TABLE',
      message: "Unknown table expression identifier 'nope'.",
    });
    expect(parseClickHouseErrorText('socket hang up')).toBeUndefined();
  });
});
