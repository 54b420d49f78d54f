/** @file SQL text that sets things on a session: settings, bound parameters, the current database. */
import { quoteIdentifier, quoteString } from './quote';

export type SettingValue = string | number | boolean;

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A setting name the engine may receive, or an error naming it. */
export function checkSettingName(name: string): string {
  if (!SETTING_NAME.test(name)) throw new Error(`Invalid setting name ${JSON.stringify(name)}.`);
  return name;
}

export function settingLiteral(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Setting value ${value} is not a finite number.`);
    return String(value);
  }
  return quoteString(value);
}

/**
 * `SET param_x = '...'` statements binding query parameters. Values are in the text form the
 * HTTP interface takes (`param_x=...`), which is exactly what the engine parses for `{x:Type}`.
 */
export function paramStatements(params: Readonly<Record<string, string>>): string[] {
  return Object.entries(params).map(
    ([name, text]) => `SET ${checkSettingName(`param_${name}`)} = ${quoteString(text)}`,
  );
}

export function useStatement(database: string): string {
  return `USE ${quoteIdentifier(database)}`;
}
