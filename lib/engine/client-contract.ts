/**
 * @file The client contract: the `connection` @clickhouse/client's createClient takes, declared
 * once for the two transports the kit plugs in (the embedded engine, the kit's HTTP transport).
 */
import type { ClickHouseClientConfigOptions } from '@clickhouse/client';

/** The `connection` contract of `@clickhouse/client`'s createClient. */
export type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;
export type ClientQueryParams = Parameters<ClientConnection['query']>[0];
export type ClientCommandParams = Parameters<ClientConnection['command']>[0];
export type ClientInsertParams = Parameters<ClientConnection['insert']>[0];
export type ClientExecParams = Parameters<ClientConnection['exec']>[0];
export type ClientQueryResult = Awaited<ReturnType<ClientConnection['query']>>;
export type ClientCommandResult = Awaited<ReturnType<ClientConnection['command']>>;
export type ClientExecResult = Awaited<ReturnType<ClientConnection['exec']>>;
export type ClientInsertResult = Awaited<ReturnType<ClientConnection['insert']>>;
/** The summary the client reports (all numbers as strings, as in the HTTP header). */
export type ClientSummary = NonNullable<ClientInsertResult['summary']>;
