import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseError } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  command,
  insertJsonRows,
  queryFrame,
  queryOne,
  queryRows,
  quoteIdentifier,
  serverVersion,
  WarehouseError,
} from '../../lib/clickhouse';

/**
 * The foundation's integration suite, run against every way of reaching ClickHouse: the embedded
 * engine in-process, the local endpoint, and any server by URL (`npm run test:server`).
 */
export interface SuiteTarget {
  client: ClickHouseClient;
  database: string;
  close?: () => Promise<void>;
  /** A client with the right user and a wrong password (servers and the local endpoint only). */
  wrongPassword?: { client: ClickHouseClient; password: string };
}

export function clickhouseSuite(label: string, open: () => Promise<SuiteTarget>): void {
  describe(`ClickHouse access (${label})`, () => {
    let client: ClickHouseClient;
    let database: string;
    let close: (() => Promise<void>) | undefined;
    let wrongPassword: SuiteTarget['wrongPassword'];
    const suffix = `${process.pid}_${Date.now()}`;
    const t = (name: string): string => `${quoteIdentifier(database)}.${quoteIdentifier(`${name}_${suffix}`)}`;

    beforeAll(async () => {
      ({ client, database, close, wrongPassword } = await open());
      await command(client, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}`);
    });
    afterAll(async () => {
      for (const name of ['types', 'victim', 'hostile']) {
        await command(client, `DROP TABLE IF EXISTS ${t(name)}`).catch(() => undefined);
      }
      await command(
        client,
        `DROP TABLE IF EXISTS ${quoteIdentifier(database)}.${quoteIdentifier(`x\`; DROP TABLE victim_${suffix}; --`)}`,
      ).catch(() => undefined);
      await client.close();
      await wrongPassword?.client.close();
      await close?.();
    });

    it('reports a 26.x engine', async () => {
      expect(await serverVersion(client)).toMatch(/^26\./);
    });

    it.each([
      ['String', `it's a "quote" and a back\\slash\ttab\nnewline`],
      ['String', "'); DROP TABLE t; --"],
      ['Int64', '-9223372036854775808'],
      ['UInt64', '18446744073709551615'],
      ['Int64', '9007199254740993'],
      ['Float64', 3.141592653589793],
      ['Date', '2024-02-29'],
      ["DateTime64(3, 'Asia/Tokyo')", '2024-01-02 03:04:05.678'],
      ['Array(Float32)', [0.5, -1.25, 3]],
      ['Nullable(String)', null],
      ['Map(String, UInt32)', { a: 1, "b'": 2 }],
      ['Array(String)', ['x', "y'z", 'back\\slash']],
    ])('binds %s parameters exactly', async (type, value) => {
      const row = await queryOne<{ v: unknown; t: string }>(client, `SELECT {v:${type}} AS v, toTypeName(v) AS t`, {
        v: value,
      });
      expect(row?.t.replace(/\s/g, '')).toBe(type.replace(/\s/g, ''));
      expect(row?.v).toEqual(value);
    });

    it('binds a Date object to DateTime64 with a time zone', async () => {
      const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
      const row = await queryOne<{ v: string; utc: string }>(
        client,
        "SELECT {v:DateTime64(3, 'Asia/Tokyo')} AS v, toString(toTimeZone(v, 'UTC')) AS utc",
        { v: at },
      );
      expect(row).toEqual({ v: '2024-01-02 12:04:05.678', utc: '2024-01-02 03:04:05.678' });
    });

    it('keeps 64-bit integers exact', async () => {
      const row = await queryOne<{ a: string; b: string }>(
        client,
        'SELECT toUInt64(18446744073709551615) AS a, toInt64(-9007199254740993) AS b',
      );
      expect(row).toEqual({ a: '18446744073709551615', b: '-9007199254740993' });
    });

    it('round-trips typed rows through a table and a polars frame', async () => {
      await command(
        client,
        `CREATE TABLE ${t('types')} (id UInt64, name String, score Nullable(Float64), tags Array(String), at DateTime64(3, 'UTC'), attrs Map(String, String)) ENGINE = MergeTree ORDER BY id`,
      );
      await insertJsonRows(client, { database, table: `types_${suffix}` }, [
        {
          id: '18446744073709551615',
          name: "O'Brien \\ x",
          score: 1.5,
          tags: ['a', 'b'],
          at: '2024-05-06 07:08:09.123',
          attrs: { k: 'v' },
        },
        { id: 1, name: 'plain', score: null, tags: [], at: '2024-05-06 00:00:00.000', attrs: {} },
      ]);
      const rows = await queryRows<{ id: string; name: string; score: number | null }>(
        client,
        `SELECT id, name, score FROM ${t('types')} WHERE name = {n:String}`,
        { n: "O'Brien \\ x" },
      );
      expect(rows).toEqual([{ id: '18446744073709551615', name: "O'Brien \\ x", score: 1.5 }]);
      const frame = await queryFrame(client, `SELECT id, name, score, tags, at FROM ${t('types')} ORDER BY id`);
      expect(frame.height).toBe(2);
      expect(frame.columns).toEqual(['id', 'name', 'score', 'tags', 'at']);
      expect(String(frame.getColumn('id').dtype)).toMatch(/UInt64/);
      expect(frame.getColumn('name').toArray()).toEqual(['plain', "O'Brien \\ x"]);
      expect(frame.getColumn('score').toArray()).toEqual([null, 1.5]);
    });

    it('keeps an injection attempt through a value inert', async () => {
      await command(client, `CREATE TABLE ${t('victim')} (x String) ENGINE = MergeTree ORDER BY x`);
      await insertJsonRows(client, { database, table: `victim_${suffix}` }, [{ x: 'keep' }]);
      const hostile = `keep' OR 1=1; DROP TABLE ${database}.victim_${suffix}; --`;
      const rows = await queryRows(client, `SELECT x FROM ${t('victim')} WHERE x = {x:String}`, { x: hostile });
      expect(rows).toEqual([]);
      expect(await queryOne(client, `SELECT count() AS n FROM ${t('victim')}`)).toEqual({ n: '1' });
    });

    it('keeps an injection attempt through an identifier inert', async () => {
      const hostileName = `x\`; DROP TABLE victim_${suffix}; --`;
      await command(client, `CREATE TABLE IF NOT EXISTS ${t('victim')} (x String) ENGINE = MergeTree ORDER BY x`);
      await command(
        client,
        `CREATE TABLE ${quoteIdentifier(database)}.${quoteIdentifier(hostileName)} (a UInt8) ENGINE = Memory`,
      );
      const tables = await queryRows<{ name: string }>(
        client,
        'SELECT name FROM system.tables WHERE database = {db:String} AND name IN ({names:Array(String)}) ORDER BY name',
        {
          db: database,
          names: [hostileName, `victim_${suffix}`],
        },
      );
      expect(tables.map((r) => r.name).sort()).toEqual([hostileName, `victim_${suffix}`].sort());
    });

    it('gives a typed error for a syntax error', async () => {
      const err = await queryRows(client, 'SELEC 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WarehouseError);
      expect((err as WarehouseError).code).toBe(62);
      expect((err as WarehouseError).type).toBe('SYNTAX_ERROR');
      expect((err as WarehouseError).sql).toContain('SELEC 1');
    });

    it('gives a typed error for an unknown table', async () => {
      const err = await queryRows(client, `SELECT * FROM ${t('does_not_exist')}`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WarehouseError);
      expect((err as WarehouseError).code).toBe(60);
      expect((err as WarehouseError).type).toBe('UNKNOWN_TABLE');
    });

    it('gives a typed authentication error without the password', async (ctx) => {
      if (!wrongPassword) return ctx.skip();
      const err = await queryRows(wrongPassword.client, 'SELECT 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WarehouseError);
      expect((err as WarehouseError).code).toBe(516);
      expect((err as WarehouseError).type).toBe('AUTHENTICATION_FAILED');
      const text = `${(err as Error).message} ${JSON.stringify(err)} ${(err as Error).stack ?? ''}`;
      expect(text).not.toContain(wrongPassword.password);
    });

    it('raises the official ClickHouseError from the raw client', async () => {
      const err = await client.query({ query: 'SELECT * FROM no_such_table_anywhere' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClickHouseError);
      expect((err as ClickHouseError).code).toBe('60');
    });

    it('inserts into a column named settings', async () => {
      const table = t('settings_column');
      await command(client, `CREATE TABLE ${table} (id UInt32, settings String) ENGINE = MergeTree ORDER BY id`);
      try {
        await client.insert({
          table,
          values: Readable.from(['1,a\n', '2,b\n'], { objectMode: false }),
          format: 'CSV',
          columns: ['id', 'settings'],
        });
        expect(
          await queryRows<{ id: number; settings: string }>(client, `SELECT id, settings FROM ${table} ORDER BY id`),
        ).toEqual([
          { id: 1, settings: 'a' },
          { id: 2, settings: 'b' },
        ]);
      } finally {
        await command(client, `DROP TABLE IF EXISTS ${table}`);
      }
    });

    it('does not leak per-query settings into later queries', async () => {
      const base = await queryOne<{ v: string }>(client, "SELECT getSetting('max_block_size') AS v");
      const changed = await queryOne<{ v: string }>(
        client,
        "SELECT getSetting('max_block_size') AS v",
        {},
        { settings: { max_block_size: '1234' } },
      );
      expect(String(changed?.v)).toBe('1234');
      for (let i = 0; i < 6; i++) {
        const after = await queryOne<{ v: string }>(client, "SELECT getSetting('max_block_size') AS v");
        expect(after).toEqual(base);
      }
    });
  });
}
