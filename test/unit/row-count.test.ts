import { describe, expect, it } from 'vitest';
import { countResultRows, countNewlines, headerLines, isLineFormat, rowsFromLines } from '../../lib/engine';

const b = (s: string): Uint8Array => Buffer.from(s);

describe('result row counting', () => {
  it('counts lines of line formats, less their header lines', () => {
    expect(countResultRows('TabSeparated', b('1\n2\n3\n'))).toBe(3);
    expect(countResultRows('CSVWithNames', b('"a"\n1\n2\n'))).toBe(2);
    expect(countResultRows('TSVWithNamesAndTypes', b('a\nUInt8\n1\n'))).toBe(1);
    expect(countResultRows('TSVWithNamesAndTypes', b('a\nUInt8\n'))).toBe(0);
    expect(countResultRows('JSONEachRow', b('{"a":1}\n{"a":2}\n'))).toBe(2);
  });
  it('reads the rows field of JSON formats', () => {
    expect(countResultRows('JSON', b('{"meta":[],"data":[{},{}],"rows": 2,"statistics":{}}\n'))).toBe(2);
    expect(countResultRows('JSONCompact', b('{"data":[]}'))).toBe(0);
  });
  it('counts nothing for empty results and formats without lines', () => {
    expect(countResultRows('CSV', new Uint8Array())).toBe(0);
    expect(countResultRows('Parquet', b('PAR1\n\n\nPAR1'))).toBe(0);
    expect(countResultRows('Native', b('\n'))).toBe(0);
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
