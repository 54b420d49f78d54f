import { describe, expect, it } from 'vitest';
import {
  inlineLogComment,
  insertFromFile,
  insertInputFormat,
  isFlushLogs,
  isReadOnlyKind,
  leadingWords,
  outputClause,
  queryKind,
  trailingFormat,
  trimStatement,
} from '../../lib/sql';

describe('insertFromFile', () => {
  it('keeps a column named settings inside the column list', () => {
    expect(insertFromFile('INSERT INTO t (id, settings) FORMAT CSV', '/tmp/x')).toBe(
      "INSERT INTO t (id, settings) FROM INFILE '/tmp/x' FORMAT CSV",
    );
    expect(insertFromFile('INSERT INTO t (id, `settings`, SETTINGS) VALUES', '/tmp/x')).toBe(
      "INSERT INTO t (id, `settings`, SETTINGS) FROM INFILE '/tmp/x' FORMAT Values",
    );
  });
  it('tells a table or database named settings from a SETTINGS clause', () => {
    expect(insertFromFile('INSERT INTO settings FORMAT TSV', '/f')).toBe(
      "INSERT INTO settings FROM INFILE '/f' FORMAT TSV",
    );
    expect(insertFromFile('INSERT INTO settings (a) FORMAT TSV', '/f')).toBe(
      "INSERT INTO settings (a) FROM INFILE '/f' FORMAT TSV",
    );
    expect(insertFromFile('INSERT INTO db.settings SETTINGS async_insert=1 FORMAT TSV', '/f')).toBe(
      "INSERT INTO db.settings FROM INFILE '/f' SETTINGS async_insert=1 FORMAT TSV",
    );
    expect(
      insertFromFile('insert into settings.t (settings) settings max_insert_threads = 2 format CSV;', '/f', 'zstd'),
    ).toBe(
      "insert into settings.t (settings) FROM INFILE '/f' COMPRESSION 'zstd' settings max_insert_threads = 2 FORMAT CSV",
    );
  });
  it('ignores FORMAT, VALUES and SETTINGS in comments and strings', () => {
    expect(
      insertFromFile(
        "INSERT INTO t /* SETTINGS a = 1 */ SETTINGS insert_deduplication_token = 'FORMAT x' FORMAT JSONEachRow -- FORMAT CSV",
        '/f',
      ),
    ).toBe(
      "INSERT INTO t /* SETTINGS a = 1 */ FROM INFILE '/f' SETTINGS insert_deduplication_token = 'FORMAT x' FORMAT JSONEachRow",
    );
    expect(() => insertFromFile("INSERT INTO t SELECT 'FORMAT CSV'", '/f')).toThrow(/must end with FORMAT/);
    expect(() => insertFromFile('INSERT INTO t SELECT 1 -- VALUES', '/f')).toThrow(/must end with FORMAT/);
  });
});

describe('insertInputFormat and trailingFormat', () => {
  it('read the format the data follows in', () => {
    expect(insertInputFormat('INSERT INTO t FORMAT Parquet;')).toBe('Parquet');
    expect(insertInputFormat('INSERT INTO t (values) VALUES')).toBe('Values');
    expect(insertInputFormat('INSERT INTO t SELECT 1')).toBeUndefined();
  });
  it('see a trailing FORMAT only at the top level and outside comments', () => {
    expect(trailingFormat('SELECT 1 FORMAT CSV ; ;')).toBe('CSV');
    expect(trailingFormat('SELECT 1 -- FORMAT CSV')).toBeUndefined();
    expect(trailingFormat("SELECT 'x FORMAT CSV'")).toBeUndefined();
    expect(trailingFormat('SELECT format FROM t')).toBeUndefined();
    expect(trailingFormat('SELECT 1 FORMAT JSON SETTINGS max_threads = 1')).toBeUndefined();
  });
});

describe('outputClause', () => {
  it('finds where INTO OUTFILE goes', () => {
    const sql = 'SELECT 1 FORMAT JSONEachRow SETTINGS max_threads = 1;';
    expect(outputClause(sql)).toEqual({ insertAt: sql.indexOf('FORMAT'), format: 'JSONEachRow' });
    expect(outputClause('SELECT 1 -- trailing')).toEqual({ insertAt: 'SELECT 1'.length, format: undefined });
    expect(outputClause('SELECT (SELECT 1 FORMAT CSV)')).toEqual({
      insertAt: 'SELECT (SELECT 1 FORMAT CSV)'.length,
      format: undefined,
    });
    expect(outputClause('')).toEqual({ insertAt: 0, format: undefined });
  });
});

describe('statement kinds', () => {
  it('classify by the first keyword past comments and parentheses', () => {
    expect(queryKind('  ((/* x */ SELECT 1))')).toBe('Select');
    expect(queryKind('# comment\nSHOW TABLES')).toBe('Show');
    expect(queryKind('#!shebang\nDESC t')).toBe('Describe');
    expect(queryKind("'SELECT'")).toBe('Other');
    expect(queryKind('')).toBe('Other');
    expect(isReadOnlyKind(queryKind('EXISTS t'))).toBe(true);
    expect(isReadOnlyKind(queryKind('DROP TABLE t'))).toBe(false);
  });
  it('read leading words and SYSTEM FLUSH LOGS', () => {
    expect(leadingWords('-- c\nsystem flush logs', 3)).toEqual(['SYSTEM', 'FLUSH', 'LOGS']);
    expect(isFlushLogs('SYSTEM /* now */ FLUSH LOGS')).toBe(true);
    expect(isFlushLogs('SYSTEM FLUSH DISTRIBUTED t')).toBe(false);
    expect(isFlushLogs("SELECT 'SYSTEM FLUSH LOGS'")).toBe(false);
  });
});

describe('inlineLogComment and trimStatement', () => {
  it('find an inline log_comment and unescape it', () => {
    expect(inlineLogComment("SELECT 1 SETTINGS log_comment = 'it\\'s ''here'''")).toBe("it's 'here'");
    expect(inlineLogComment("SELECT 'log_comment = ''no''' AS x")).toBeUndefined();
    expect(inlineLogComment('SELECT 1')).toBeUndefined();
  });
  it('drops trailing semicolons and blanks only', () => {
    expect(trimStatement('SELECT 1 ;\n ; ')).toBe('SELECT 1');
    expect(trimStatement("SELECT ';'")).toBe("SELECT ';'");
  });
});
