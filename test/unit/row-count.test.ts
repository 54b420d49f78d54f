import { describe, expect, it } from 'vitest';
import { countRows } from '../../lib/engine';
import { countNewlines, headerLines, isLineFormat, rowsFromLines } from '../../lib/engine/row-count';

const b = (s: string): Uint8Array => Buffer.from(s);

describe('result row counting', () => {
  it('counts lines of line formats, less their header lines', () => {
    expect(countRows('TabSeparated', b('1\n2\n3\n'))).toBe(3);
    expect(countRows('CSVWithNames', b('"a"\n1\n2\n'))).toBe(2);
    expect(countRows('TSVWithNamesAndTypes', b('a\nUInt8\n1\n'))).toBe(1);
    expect(countRows('TSVWithNamesAndTypes', b('a\nUInt8\n'))).toBe(0);
    expect(countRows('JSONEachRow', b('{"a":1}\n{"a":2}\n'))).toBe(2);
  });
  it('reads the rows field of JSON formats', () => {
    expect(countRows('JSON', b('{"meta":[],"data":[{},{}],"rows": 2,"statistics":{}}\n'))).toBe(2);
    expect(countRows('JSONCompact', b('{"data":[]}'))).toBe(0);
  });
  it('counts nothing for empty results and formats without lines', () => {
    expect(countRows('CSV', new Uint8Array())).toBe(0);
    expect(countRows('Parquet', b('PAR1\n\n\nPAR1'))).toBe(0);
    expect(countRows('Native', b('\n'))).toBe(0);
  });
  it('has the helpers the streaming path counts with', () => {
    expect(isLineFormat('csvwithnames')).toBe(true);
    expect(isLineFormat('Pretty')).toBe(false);
    expect(headerLines('CSVWithNames')).toBe(1);
    expect(headerLines('CSV')).toBe(0);
    expect(countNewlines(b('a\nb\n\n').subarray(1))).toBe(3);
    expect(rowsFromLines('TSVWithNamesAndTypes', 1)).toBe(0);
  });
});
